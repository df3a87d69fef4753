using Berth.Core;
using Microsoft.AspNetCore.Http;

namespace Berth.Api;

/// <summary>The one place that knows HTTP status codes for Berth's error kinds, as Docker's errdefs map them.</summary>
public static class ErrorMapping
{
    public static int ToStatusCode(this ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.AlreadyExists or ErrorKind.Conflict or ErrorKind.FailedPrecondition => StatusCodes.Status409Conflict,
        ErrorKind.PermissionDenied => StatusCodes.Status403Forbidden,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>{"message": ...} with Content-Type exactly application/json: the Go client parses nothing else.</summary>
    public static async Task WriteError(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            new ErrorResponse { Message = message }, ApiJsonContext.Default.ErrorResponse));
    }
}
