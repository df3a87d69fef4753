using Berth.Oci;

namespace Berth.Runtime.State;

/// <summary>What the runtime keeps about a container in &lt;root&gt;/&lt;id&gt;/state.json.</summary>
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
    public RuntimeSpec Spec { get; set; } = new();
}
