using Berth.Oci;

namespace Berth.Cgroups.V1;

/// <summary>
/// cpuset.cpus and cpuset.mems. A new v1 cpuset starts with both empty and then refuses tasks (ENOSPC), so
/// every directory we create gets its parent's values first (runc fs/cpuset.go cpusetEnsureParent).
/// </summary>
internal static class CpusetV1
{
    public static bool IsSet(LinuxCpu? c) => c is not null && (!string.IsNullOrEmpty(c.Cpus) || !string.IsNullOrEmpty(c.Mems));

    /// <summary>mkdir each level below the mount point, copying cpus/mems down where they are empty.</summary>
    public static void CreateTree(string mountPoint, string directory)
    {
        string relative = System.IO.Path.GetRelativePath(mountPoint, directory);
        string current = mountPoint;
        foreach (string part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string parent = current;
            current = System.IO.Path.Join(current, part);
            CgroupTree.CreateDirectory(current);
            CopyIfEmpty(new CgroupDirectory(parent), new CgroupDirectory(current));
        }
    }

    private static void CopyIfEmpty(CgroupDirectory parent, CgroupDirectory child)
    {
        foreach (string file in (string[])["cpuset.cpus", "cpuset.mems"])
        {
            if (child.TryRead(file) is { } value && string.IsNullOrWhiteSpace(value))
                child.Write(file, parent.Read(file).Trim());
        }
    }

    public static void Apply(LinuxCpu c, CgroupDirectory dir)
    {
        if (!string.IsNullOrEmpty(c.Cpus)) dir.Write("cpuset.cpus", c.Cpus);
        if (!string.IsNullOrEmpty(c.Mems)) dir.Write("cpuset.mems", c.Mems);
    }
}
