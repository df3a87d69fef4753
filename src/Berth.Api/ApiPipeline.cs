using System.Text.RegularExpressions;
using Berth.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Berth.Api;

/// <summary>
/// What every Docker API response shares: routes served bare and under /v{x.y}, the version headers,
/// and errors as {"message"} with the status codes clients act on.
/// </summary>
public static partial class ApiPipeline
{
    public const string VersionItem = "berth.api-version";

    [GeneratedRegex(@"^/v([0-9]+\.[0-9]+)(/.*)$")]
    private static partial Regex VersionedPath();

    public static void UseDockerApi(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            var headers = http.Response.Headers;
            headers["Api-Version"] = ApiVersions.Current;
            headers["Server"] = $"Berth/{ApiVersions.EngineVersion} (linux)";
            headers["Ostype"] = "linux";
            headers["Docker-Experimental"] = "false";

            var m = VersionedPath().Match(http.Request.Path.Value ?? "");
            if (m.Success)
            {
                string version = m.Groups[1].Value;
                if (ApiVersions.IsTooOld(version))
                {
                    await ErrorMapping.WriteError(http, StatusCodes.Status400BadRequest,
                        $"client version {version} is too old. Minimum supported API version is {ApiVersions.Minimum}, please upgrade your client to a newer version");
                    return;
                }
                http.Items[VersionItem] = version;
                http.Request.Path = m.Groups[2].Value;
            }
            try
            {
                await next(http);
            }
            catch (BerthException e) when (!http.Response.HasStarted)
            {
                await ErrorMapping.WriteError(http, e.Kind.ToStatusCode(), e.Message);
            }
            catch (BadHttpRequestException e) when (!http.Response.HasStarted)
            {
                await ErrorMapping.WriteError(http, StatusCodes.Status400BadRequest, e.Message);
            }
            catch (Exception e) when (!http.Response.HasStarted && e is not OperationCanceledException)
            {
                // A bug or an unexpected system error: say what it was, in Docker's error shape.
                Console.Error.WriteLine($"berthd: {http.Request.Method} {http.Request.Path}: {e}");
                await ErrorMapping.WriteError(http, StatusCodes.Status500InternalServerError, $"{e.GetType().Name}: {e.Message}");
            }
        });
        // Routing after the version prefix is stripped (WebApplication would otherwise route first).
        app.UseRouting();
    }

    /// <summary>Unknown routes: Docker's 404 body.</summary>
    public static void MapDockerFallback(this WebApplication app) =>
        app.MapFallback(http => ErrorMapping.WriteError(http, StatusCodes.Status404NotFound, "page not found"));

    /// <summary>JSON with Content-Type exactly application/json, from the source-generated context.</summary>
    public static Task WriteJson<T>(this HttpContext http, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, int status = 200)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.Body.WriteAsync(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value, type)).AsTask();
    }
}
