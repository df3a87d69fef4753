using Berth.Core;
using Berth.Interop;
using Berth.Oci;

namespace Berth.Runtime.Init;

/// <summary>Creates /dev entries: Docker's and runc's default set plus the spec's devices, and the usual symlinks.</summary>
internal static class Devices
{
    private const int S_IFCHR = 0x2000, S_IFBLK = 0x6000, S_IFIFO = 0x1000;

    private static readonly LinuxDevice[] Defaults =
    [
        Char("/dev/null", 1, 3), Char("/dev/zero", 1, 5), Char("/dev/full", 1, 7),
        Char("/dev/random", 1, 8), Char("/dev/urandom", 1, 9), Char("/dev/tty", 5, 0),
    ];

    private static LinuxDevice Char(string path, long major, long minor) =>
        new() { Path = path, Type = "c", Major = major, Minor = minor, FileMode = Convert.ToUInt32("666", 8), UID = 0, GID = 0 };

    public static void Create(string rootfs, IEnumerable<LinuxDevice>? specDevices, bool inUserNamespace)
    {
        var all = Defaults.Where(d => specDevices?.Any(s => s.Path == d.Path) != true).Concat(specDevices ?? []);
        foreach (var d in all) CreateOne(rootfs, d, inUserNamespace);
        Link(rootfs, "/proc/self/fd", "/dev/fd");
        Link(rootfs, "/proc/self/fd/0", "/dev/stdin");
        Link(rootfs, "/proc/self/fd/1", "/dev/stdout");
        Link(rootfs, "/proc/self/fd/2", "/dev/stderr");
        if (File.Exists("/proc/kcore")) Link(rootfs, "/proc/kcore", "/dev/core");
        if (Directory.Exists(SecureJoin.Join(rootfs, "/dev/pts"))) Link(rootfs, "pts/ptmx", "/dev/ptmx");
    }

    private static void CreateOne(string rootfs, LinuxDevice d, bool inUserNamespace)
    {
        if (!d.Path.StartsWith("/dev/", StringComparison.Ordinal))
            throw new BerthException(ErrorKind.InvalidArgument, $"device {d.Path} is not under /dev");
        string dest = SecureJoin.Join(rootfs, d.Path);
        if (inUserNamespace)
        {
            // mknod is not allowed in a user namespace: bind the host's node instead, as runc does.
            MountPoints.Create(rootfs, dest, isDir: false);
            MountTarget.With(rootfs, dest, t => Mounter.Do(d.Path, t, null, Libc.MS_BIND, null));
            return;
        }
        int type = d.Type switch
        {
            "c" or "u" => S_IFCHR,
            "b" => S_IFBLK,
            "p" => S_IFIFO,
            _ => throw new BerthException(ErrorKind.InvalidArgument, $"device {d.Path} has unknown type \"{d.Type}\""),
        };
        int mode = (int)(d.FileMode ?? Convert.ToUInt32("666", 8)) & 0xfff;
        // Through the directory's fd and the node's own fd: nothing here follows a symlink out of the rootfs.
        using var dir = MountPoints.Directory(rootfs, Path.GetDirectoryName(dest)!);
        string name = Path.GetFileName(dest);
        if (Libc.UnlinkAt(dir.Value, name, 0) < 0 && Check.LastErrno != Errnos.ENOENT) Check.ThrowLastError("unlink", d.Path);
        Check.Io(Libc.MknodAt(dir.Value, name, type | mode, Makedev(d.Major, d.Minor)), "mknod", d.Path);
        using var node = new SafeFd(Check.Io(Libc.OpenAt(dir.Value, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC), "open", d.Path), ownsHandle: true);
        Check.Io(Libc.FchownAt(node.Value, "", (int)(d.UID ?? 0), (int)(d.GID ?? 0), Libc.AT_EMPTY_PATH), "chown", d.Path);
        // mknod honours the umask; the spec's mode is what the container must see.
        File.SetUnixFileMode($"/proc/self/fd/{node.Value}", (UnixFileMode)mode);
    }

    private static ulong Makedev(long major, long minor) =>
        ((ulong)(major & 0xfff) << 8) | ((ulong)(major & ~0xfffL) << 32) | (ulong)(minor & 0xff) | ((ulong)(minor & ~0xffL) << 12);

    private static void Link(string rootfs, string target, string path)
    {
        string dest = SecureJoin.Join(rootfs, Path.GetDirectoryName(path)!) + "/" + Path.GetFileName(path);
        if (Path.Exists(dest) || new FileInfo(dest).LinkTarget is not null) return;
        Check.Io(Libc.Symlink(target, dest), "symlink", path);
    }
}
