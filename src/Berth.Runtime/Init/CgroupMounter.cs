using Berth.Core;
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
        // Our fresh tmpfs, in our own mount namespace: nothing else can have put a symlink in it, so its entries
        // are made and opened relative to one fd of it (a name is one component, opened without following).
        using var tmpfs = MountPoints.Directory(rootfs, dest);
        var ownCgroups = ReadOwnCgroups();
        foreach (var m in hostMounts.Where(m => m.FsType is "cgroup" or "cgroup2"))
        {
            string name = Path.GetFileName(m.MountPoint);
            if (m.MountPoint == "/sys/fs/cgroup" || string.IsNullOrEmpty(name)) continue;
            if (Libc.MkdirAt(tmpfs.Value, name, 0x1ed /* 0755 */) < 0 && Check.LastErrno != Errnos.EEXIST)
                Check.ThrowLastError("mkdir", Path.Combine(dest, name));
            string key = m.FsType == "cgroup2" ? "" : ControllersOf(m.SuperOptions);
            // Bind the container's own cgroup directory: it is the root the container should see.
            string own = ownCgroups.TryGetValue(key, out var p) ? p : "/";
            string hostDir = m.MountPoint + (m.Root == "/" ? own : own.StartsWith(m.Root, StringComparison.Ordinal) ? own[m.Root.Length..] : "/");
            if (!Directory.Exists(hostDir)) hostDir = m.MountPoint;
            OnEntry(tmpfs, name, t => Mounter.Do(hostDir, t, null, Libc.MS_BIND | Libc.MS_REC, null));
            // Opened again: the name now leads to the bind mount, which the remount must name.
            OnEntry(tmpfs, name, t => Mounter.Do(null, t, null, Libc.MS_BIND | Libc.MS_REMOUNT | flags | (opts.Flags & Libc.MS_RDONLY), null));
            // co-mounted controllers (cpu,cpuacct) are also reachable by each name, as on the host
            if (name.Contains(','))
                foreach (string alias in name.Split(','))
                    if (Libc.SymlinkAt(name, tmpfs.Value, alias) < 0 && Check.LastErrno != Errnos.EEXIST)
                        Check.ThrowLastError("symlink", Path.Combine(dest, alias));
        }
        if ((opts.Flags & Libc.MS_RDONLY) != 0)
            MountTarget.With(rootfs, dest, t => Mounter.Do(null, t, null, Libc.MS_REMOUNT | Libc.MS_RDONLY | Libc.MS_NOSUID | Libc.MS_NODEV | Libc.MS_NOEXEC, "mode=755"));
    }

    /// <summary>Runs <paramref name="mount"/> with a target naming the directory <paramref name="name"/> of <paramref name="dir"/>.</summary>
    private static void OnEntry(SafeFd dir, string name, Action<string> mount)
    {
        int fd = Libc.OpenAt(dir.Value, name, Libc.O_PATH | Libc.O_CLOEXEC | Libc.O_NOFOLLOW | Libc.O_DIRECTORY);
        if (fd < 0) Check.ThrowLastError("open", name);
        try { mount($"/proc/self/fd/{fd}"); }
        finally { Libc.Close(fd); }
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
