using Berth.Oci;

namespace Berth.Runtime.State;

/// <summary>
/// What the runtime keeps about a container in &lt;root&gt;/&lt;id&gt;/state.json: small, because every command
/// reads it. The spec as created is &lt;root&gt;/&lt;id&gt;/config.json.
/// </summary>
internal sealed class ContainerRecord
{
    public string Id { get; set; } = "";
    public int InitPid { get; set; }
    /// <summary>Start time of init in clock ticks since boot (/proc/pid/stat field 22): guards against pid reuse.</summary>
    public ulong InitStartTime { get; set; }
    public string Bundle { get; set; } = "";
    public string Rootfs { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public string Owner { get; set; } = "";
    public string CgroupsPath { get; set; } = "";
    /// <summary>Rootless, without a cgroup (see NoCgroup).</summary>
    public bool NoCgroup { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    /// <summary>Whether the saved spec has poststart / poststop hooks: start and delete read it only then.</summary>
    public bool HasPoststart { get; set; }
    public bool HasPoststop { get; set; }
}
