using System.Text.Json.Serialization;

namespace Berth.Api;

/// <summary>The Docker API boundary: exact Go names (PascalCase as declared), nulls written as Docker does.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(InfoResponse))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
