namespace Berth.Core;

/// <summary>What went wrong, independent of how it is reported (exit code, HTTP status).</summary>
public enum ErrorKind
{
    InvalidArgument,
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    Conflict,
    PermissionDenied,
    Unavailable,
    Internal,
}

/// <summary>The one exception type Berth code throws for expected failures.</summary>
public class BerthException(ErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public ErrorKind Kind { get; } = kind;
}
