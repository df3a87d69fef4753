using Berth.Core;
using Berth.Interop;

namespace Berth.Runtime.Init;

/// <summary>
/// Creates mount points (directories and files) inside the rootfs through fds: each component is created
/// with mkdirat in its parent's fd, and every lookup resolves symlinks as if the rootfs were "/"
/// (openat2 RESOLVE_IN_ROOT). A symlink in the image, or one swapped in by another container sharing the
/// rootfs while this one starts, can never make a directory or file appear outside it.
/// </summary>
internal static class MountPoints
{
    private const ulong Resolve = Libc.RESOLVE_IN_ROOT | Libc.RESOLVE_NO_MAGICLINKS;

    /// <summary>Ensures <paramref name="dest"/> (a host path under <paramref name="rootfs"/>) exists, as a directory or a file.</summary>
    public static void Create(string rootfs, string dest, bool isDir)
    {
        if (isDir)
        {
            using var _ = Directory(rootfs, dest);
            return;
        }
        using var dir = Directory(rootfs, Path.GetDirectoryName(dest)!);
        string name = Path.GetFileName(dest);
        int fd = Libc.OpenAt2(dir.Value, name, Libc.O_CREAT | Libc.O_EXCL | Libc.O_WRONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0x1a4 /* 0644 */, Resolve);
        if (fd >= 0) Libc.Close(fd);
        else if (Check.LastErrno != Errnos.EEXIST) Check.ThrowLastError("create mount point", dest);
        // EEXIST: already there; what it is, the mount itself checks (MountTarget).
    }

    /// <summary>
    /// An O_PATH fd of the directory <paramref name="dest"/> (a host path under <paramref name="rootfs"/>),
    /// made first where it is missing. Callers create their files in it with the *at calls.
    /// </summary>
    public static SafeFd Directory(string rootfs, string dest)
    {
        string relative = Path.GetRelativePath(rootfs, dest);
        if (relative == ".." || relative.StartsWith("../", StringComparison.Ordinal))
            throw new BerthException(ErrorKind.PermissionDenied, $"{dest} is outside the container's rootfs");
        using var root = Open(Libc.AT_FDCWD, rootfs, Libc.O_DIRECTORY, 0, dest);
        if (relative == ".") return Open(root.Value, ".", Libc.O_DIRECTORY, 0, dest);
        // Most mount points exist already: one lookup, resolved as MkdirAll's last step would resolve it.
        int fd = Libc.OpenAt2(root.Value, relative, (ulong)(Libc.O_PATH | Libc.O_CLOEXEC | Libc.O_DIRECTORY), 0, Resolve);
        if (fd >= 0) return new SafeFd(fd, ownsHandle: true);
        return MkdirAll(root, relative, dest);
    }

    /// <summary>Opens <paramref name="relative"/> below <paramref name="root"/>, creating missing directories one component at a time.</summary>
    private static SafeFd MkdirAll(SafeFd root, string relative, string forErrors)
    {
        var current = Open(root.Value, ".", Libc.O_DIRECTORY, 0, forErrors);
        string sofar = "";
        foreach (string part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (Libc.MkdirAt(current.Value, part, 0x1ed) < 0 && Check.LastErrno != Errnos.EEXIST)
            {
                current.Dispose();
                Check.ThrowLastError("mkdir", forErrors);
            }
            // The prefix is opened from the root, so that a symlink met on the way resolves inside it.
            sofar = sofar.Length == 0 ? part : sofar + "/" + part;
            var next = Open(root.Value, sofar, Libc.O_DIRECTORY, Resolve, forErrors);
            current.Dispose();
            current = next;
        }
        return current;
    }

    private static SafeFd Open(int dirfd, string path, int flags, ulong resolve, string forErrors)
    {
        int fd = resolve == 0
            ? Libc.OpenAt(dirfd, path, Libc.O_PATH | Libc.O_CLOEXEC | flags)
            : Libc.OpenAt2(dirfd, path, (ulong)(Libc.O_PATH | Libc.O_CLOEXEC | flags), 0, resolve);
        if (fd < 0) Check.ThrowLastError("open", forErrors);
        return new SafeFd(fd, ownsHandle: true);
    }
}
