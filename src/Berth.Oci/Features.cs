using System.Text.Json.Serialization;

namespace Berth.Oci;

/// <summary>
/// The <c>features</c> document (runtime-spec features.md). A null list or flag means "unknown",
/// not "unsupported", so only what the runtime knows is filled in.
/// </summary>
public sealed class Features
{
    public string? OciVersionMin { get; set; }
    public string? OciVersionMax { get; set; }
    public List<string>? Hooks { get; set; }
    public List<string>? MountOptions { get; set; }
    public LinuxFeatures? Linux { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>Annotations that change behaviour; a trailing "." marks a prefix.</summary>
    public List<string>? PotentiallyUnsafeConfigAnnotations { get; set; }
}

public sealed class LinuxFeatures
{
    public List<string>? Namespaces { get; set; }
    public List<string>? Capabilities { get; set; }
    public CgroupFeatures? Cgroup { get; set; }
    public SeccompFeatures? Seccomp { get; set; }
    public EnabledFeature? Apparmor { get; set; }
    public EnabledFeature? Selinux { get; set; }
    public IntelRdtFeatures? IntelRdt { get; set; }
    public MemoryPolicyFeatures? MemoryPolicy { get; set; }
    public MountExtensionsFeatures? MountExtensions { get; set; }
    public EnabledFeature? NetDevices { get; set; }
}

/// <summary>Which cgroup drivers are compiled in, regardless of what the host runs.</summary>
public sealed class CgroupFeatures
{
    public bool? V1 { get; set; }
    public bool? V2 { get; set; }
    public bool? Systemd { get; set; }
    public bool? SystemdUser { get; set; }
    public bool? Rdma { get; set; }
}

public sealed class SeccompFeatures
{
    public bool? Enabled { get; set; }
    public List<string>? Actions { get; set; }
    public List<string>? Operators { get; set; }
    public List<string>? Archs { get; set; }
    public List<string>? KnownFlags { get; set; }

    /// <summary>The subset of KnownFlags this kernel accepts.</summary>
    public List<string>? SupportedFlags { get; set; }
}

/// <summary>The shape shared by apparmor, selinux and netDevices: just "enabled".</summary>
public sealed class EnabledFeature
{
    public bool? Enabled { get; set; }
}

public sealed class IntelRdtFeatures
{
    public bool? Enabled { get; set; }
    public bool? Schemata { get; set; }
    public bool? Monitoring { get; set; }
}

public sealed class MemoryPolicyFeatures
{
    public List<string>? Modes { get; set; }
    public List<string>? Flags { get; set; }
}

public sealed class MountExtensionsFeatures
{
    [JsonPropertyName("idmap")]
    public EnabledFeature? IdMap { get; set; }
}
