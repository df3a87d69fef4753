using System.Text.Json;
using Berth.Core;
using Berth.Distribution;
using Berth.Engine.Images;
using Berth.Images;
using Berth.Oci.Image;
using Microsoft.AspNetCore.Http;

namespace Berth.Api;

/// <summary>
/// docker import: POST /images/create?fromSrc=-&amp;repo=&amp;tag=&amp;message=&amp;changes= with the rootfs tar as the
/// body. Answers one progress message, {"status":"sha256:..."}, as Docker does; errors before it are plain HTTP errors.
/// </summary>
internal static class ImportEndpoint
{
    public static async Task Import(HttpContext http, ImageService images)
    {
        var q = http.Request.Query;
        string source = q["fromSrc"].ToString();
        if (source != "-")
            throw new BerthException(ErrorKind.InvalidArgument,
                $"importing from \"{source}\" is not supported: berthd imports only the request body (docker import FILE or docker import - < FILE)");
        var name = Name(q["repo"].ToString(), q["tag"].ToString());
        string platform = q["platform"].ToString();
        var options = new ImportOptions(q["message"].ToString(), [.. q["changes"].Select(c => c ?? "")],
            platform.Length > 0 ? Platform.Parse(platform) : null);

        ImageEndpoints.AllowSynchronousIO(http); // the tar is read synchronously, off the request thread
        string id = await Task.Run(() => images.ImportAsync(http.Request.Body, name, options, http.RequestAborted));
        http.Response.ContentType = "application/json";
        byte[] line = [.. JsonSerializer.SerializeToUtf8Bytes(new JsonMessage { Status = id }, ApiJsonContext.Default.JsonMessage), (byte)'\r', (byte)'\n'];
        await http.Response.Body.WriteAsync(line);
    }

    /// <summary>repo may carry the tag itself ("app:1"), as the CLI sends it, or get it from ?tag=.</summary>
    private static ImageReference? Name(string repo, string tag)
    {
        if (repo.Length == 0) return null;
        string text = tag.Length > 0 ? $"{repo}:{tag}" : repo;
        if (!ImageReference.TryParseNormalized(text, out var reference, out string? error))
            throw new BerthException(ErrorKind.InvalidArgument, error ?? $"invalid reference format: {text}");
        if (reference.Digest is not null) throw new BerthException(ErrorKind.InvalidArgument, "an imported image cannot be named by digest");
        return reference;
    }
}
