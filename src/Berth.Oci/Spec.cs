using System.Text.Json.Serialization;

namespace Berth.Oci;

/// <summary>
/// The bundle's config.json (OCI runtime-spec 1.x, specs-go/config.go). Only the Linux platform
/// sections are modelled; solaris/windows/vm/zos/freebsd are ignored when read.
/// </summary>
public sealed class RuntimeSpec
{
    /// <summary>Go field <c>Version</c>; the spec version the bundle complies with, e.g. "1.2.0".</summary>
    public string OciVersion { get; set; } = "";

    public Process? Process { get; set; }
    public Root? Root { get; set; }
    public string? Hostname { get; set; }
    public string? Domainname { get; set; }
    public List<Mount>? Mounts { get; set; }
    public Hooks? Hooks { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public Linux? Linux { get; set; }
}

/// <summary>The container's root filesystem; a relative path is relative to the bundle directory.</summary>
public sealed class Root
{
    public string Path { get; set; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Readonly { get; set; }
}
