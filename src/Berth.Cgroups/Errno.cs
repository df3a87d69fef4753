using Berth.Core;

namespace Berth.Cgroups;

/// <summary>
/// The errno behind a managed file-system exception. On Unix .NET puts the raw errno in
/// IOException.HResult for errors it has no dedicated exception type for (EBUSY, EINVAL, ...).
/// </summary>
internal static class Errno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EAGAIN = 11, EACCES = 13, EBUSY = 16, EEXIST = 17,
        ENODEV = 19, EINVAL = 22, ENOSPC = 28, EROFS = 30, ERANGE = 34, ENOTEMPTY = 39, EOPNOTSUPP = 95;

    public static int Of(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => ENOENT,
        // .NET maps EACCES, EPERM and EBADF to this type; the raw errno, when kept, is on the inner exception
        UnauthorizedAccessException { InnerException: IOException { HResult: > 0 and < 4096 } inner } => inner.HResult,
        UnauthorizedAccessException => EACCES,
        IOException io when io.HResult is > 0 and < 4096 => io.HResult,
        _ => 0,
    };

    public static string Describe(int errno) => errno switch
    {
        EPERM => "operation not permitted",
        ENOENT => "no such file or directory",
        ESRCH => "no such process",
        EINTR => "interrupted system call",
        EAGAIN => "resource temporarily unavailable",
        EACCES => "permission denied",
        EBUSY => "device or resource busy",
        EEXIST => "file exists",
        ENODEV => "no such device",
        EINVAL => "invalid argument",
        ENOSPC => "no space left on device",
        EROFS => "read-only file system",
        ERANGE => "numerical result out of range",
        ENOTEMPTY => "directory not empty",
        EOPNOTSUPP => "operation not supported",
        _ => $"errno {errno}",
    };

    public static string Describe(Exception e) => Of(e) is var errno and not 0 ? Describe(errno) : e.Message;

    /// <summary>What the failure means to the caller, independent of the file.</summary>
    public static ErrorKind KindOf(int errno) => errno switch
    {
        EINVAL or ERANGE => ErrorKind.InvalidArgument,
        EPERM or EACCES or EROFS => ErrorKind.PermissionDenied,
        ENOENT or EBUSY or ENOSPC or EOPNOTSUPP or ENODEV => ErrorKind.FailedPrecondition,
        _ => ErrorKind.Internal,
    };
}

/// <summary>A failed cgroup file operation; keeps the errno so controllers can react to EINVAL or EBUSY.</summary>
internal sealed class CgroupIoException(int errno, string message, Exception inner)
    : BerthException(Berth.Cgroups.Errno.KindOf(errno), message, inner)
{
    public int Errno { get; } = errno;
}
