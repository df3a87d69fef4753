using System.Text.Json.Serialization;
using Berth.Engine.Images;

namespace Berth.Engine;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(ImageRecord))]
[JsonSerializable(typeof(ContainerDefaults))]
[JsonSerializable(typeof(TagIndex))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
public sealed partial class EngineJsonContext : JsonSerializerContext;
