using System.Text.Json.Serialization;

namespace Berth.Oci;

/// <summary>config.json "linux": everything specific to Linux containers.</summary>
public sealed class Linux
{
    [JsonPropertyName("uidMappings")]
    public List<LinuxIdMapping>? UIDMappings { get; set; }

    [JsonPropertyName("gidMappings")]
    public List<LinuxIdMapping>? GIDMappings { get; set; }

    public Dictionary<string, string>? Sysctl { get; set; }
    public LinuxResources? Resources { get; set; }
    public string? CgroupsPath { get; set; }
    public List<LinuxNamespace>? Namespaces { get; set; }
    public List<LinuxDevice>? Devices { get; set; }

    /// <summary>Host interface name → settings, moved into the container's network namespace.</summary>
    public Dictionary<string, LinuxNetDevice>? NetDevices { get; set; }

    public LinuxSeccomp? Seccomp { get; set; }
    public string? RootfsPropagation { get; set; }
    public List<string>? MaskedPaths { get; set; }
    public List<string>? ReadonlyPaths { get; set; }
    public string? MountLabel { get; set; }
    public LinuxIntelRdt? IntelRdt { get; set; }
    public LinuxMemoryPolicy? MemoryPolicy { get; set; }
    public LinuxPersonality? Personality { get; set; }

    /// <summary>Clock name ("monotonic", "boottime") → offset, for a new time namespace.</summary>
    public Dictionary<string, LinuxTimeOffset>? TimeOffsets { get; set; }
}

/// <summary>A namespace to create, or to join when <see cref="Path"/> is set.</summary>
public sealed class LinuxNamespace
{
    /// <summary>One of <see cref="NamespaceTypes"/>.</summary>
    public string Type { get; set; } = "";
    public string? Path { get; set; }
}

/// <summary>The namespace type names config.json uses.</summary>
public static class NamespaceTypes
{
    public const string Pid = "pid";
    public const string Network = "network";
    public const string Mount = "mount";
    public const string Ipc = "ipc";
    public const string Uts = "uts";
    public const string User = "user";
    public const string Cgroup = "cgroup";
    public const string Time = "time";

    public static readonly IReadOnlyList<string> All = [Pid, Network, Mount, Ipc, Uts, User, Cgroup, Time];
}

/// <summary>A device node to create in the container's /dev. Type is "c", "u", "b" or "p".</summary>
public sealed class LinuxDevice
{
    public string Path { get; set; } = "";
    public string Type { get; set; } = "";
    public long Major { get; set; }
    public long Minor { get; set; }

    /// <summary>Permission bits (Go os.FileMode, a plain number in JSON).</summary>
    public uint? FileMode { get; set; }

    [JsonPropertyName("uid")]
    public uint? UID { get; set; }

    [JsonPropertyName("gid")]
    public uint? GID { get; set; }
}

public sealed class LinuxNetDevice
{
    /// <summary>Name inside the container; empty keeps the host name.</summary>
    public string? Name { get; set; }
}

public sealed class LinuxTimeOffset
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Secs { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public uint Nanosecs { get; set; }
}

/// <summary>Intel RDT (resctrl) settings.</summary>
public sealed class LinuxIntelRdt
{
    [JsonPropertyName("closID")]
    public string? ClosID { get; set; }

    /// <summary>Lines written verbatim to the schemata file; overrides the two schema fields.</summary>
    public List<string>? Schemata { get; set; }

    [JsonPropertyName("l3CacheSchema")]
    public string? L3CacheSchema { get; set; }

    public string? MemBwSchema { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool EnableMonitoring { get; set; }
}

/// <summary>set_mempolicy(2) input; Mode is an "MPOL_*" name, Flags are "MPOL_F_*" names.</summary>
public sealed class LinuxMemoryPolicy
{
    public string Mode { get; set; } = "";
    public string? Nodes { get; set; }
    public List<string>? Flags { get; set; }
}

/// <summary>personality(2) input; Domain is "LINUX" or "LINUX32".</summary>
public sealed class LinuxPersonality
{
    public string Domain { get; set; } = "";
    public List<string>? Flags { get; set; }
}
