using Berth.Core;
using Berth.Interop;
using Berth.Oci;

namespace Berth.Runtime.Init;

/// <summary>Performs the spec's mounts inside the (not yet pivoted) rootfs.</summary>
internal sealed class Mounter(string rootfs, bool inUserNamespace)
{
    public void MountAll(IEnumerable<Mount> mounts)
    {
        foreach (var m in mounts) MountOne(m);
    }

    /// <summary>runc's rule (CVE-2019-16884, CVE-2025-52881): only procfs on /proc, and under it only the files lxcfs-style tools bind.</summary>
    private static readonly HashSet<string> ProcFilesAllowed =
    [
        "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime",
        "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
    ];

    private static void CheckProcDestination(Mount m)
    {
        string dest = "/" + string.Join('/', m.Destination.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));
        if (dest == "/proc" && m.Type != "proc")
            throw new BerthException(ErrorKind.InvalidArgument, $"mount {m.Source} on /proc: only a proc filesystem may be mounted there");
        if (dest.StartsWith("/proc/", StringComparison.Ordinal) && !ProcFilesAllowed.Contains(dest))
            throw new BerthException(ErrorKind.InvalidArgument, $"mount destination {m.Destination} is under /proc and not one of the files that may be replaced");
    }

    public void MountOne(Mount m)
    {
        CheckProcDestination(m);
        string dest = SecureJoin.Join(rootfs, m.Destination);
        var opts = MountOptions.Parse(m.Options, m.Type);
        if (m.Type == "cgroup" && !opts.Bind)
        {
            CgroupMounter.Mount(rootfs, dest, opts);
            return;
        }
        if (opts.Bind)
        {
            string source = m.Source ?? throw new BerthException(ErrorKind.InvalidArgument, $"bind mount {m.Destination} has no source");
            bool isDir = Directory.Exists(source);
            if (!isDir && !File.Exists(source))
                throw new BerthException(ErrorKind.InvalidArgument, $"bind mount source {source} does not exist");
            MountPoints.Create(rootfs, dest, isDir);
            MountTarget.With(rootfs, dest, t => Do(source, t, null, Libc.MS_BIND | (opts.Recursive ? Libc.MS_REC : 0), null));
            // Flags other than bind only take effect on a remount of the bind; reopening the destination
            // now names the new mount, not the one it covers.
            ulong extra = opts.Flags & ~Libc.MS_REMOUNT;
            if (extra != 0)
                MountTarget.With(rootfs, dest, t => Do(null, t, null, Libc.MS_BIND | Libc.MS_REMOUNT | extra | LockedFlags(t), null));
        }
        else
        {
            MountPoints.Create(rootfs, dest, isDir: true);
            MountTarget.With(rootfs, dest, t => Do(m.Source ?? m.Type ?? "none", t, m.Type, opts.Flags, opts.Data.Length > 0 ? opts.Data : null));
        }
        if (opts.Propagation != 0) MountTarget.With(rootfs, dest, t => Do(null, t, null, opts.Propagation, null));
    }

    /// <summary>
    /// In a user namespace the kernel refuses a remount that would clear nosuid/nodev/noexec/ro
    /// flags the mount inherited; keep those that are already set.
    /// </summary>
    private ulong LockedFlags(string path)
    {
        if (!inUserNamespace) return 0;
        var st = MountInfo.StatFlags(path);
        return st & (Libc.MS_NOSUID | Libc.MS_NODEV | Libc.MS_NOEXEC);
    }

    public static void Do(string? source, string target, string? fstype, ulong flags, string? data)
    {
        if (Libc.Mount(source, target, fstype, flags, data) < 0)
        {
            int errno = Check.LastErrno;
            throw new BerthException(ErrorKind.Internal,
                $"mount {source ?? "(none)"} to {target} (type {fstype ?? "none"}, flags 0x{flags:x}{(data is null ? "" : ", data " + data)}): {ErrnoException.Describe(errno)}");
        }
    }
}
