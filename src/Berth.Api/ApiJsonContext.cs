using System.Text.Json.Serialization;

namespace Berth.Api;

/// <summary>The Docker API boundary: exact Go names (PascalCase as declared), nulls written as Docker does.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(InfoResponse))]
[JsonSerializable(typeof(List<ImageSummary>))]
[JsonSerializable(typeof(ImageInspect))]
[JsonSerializable(typeof(List<HistoryItem>))]
[JsonSerializable(typeof(List<DeleteItem>))]
[JsonSerializable(typeof(ImagePruneResponse))]
[JsonSerializable(typeof(JsonMessage))]
[JsonSerializable(typeof(EventMessage))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
