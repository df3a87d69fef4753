namespace Berth.Cgroups;

/// <summary>How the host mounts cgroups.</summary>
public enum CgroupMode
{
    /// <summary>Only v1 controller hierarchies.</summary>
    V1Legacy,

    /// <summary>v1 controller hierarchies plus a (mostly empty) v2 tree at &lt;root&gt;/unified.</summary>
    Hybrid,

    /// <summary>The root itself is cgroup2.</summary>
    Unified,
}
