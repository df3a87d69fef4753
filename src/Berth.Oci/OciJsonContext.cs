using System.Text.Json.Serialization;

namespace Berth.Oci;

/// <summary>
/// Source-generated (reflection-free) JSON for every OCI document Berth reads or writes.
/// Property names are matched case-insensitively when reading, as Go's encoding/json does.
/// An explicit null for a required (non-nullable) field such as process.user is rejected rather
/// than left for the runtime to trip over.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(RuntimeSpec))]
[JsonSerializable(typeof(Process))]
[JsonSerializable(typeof(LinuxResources))]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(List<ContainerState>))]
[JsonSerializable(typeof(ContainerProcessState))]
[JsonSerializable(typeof(Features))]
[JsonSerializable(typeof(List<int>))]
public sealed partial class OciJsonContext : JsonSerializerContext;
