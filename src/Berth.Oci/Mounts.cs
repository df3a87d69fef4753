using System.Text.Json.Serialization;

namespace Berth.Oci;

/// <summary>A mount on top of the root filesystem; Options are fstab-style ("ro", "rbind", "mode=755").</summary>
public sealed class Mount
{
    public string Destination { get; set; } = "";
    public string? Type { get; set; }
    public string? Source { get; set; }
    public List<string>? Options { get; set; }

    /// <summary>Mappings for an idmapped mount.</summary>
    [JsonPropertyName("uidMappings")]
    public List<LinuxIdMapping>? UIDMappings { get; set; }

    [JsonPropertyName("gidMappings")]
    public List<LinuxIdMapping>? GIDMappings { get; set; }
}

/// <summary>One line of /proc/PID/uid_map or gid_map.</summary>
public sealed class LinuxIdMapping
{
    [JsonPropertyName("containerID")]
    public uint ContainerID { get; set; }

    [JsonPropertyName("hostID")]
    public uint HostID { get; set; }

    public uint Size { get; set; }
}
