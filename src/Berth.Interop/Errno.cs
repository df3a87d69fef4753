using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Berth.Interop;

/// <summary>A failed system call: the operation, the path it was about, and errno.</summary>
public sealed class ErrnoException : IOException
{
    public int Errno { get; }
    public string Operation { get; }
    public string? Path { get; }

    public ErrnoException(string operation, int errno, string? path = null)
        : base(path is null ? $"{operation}: {Describe(errno)}" : $"{operation} {path}: {Describe(errno)}", errno)
        => (Errno, Operation, Path) = (errno, operation, path);

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno).ToLowerInvariant();
}

public static class Errnos
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, ECHILD = 10, EAGAIN = 11,
        ENOMEM = 12, EACCES = 13, EBUSY = 16, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENOSPC = 28,
        EROFS = 30, ENOSYS = 38, ELOOP = 40, ENOTSUP = 95, ENXIO = 6;
}

/// <summary>Turns a -1 return into an <see cref="ErrnoException"/>, reading errno right at the call site.</summary>
public static class Check
{
    public static int Io(int rc, string operation, string? path = null)
    {
        if (rc < 0) ThrowLastError(operation, path);
        return rc;
    }

    public static long Io(long rc, string operation, string? path = null)
    {
        if (rc < 0) ThrowLastError(operation, path);
        return rc;
    }

    public static SafeFd Io(SafeFd fd, string operation, string? path = null)
    {
        if (fd.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError(); // read before Dispose can change it
            fd.Dispose();
            throw new ErrnoException(operation, errno, path);
        }
        return fd;
    }

    public static int LastErrno => Marshal.GetLastPInvokeError();

    [DoesNotReturn, System.Diagnostics.StackTraceHidden]
    public static void ThrowLastError(string operation, string? path = null)
        => throw new ErrnoException(operation, Marshal.GetLastPInvokeError(), path);
}
