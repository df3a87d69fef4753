using System.Buffers.Binary;
using System.Text;
using Berth.Interop;

namespace Berth.Snapshots;

/// <summary>
/// fd-relative file operations for walking trees that images control. Every name is one path component
/// acted on with *at calls that never follow its last component, and directories are only entered through
/// openat(O_NOFOLLOW | O_DIRECTORY), so a symlink anywhere in a tree can never lead outside it.
/// </summary>
internal static class DirFd
{
    private const int MaxDepth = 4096;

    public static SafeFd OpenRoot(string path)
    {
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (fd < 0) Check.ThrowLastError("open", path);
        return new SafeFd(fd, ownsHandle: true);
    }

    /// <summary>Opens a child directory for reading; fails (ENOTDIR / ELOOP) rather than follow a symlink.</summary>
    public static SafeFd OpenChild(int dirfd, string name)
    {
        int fd = Libc.OpenAt(dirfd, name, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
        if (fd < 0) Check.ThrowLastError("openat", name);
        return new SafeFd(fd, ownsHandle: true);
    }

    /// <summary>lstat of a child; false when it does not exist.</summary>
    public static bool TryStat(int dirfd, string name, out Libc.Statx st)
    {
        if (Libc.StatxAt(dirfd, name, Libc.AT_SYMLINK_NOFOLLOW, out st) == 0) return true;
        if (Check.LastErrno == Errnos.ENOENT) return false;
        Check.ThrowLastError("statx", name);
        return false;
    }

    public static Libc.Statx StatSelf(int fd)
    {
        if (Libc.StatxAt(fd, "", Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx st) < 0) Check.ThrowLastError("statx");
        return st;
    }

    /// <summary>The names in a directory, without "." and "..".</summary>
    public static List<string> List(int fd)
    {
        var names = new List<string>();
        byte[] buffer = new byte[32 * 1024];
        while (true)
        {
            int n = Libc.GetDents64(fd, buffer);
            if (n < 0) Check.ThrowLastError("getdents64");
            if (n == 0) return names;
            ReadOnlySpan<byte> rest = buffer.AsSpan(0, n);
            while (rest.Length >= 19)
            {
                // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
                int reclen = BinaryPrimitives.ReadUInt16LittleEndian(rest[16..]);
                if (reclen < 19 || reclen > rest.Length) throw new InvalidDataException("malformed getdents64 record");
                ReadOnlySpan<byte> name = rest[19..reclen];
                int nul = name.IndexOf((byte)0);
                if (nul >= 0) name = name[..nul];
                if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8)) names.Add(Encoding.UTF8.GetString(name));
                rest = rest[reclen..];
            }
        }
    }

    /// <summary>
    /// Removes a child and everything below it, never following symlinks and never descending into another
    /// filesystem: a mount left inside (a crashed probe, a container rootfs) is an error, not something to empty.
    /// </summary>
    public static void RemoveTree(int dirfd, string name)
    {
        if (!TryStat(dirfd, name, out Libc.Statx st)) return;
        RemoveTree(dirfd, name, st, StatSelf(dirfd), 0);
    }

    private static void RemoveTree(int dirfd, string name, in Libc.Statx st, in Libc.Statx parent, int depth)
    {
        if (!st.IsDirectory)
        {
            Check.Io(Libc.UnlinkAt(dirfd, name, 0), "unlinkat", name);
            return;
        }
        if (st.DevMajor != parent.DevMajor || st.DevMinor != parent.DevMinor)
            throw new ErrnoException("remove (a filesystem is mounted here)", Errnos.EBUSY, name);
        if (depth > MaxDepth) throw new ErrnoException("remove (tree too deep)", Errnos.ELOOP, name);
        using (SafeFd child = OpenChild(dirfd, name))
        {
            // Images have read-only directories (0555): make this one writable so its entries can go.
            if ((st.Mode & 0b011_000_000) != 0b011_000_000) Libc.FchmodFd(child.Value, 0b111_000_000);
            foreach (string c in List(child.Value))
                if (TryStat(child.Value, c, out Libc.Statx cst)) RemoveTree(child.Value, c, cst, st, depth + 1);
        }
        Check.Io(Libc.UnlinkAt(dirfd, name, Libc.AT_REMOVEDIR), "unlinkat", name);
    }

    public static bool IsOverlayWhiteout(in Libc.Statx st) =>
        st.FileType == Libc.S_IFCHR && st.RdevMajor == 0 && st.RdevMinor == 0;
}
