using System.Text.Json.Serialization;

namespace Berth.Cgroups;

/// <summary>Source-generated JSON for <see cref="CgroupStats"/>; every property carries its runc name explicitly.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CgroupStats))]
public sealed partial class CgroupJsonContext : JsonSerializerContext;
