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

    public void MountOne(Mount m)
    {
        string dest = SecureJoin.Join(rootfs, m.Destination);
        var opts = MountOptions.Parse(m.Options, m.Type);
        if (m.Type == "cgroup" && !opts.Bind)
        {
            CgroupMounter.Mount(dest, opts);
            return;
        }
        if (opts.Bind)
        {
            string source = m.Source ?? throw new BerthException(ErrorKind.InvalidArgument, $"bind mount {m.Destination} has no source");
            bool isDir = Directory.Exists(source);
            if (!isDir && !File.Exists(source))
                throw new BerthException(ErrorKind.InvalidArgument, $"bind mount source {source} does not exist");
            CreateMountPoint(dest, isDir);
            Do(source, dest, null, Libc.MS_BIND | (opts.Recursive ? Libc.MS_REC : 0), null);
            // Flags other than bind only take effect on a remount of the bind.
            ulong extra = opts.Flags & ~Libc.MS_REMOUNT;
            if (extra != 0)
                Do(null, dest, null, Libc.MS_BIND | Libc.MS_REMOUNT | extra | LockedFlags(dest), null);
        }
        else
        {
            CreateMountPoint(dest, isDir: true);
            Do(m.Source ?? m.Type ?? "none", dest, m.Type, opts.Flags, opts.Data.Length > 0 ? opts.Data : null);
        }
        if (opts.Propagation != 0) Do(null, dest, null, opts.Propagation, null);
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

    public static void CreateMountPoint(string dest, bool isDir)
    {
        if (isDir)
        {
            if (!Directory.Exists(dest)) Directory.CreateDirectory(dest);
            return;
        }
        if (File.Exists(dest) || Directory.Exists(dest)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        File.Create(dest).Dispose();
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
