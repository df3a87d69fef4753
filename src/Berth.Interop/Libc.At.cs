using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Interop;

/// <summary>
/// The *at(2) family: every call is relative to a directory fd, so a caller that holds an fd of a
/// root directory can work inside it without ever resolving a path from "/". No policy here.
/// </summary>
public static unsafe partial class Libc
{
    public const int S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFBLK = 0x6000,
        S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;
    public const int AT_SYMLINK_FOLLOW = 0x400;
    public const ulong RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04,
        RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10, RESOLVE_CACHED = 0x20;
    public const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;
    public const uint STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_INO = 0x100, STATX_BASIC_STATS = 0x7ff;

    /// <summary>openat2(2) is syscall 437 on every architecture (the unified numbering).</summary>
    public const long SYS_openat2 = 437;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StatxTimestamp
    {
        public long Sec;
        public uint Nsec;
        private int _reserved;
    }

    /// <summary>struct statx: one layout on every architecture, 256 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    public struct Statx
    {
        public uint Mask;
        public uint BlkSize;
        public ulong Attributes;
        public uint Nlink;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
        private ushort _spare0;
        public ulong Ino;
        public ulong Size;
        public ulong Blocks;
        public ulong AttributesMask;
        public StatxTimestamp Atime;
        public StatxTimestamp Btime;
        public StatxTimestamp Ctime;
        public StatxTimestamp Mtime;
        public uint RdevMajor;
        public uint RdevMinor;
        public uint DevMajor;
        public uint DevMinor;

        public readonly int FileType => Mode & S_IFMT;
        public readonly bool IsDirectory => FileType == S_IFDIR;
        public readonly bool IsSymlink => FileType == S_IFLNK;
    }

    [LibraryImport(Libraries.Libc, EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkdirAt(int dirfd, string path, int mode);

    [LibraryImport(Libraries.Libc, EntryPoint = "mknodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MknodAt(int dirfd, string path, int mode, ulong dev);

    [LibraryImport(Libraries.Libc, EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FchownAt(int dirfd, string path, int uid, int gid, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "fchmodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FchmodAt(int dirfd, string path, int mode, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UtimensAt(int dirfd, string? path, Timespec* times, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "futimens", SetLastError = true)]
    public static partial int Futimens(int fd, Timespec* times);

    [LibraryImport(Libraries.Libc, EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LinkAt(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SymlinkAt(string target, int newdirfd, string linkpath);

    [LibraryImport(Libraries.Libc, EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt(int olddirfd, string oldpath, int newdirfd, string newpath);

    [LibraryImport(Libraries.Libc, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnlinkAt(int dirfd, string path, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ReadLinkAtRaw(int dirfd, string path, byte* buf, nint size);

    [LibraryImport(Libraries.Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxRaw(int dirfd, string path, int flags, uint mask, Statx* buf);

    [LibraryImport(Libraries.Libc, EntryPoint = "getdents64", SetLastError = true)]
    private static partial nint GetDents64Raw(int fd, byte* buf, nint count);

    [LibraryImport(Libraries.Libc, EntryPoint = "fchmod", SetLastError = true)]
    private static partial int FchmodRaw(int fd, int mode);

    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall4(long number, nint a1, nint a2, nint a3, nint a4);

    /// <summary>openat2(2). Returns the fd or -1 with errno set (ENOSYS before Linux 5.6).</summary>
    public static int OpenAt2(int dirfd, string path, ulong flags, ulong mode, ulong resolve)
    {
        if (path.Contains('\0')) throw new ArgumentException("path contains NUL", nameof(path));
        int max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        byte[]? rented = null;
        Span<byte> buf = max <= 512 ? stackalloc byte[512] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int n = Encoding.UTF8.GetBytes(path, buf);
            buf[n] = 0;
            OpenHow how = new() { Flags = flags, Mode = mode, Resolve = resolve };
            fixed (byte* p = buf)
            {
                return (int)Syscall4(SYS_openat2, dirfd, (nint)p, (nint)(&how), sizeof(OpenHow));
            }
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>statx(2) into <paramref name="st"/>; returns 0 or -1 with errno set.</summary>
    public static int StatxAt(int dirfd, string path, int flags, out Statx st)
    {
        Statx buf = default;
        int rc = StatxRaw(dirfd, path, flags, STATX_BASIC_STATS, &buf);
        st = buf;
        return rc;
    }

    /// <summary>readlinkat(2); an empty <paramref name="path"/> reads the O_PATH|O_NOFOLLOW fd itself. -1 with errno on failure.</summary>
    public static int ReadLinkAt(int dirfd, string path, out string target)
    {
        const int Max = 4096; // PATH_MAX: a longer target cannot exist
        byte* buf = stackalloc byte[Max + 1];
        nint n = ReadLinkAtRaw(dirfd, path, buf, Max + 1);
        if (n < 0)
        {
            target = "";
            return -1;
        }
        if (n > Max)
        {
            Marshal.SetLastPInvokeError(36); // ENAMETOOLONG
            target = "";
            return -1;
        }
        target = Encoding.UTF8.GetString(buf, (int)n);
        return 0;
    }

    /// <summary>getdents64(2) into <paramref name="buffer"/>: bytes filled, 0 at the end, -1 with errno on failure.</summary>
    public static int GetDents64(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return (int)GetDents64Raw(fd, p, buffer.Length);
        }
    }

    /// <summary>fchmod(2) on an fd opened for reading or writing (not O_PATH).</summary>
    public static int FchmodFd(int fd, int mode) => FchmodRaw(fd, mode);

    /// <summary>utimensat(2) with one time for both atime and mtime.</summary>
    public static int UtimensAt(int dirfd, string? path, Timespec atime, Timespec mtime, int flags)
    {
        Timespec* times = stackalloc Timespec[2];
        times[0] = atime;
        times[1] = mtime;
        return UtimensAt(dirfd, path, times, flags);
    }

    /// <summary>futimens(2) with explicit access and modification times.</summary>
    public static int Futimens(int fd, Timespec atime, Timespec mtime)
    {
        Timespec* times = stackalloc Timespec[2];
        times[0] = atime;
        times[1] = mtime;
        return Futimens(fd, times);
    }

    /// <summary>makedev(3) as glibc encodes it.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000u) << 32) | ((ulong)(major & 0xfffu) << 8) |
        ((ulong)(minor & 0xffffff00u) << 12) | (minor & 0xffu);
}
