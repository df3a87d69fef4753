using Berth.Core;

namespace Berth.Cgroups.V1;

/// <summary>Finds the hierarchies from mountinfo and places the container's directory in each.</summary>
internal static class V1Layout
{
    private static readonly HashSet<string> KnownControllers = new(StringComparer.Ordinal)
    {
        "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
        "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc",
    };

    public static List<V1Hierarchy> Resolve(CgroupPath path, CgroupFs fs, List<CgroupMount> mounts, bool hybrid)
    {
        List<ProcCgroupEntry>? self = path.IsAbsolute ? null : fs.ReadSelfCgroup();
        var hierarchies = new List<V1Hierarchy>();
        var claimed = new HashSet<string>(StringComparer.Ordinal);

        foreach (CgroupMount mount in mounts.Where(m => !m.IsV2))
        {
            string[] controllers = mount.SuperOptions
                .Where(o => KnownControllers.Contains(o) || o.StartsWith("name=", StringComparison.Ordinal))
                .ToArray();
            // a second mount of an already seen hierarchy (bind mount) adds nothing
            if (controllers.Length == 0 || controllers.Any(claimed.Contains)) continue;
            bool bestEffort = controllers.All(c => c.StartsWith("name=", StringComparison.Ordinal));

            string? own = path.IsAbsolute ? "" : OwnPath(self!, mount, e => e.Controllers.Intersect(controllers).Any());
            if (own is null)
            {
                if (bestEffort) continue;
                throw new BerthException(ErrorKind.FailedPrecondition,
                    $"cannot place relative cgroupsPath \"{path}\": our own {string.Join(',', controllers)} cgroup is not visible under {mount.MountPoint}");
            }
            claimed.UnionWith(controllers);
            hierarchies.Add(new V1Hierarchy(string.Join(',', controllers), controllers, mount.MountPoint,
                System.IO.Path.Join(mount.MountPoint, own, path.Inner), bestEffort));
        }

        if (hybrid)
        {
            // runc also joins the v2 tree of a hybrid host so that cgroup2-aware tools can track the container.
            string unified = System.IO.Path.Join(fs.Root, "unified");
            CgroupMount? mount = mounts.FirstOrDefault(m => m.IsV2 && m.MountPoint == unified);
            string? own = mount is null ? null : path.IsAbsolute ? "" : OwnPath(self!, mount, e => e.IsV2);
            if (mount is not null && own is not null)
                hierarchies.Add(new V1Hierarchy("unified", ["unified"], mount.MountPoint, System.IO.Path.Join(mount.MountPoint, own, path.Inner), bestEffort: true));
        }
        return hierarchies;
    }

    /// <summary>
    /// Our cgroup in this hierarchy, relative to what the mount shows. /proc/self/cgroup prints paths from the
    /// hierarchy root, while a mount (in a nested container) may show only a subtree: strip that subtree's root.
    /// </summary>
    private static string? OwnPath(List<ProcCgroupEntry> self, CgroupMount mount, Func<ProcCgroupEntry, bool> matches)
    {
        ProcCgroupEntry? entry = self.FirstOrDefault(matches);
        if (entry is null) return null;
        string root = mount.Root.TrimEnd('/');
        if (root.Length == 0) return entry.Path;
        if (entry.Path == root) return "/";
        return entry.Path.StartsWith(root + "/", StringComparison.Ordinal) ? entry.Path[root.Length..] : null;
    }
}
