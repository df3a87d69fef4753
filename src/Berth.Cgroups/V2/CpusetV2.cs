using Berth.Oci;

namespace Berth.Cgroups.V2;

/// <summary>cpuset.cpus / cpuset.mems; unlike v1, an empty v2 cpuset inherits its parent's, so nothing to copy.</summary>
internal static class CpusetV2
{
    public static bool IsSet(LinuxCpu? c) => c is not null && (!string.IsNullOrEmpty(c.Cpus) || !string.IsNullOrEmpty(c.Mems));

    public static void Apply(LinuxCpu c, CgroupDirectory dir)
    {
        if (!string.IsNullOrEmpty(c.Cpus)) dir.Write("cpuset.cpus", c.Cpus);
        if (!string.IsNullOrEmpty(c.Mems)) dir.Write("cpuset.mems", c.Mems);
    }
}
