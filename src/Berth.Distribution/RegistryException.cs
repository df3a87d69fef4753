using System.Net;
using Berth.Core;

namespace Berth.Distribution;

/// <summary>One entry of a registry's <c>{"errors":[{"code","message","detail"}]}</c> body.</summary>
public sealed record RegistryError(string Code, string Message, string? Detail);

/// <summary>A registry refused or failed a request. The message names the registry, repository and reference.</summary>
public sealed class RegistryException : BerthException
{
    public string Registry { get; }
    public string? Repository { get; }
    public string? Reference { get; }

    /// <summary>The HTTP status, when the failure came from a response.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The registry's error entries, when its body had any.</summary>
    public IReadOnlyList<RegistryError> Errors { get; }

    public RegistryException(ErrorKind kind, string message, string registry, string? repository, string? reference,
        HttpStatusCode? statusCode = null, IReadOnlyList<RegistryError>? errors = null, Exception? inner = null)
        : base(kind, message, inner)
    {
        Registry = registry;
        Repository = repository;
        Reference = reference;
        StatusCode = statusCode;
        Errors = errors ?? [];
    }

    /// <summary>The error kind a registry error code stands for; null for codes that say nothing more than the status.</summary>
    public static ErrorKind? KindForCode(string? code) => code?.ToUpperInvariant() switch
    {
        "MANIFEST_UNKNOWN" or "BLOB_UNKNOWN" or "NAME_UNKNOWN" or "BLOB_UPLOAD_UNKNOWN" => ErrorKind.NotFound,
        "UNAUTHORIZED" or "DENIED" => ErrorKind.PermissionDenied,
        "TOOMANYREQUESTS" => ErrorKind.Unavailable,
        "NAME_INVALID" or "TAG_INVALID" or "MANIFEST_INVALID" or "DIGEST_INVALID" or "SIZE_INVALID"
            or "BLOB_UPLOAD_INVALID" or "RANGE_INVALID" or "PAGINATION_NUMBER_INVALID" or "MANIFEST_UNVERIFIED" => ErrorKind.InvalidArgument,
        "MANIFEST_BLOB_UNKNOWN" => ErrorKind.FailedPrecondition,
        "UNSUPPORTED" => ErrorKind.FailedPrecondition,
        _ => null,
    };

    /// <summary>The error kind an HTTP status stands for.</summary>
    public static ErrorKind KindForStatus(HttpStatusCode status) => (int)status switch
    {
        400 or 413 or 414 or 416 => ErrorKind.InvalidArgument,
        401 or 403 => ErrorKind.PermissionDenied,
        404 => ErrorKind.NotFound,
        405 => ErrorKind.FailedPrecondition,
        409 => ErrorKind.Conflict,
        408 or 429 or >= 500 => ErrorKind.Unavailable,
        _ => ErrorKind.Internal,
    };
}
