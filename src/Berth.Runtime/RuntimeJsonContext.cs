using System.Text.Json.Serialization;
using Berth.Runtime.Launch;
using Berth.Runtime.State;

namespace Berth.Runtime;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
                             DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InitConfig))]
[JsonSerializable(typeof(ContainerRecord))]
internal partial class RuntimeJsonContext : JsonSerializerContext;
