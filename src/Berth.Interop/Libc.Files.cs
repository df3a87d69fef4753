using System.Runtime.InteropServices;

namespace Berth.Interop;

public static unsafe partial class Libc
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100,
        O_TRUNC = 0x200, O_APPEND = 0x400, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000,
        O_CLOEXEC = 0x80000, O_PATH = 0x200000;
    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000, AT_REMOVEDIR = 0x200;
    public const int F_DUPFD_CLOEXEC = 1030, F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1, F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
    public const int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;

    [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode = 0);

    [LibraryImport(Libraries.Libc, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(int dirfd, string path, int flags, int mode = 0);

    /// <summary>The errno's text, from static storage: usable where nothing may be allocated.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "strerror")]
    public static partial byte* Strerror(int errnum);

    [LibraryImport(Libraries.Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, byte* buf, nint count);

    [LibraryImport(Libraries.Libc, EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buf, nint count);

    [LibraryImport(Libraries.Libc, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport(Libraries.Libc, EntryPoint = "dup3", SetLastError = true)]
    public static partial int Dup3(int oldfd, int newfd, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "pipe2", SetLastError = true)]
    public static unsafe partial int Pipe2(int* fds, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mkfifo(string path, int mode);

    [LibraryImport(Libraries.Libc, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "sendfile", SetLastError = true)]
    public static partial nint Sendfile(int outFd, int inFd, nint offset, nint count);

    [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, nint arg);

    [LibraryImport(Libraries.Libc, EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, int mode);

    [LibraryImport(Libraries.Libc, EntryPoint = "fchown", SetLastError = true)]
    public static partial int Fchown(int fd, int uid, int gid);

    [LibraryImport(Libraries.Libc, EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chown(string path, int uid, int gid);

    [LibraryImport(Libraries.Libc, EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mkdir(string path, int mode);

    [LibraryImport(Libraries.Libc, EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mknod(string path, int mode, ulong dev);

    [LibraryImport(Libraries.Libc, EntryPoint = "symlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Symlink(string target, string linkPath);

    [LibraryImport(Libraries.Libc, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlink(string path);

    [LibraryImport(Libraries.Libc, EntryPoint = "umask")]
    public static partial int Umask(int mask);

    [LibraryImport(Libraries.Libc, EntryPoint = "chdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chdir(string path);

    [LibraryImport(Libraries.Libc, EntryPoint = "getcwd", SetLastError = true)]
    public static unsafe partial byte* Getcwd(byte* buf, nint size);

    [LibraryImport(Libraries.Libc, EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint nfds, int timeoutMs);

    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfs
    {
        public ulong Bsize, Frsize, Blocks, Bfree, Bavail, Files, Ffree, Favail, Fsid, Flag, Namemax;
        public fixed int Spare[6];
    }

    [LibraryImport(Libraries.Libc, EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatvfsRaw(string path, StatVfs* buf);

    /// <summary>statvfs(3): the ST_* mount flags of the filesystem at path.</summary>
    public static int Statvfs(string path, out ulong flags)
    {
        StatVfs st;
        int rc = StatvfsRaw(path, &st);
        flags = st.Flag;
        return rc;
    }

    public const long PROC_SUPER_MAGIC = 0x9fa0;

    [LibraryImport(Libraries.Libc, EntryPoint = "fstatfs", SetLastError = true)]
    private static partial int Fstatfs(int fd, long* buf);

    /// <summary>f_type of the filesystem an fd is on (struct statfs begins with it); -1 on error.</summary>
    public static long FilesystemType(int fd)
    {
        long* buf = stackalloc long[16]; // struct statfs is 120 bytes on x86_64
        return Fstatfs(fd, buf) == 0 ? buf[0] : -1;
    }

    [LibraryImport(Libraries.Libc, EntryPoint = "isatty")]
    public static partial int Isatty(int fd);

    [LibraryImport(Libraries.Libc, EntryPoint = "cfmakeraw")]
    public static partial void Cfmakeraw(byte* termios);

    public const int SYS_close_range = 436;
    public const uint CLOSE_RANGE_CLOEXEC = 4;

    /// <summary>close_range(2): closes (or with CLOSE_RANGE_CLOEXEC, marks) every fd in [first, last].</summary>
    public static int CloseRange(uint first, uint last, uint flags) => (int)Syscall(SYS_close_range, first, last, flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, nint a1, nint a2, nint a3);

    public static long Syscall(long number, long a1 = 0, long a2 = 0, long a3 = 0) => Syscall(number, (nint)a1, (nint)a2, (nint)a3);
}

[StructLayout(LayoutKind.Sequential)]
public struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
    public const short POLLIN = 1, POLLHUP = 0x10, POLLERR = 8;
}
