using Berth.Interop;

namespace Berth.Runtime.Init;

/// <summary>
/// A "cgroup" mount: on a v2 host, cgroup2 itself; on v1/hybrid hosts, a tmpfs holding one mount per
/// hierarchy (as runc does), each showing the container's own cgroup as its root.
/// </summary>
internal static class CgroupMounter
{
    public static void Mount(string rootfs, string dest, MountOptions opts)
    {
        var hostMounts = MountInfo.Read().Where(m => m.MountPoint.StartsWith("/sys/fs/cgroup", StringComparison.Ordinal)).ToList();
        ulong flags = opts.Flags & ~Libc.MS_RDONLY;
        MountPoints.Create(rootfs, dest, isDir: true);
        if (hostMounts.Any(m => m.MountPoint == "/sys/fs/cgroup" && m.FsType == "cgroup2"))
        {
            MountTarget.With(rootfs, dest, t => Mounter.Do("cgroup2", t, "cgroup2", opts.Flags, null));
            return;
        }
        MountTarget.With(rootfs, dest, t => Mounter.Do("tmpfs", t, "tmpfs", Libc.MS_NOSUID | Libc.MS_NODEV | Libc.MS_NOEXEC, "mode=755"));
        var ownCgroups = ReadOwnCgroups();
        foreach (var m in hostMounts.Where(m => m.FsType is "cgroup" or "cgroup2"))
        {
            string name = Path.GetFileName(m.MountPoint);
            if (m.MountPoint == "/sys/fs/cgroup" || string.IsNullOrEmpty(name)) continue;
            string target = Path.Combine(dest, name);
            MountPoints.Create(rootfs, target, isDir: true); // inside our fresh tmpfs
            string key = m.FsType == "cgroup2" ? "" : ControllersOf(m.SuperOptions);
            // Bind the container's own cgroup directory: it is the root the container should see.
            string own = ownCgroups.TryGetValue(key, out var p) ? p : "/";
            string hostDir = m.MountPoint + (m.Root == "/" ? own : own.StartsWith(m.Root, StringComparison.Ordinal) ? own[m.Root.Length..] : "/");
            if (!Directory.Exists(hostDir)) hostDir = m.MountPoint;
            MountTarget.With(rootfs, target, t => Mounter.Do(hostDir, t, null, Libc.MS_BIND | Libc.MS_REC, null));
            MountTarget.With(rootfs, target, t => Mounter.Do(null, t, null, Libc.MS_BIND | Libc.MS_REMOUNT | flags | (opts.Flags & Libc.MS_RDONLY), null));
            // co-mounted controllers (cpu,cpuacct) are also reachable by each name, as on the host
            if (name.Contains(','))
                foreach (string alias in name.Split(','))
                    if (!Path.Exists(Path.Combine(dest, alias))) Libc.Symlink(name, Path.Combine(dest, alias));
        }
        if ((opts.Flags & Libc.MS_RDONLY) != 0)
            MountTarget.With(rootfs, dest, t => Mounter.Do(null, t, null, Libc.MS_REMOUNT | Libc.MS_RDONLY | Libc.MS_NOSUID | Libc.MS_NODEV | Libc.MS_NOEXEC, "mode=755"));
    }

    private static readonly HashSet<string> NotControllers = ["rw", "ro", "xattr", "clone_children", "noprefix", "cpuset_v2_mode"];

    private static string ControllersOf(string superOptions)
    {
        string[] opts = superOptions.Split(',');
        return opts.FirstOrDefault(o => o.StartsWith("name=", StringComparison.Ordinal))
            ?? string.Join(',', opts.Where(o => !NotControllers.Contains(o) && !o.Contains('=')).Order());
    }

    /// <summary>controller list (sorted, comma-joined; "" for v2) to this process's cgroup path.</summary>
    private static Dictionary<string, string> ReadOwnCgroups()
    {
        var map = new Dictionary<string, string>();
        foreach (string line in File.ReadLines("/proc/self/cgroup"))
        {
            string[] f = line.Split(':', 3);
            if (f.Length != 3) continue;
            string key = string.Join(',', f[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Where(c => !c.StartsWith("name=", StringComparison.Ordinal)).Order());
            if (f[1].StartsWith("name=", StringComparison.Ordinal)) key = f[1]; // named hierarchies, e.g. name=systemd
            map[key] = f[2];
        }
        return map;
    }
}
