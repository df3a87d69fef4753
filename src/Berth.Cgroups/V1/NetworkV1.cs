using Berth.Oci;

namespace Berth.Cgroups.V1;

/// <summary>net_cls.classid and net_prio.ifpriomap (runc fs/net_cls.go, net_prio.go).</summary>
internal static class NetworkV1
{
    public static bool IsClassIdSet(LinuxNetwork? n) => n?.ClassID is not null and not 0;

    public static bool IsPrioritySet(LinuxNetwork? n) => n?.Priorities is { Count: > 0 };

    public static void ApplyClassId(LinuxNetwork n, CgroupDirectory dir) => dir.Write("net_cls.classid", (long)n.ClassID!.Value);

    public static void ApplyPriorities(LinuxNetwork n, CgroupDirectory dir)
    {
        foreach (LinuxInterfacePriority p in n.Priorities!)
            dir.Write("net_prio.ifpriomap", $"{p.Name} {p.Priority}");
    }
}
