using System.Globalization;
using System.Text.Json;
using Berth.Core;
using Berth.Distribution;
using Berth.Engine.Images;
using Berth.Images;
using Berth.Oci.Image;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Berth.Api;

/// <summary>
/// /images/...: names contain '/', ':' and '@', so routes take the rest of the path and the operation is the
/// suffix (json, history, tag), as moby's greedy routes.
/// </summary>
public static class ImageEndpoints
{
    public static void MapImages(this IEndpointRouteBuilder app, ImageService images)
    {
        app.MapGet("/images/json", (HttpContext http) => ImageListEndpoint.List(http, images));

        // docker pull (fromImage=) and docker import (fromSrc=)
        app.MapPost("/images/create", (HttpContext http) =>
            http.Request.Query.ContainsKey("fromSrc") ? ImportEndpoint.Import(http, images) : Pull(http, images));
        app.MapPost("/images/prune", (HttpContext http) => PruneEndpoint.Prune(http, images));

        // docker save (several names) and docker load
        app.MapGet("/images/get", (HttpContext http) => Save(http, images, [.. http.Request.Query["names"].Select(n => n ?? "")]));
        app.MapPost("/images/load", (HttpContext http) => Load(http, images));

        app.MapGet("/images/{*rest}", (HttpContext http) =>
        {
            string rest = Rest(http);
            if (Suffix(rest, "/json") is { } name) return http.WriteJson(Inspect(images, images.Find(name)), ApiJsonContext.Default.ImageInspect);
            if (Suffix(rest, "/history") is { } h) return http.WriteJson(History(images, images.Find(h)), ApiJsonContext.Default.ListHistoryItem);
            if (Suffix(rest, "/get") is { } g) return Save(http, images, [g]);
            return ErrorMapping.WriteError(http, StatusCodes.Status404NotFound, "page not found");
        });

        app.MapPost("/images/{*rest}", (HttpContext http) =>
        {
            string rest = Rest(http);
            if (Suffix(rest, "/push") is { } pushName) return Push(http, images, pushName);
            if (Suffix(rest, "/tag") is not { } name) return ErrorMapping.WriteError(http, StatusCodes.Status404NotFound, "page not found");
            string repo = http.Request.Query["repo"].ToString();
            string tag = http.Request.Query["tag"].ToString();
            if (repo.Length == 0) throw new BerthException(ErrorKind.InvalidArgument, "repository name must have at least one component");
            images.Tag(name, tag.Length > 0 ? $"{repo}:{tag}" : repo);
            http.Response.StatusCode = StatusCodes.Status201Created;
            return Task.CompletedTask;
        });

        app.MapDelete("/images/{*rest}", (HttpContext http) =>
        {
            string rest = Rest(http);
            bool force = Query.Bool(http, "force");
            var removed = images.Remove(rest, force);
            return http.WriteJson(removed.Select(r => r.Kind == "Untagged" ? new DeleteItem { Untagged = r.Value } : new DeleteItem { Deleted = r.Value }).ToList(),
                ApiJsonContext.Default.ListDeleteItem);
        });
    }

    /// <summary>docker load: the archive is read from the request body; one stream message per loaded image.</summary>
    private static async Task Load(HttpContext http, ImageService images)
    {
        AllowSynchronousIO(http); // TarReader reads synchronously
        List<string> lines = await Task.Run(() => images.LoadAsync(http.Request.Body, http.RequestAborted));
        http.Response.ContentType = "application/json";
        foreach (string line in lines)
        {
            byte[] json = [.. JsonSerializer.SerializeToUtf8Bytes(new JsonMessage { Stream = line + "\n" }, ApiJsonContext.Default.JsonMessage), (byte)'\r', (byte)'\n'];
            await http.Response.Body.WriteAsync(json);
        }
    }

    /// <summary>A tar stream: the archive is written straight into the response (no temp copy of its size).</summary>
    private static async Task Save(HttpContext http, ImageService images, IReadOnlyList<string> names)
    {
        if (names.Count == 0) throw new BerthException(ErrorKind.InvalidArgument, "no image names given");
        foreach (string n in names) images.Find(n); // 404 before any byte is sent
        http.Response.ContentType = "application/x-tar";
        AllowSynchronousIO(http); // TarWriter writes synchronously
        await Task.Run(() => images.Save(names, http.Response.Body));
    }

    /// <summary>For the tar endpoints only, run off the request thread: System.Formats.Tar has no async writer here.</summary>
    internal static void AllowSynchronousIO(HttpContext http)
    {
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>() is { } f) f.AllowSynchronousIO = true;
    }

    /// <summary>The catch-all route value (RequestDelegate handlers: no reflection-based binding under NativeAOT).</summary>
    private static string Rest(HttpContext http) => http.Request.RouteValues["rest"] as string ?? "";

    private static string? Suffix(string rest, string suffix) =>
        rest.EndsWith(suffix, StringComparison.Ordinal) && rest.Length > suffix.Length ? rest[..^suffix.Length] : null;

    internal static ImageSummary Summary(ImageService images, ImageRecord i)
    {
        var config = images.ConfigOf(i);
        var tags = images.TagsOf(i.Id).Select(t => ImageReference.ParseNormalized(t).FamiliarString).ToList();
        return new ImageSummary
        {
            Id = i.Id,
            RepoTags = tags,
            RepoDigests = i.RepoDigests.Select(Familiar).ToList(),
            Created = (config.Created ?? i.Pulled).ToUnixTimeSeconds(),
            Size = i.Size,
            Labels = config.Config?.Labels,
        };
    }

    /// <summary>"docker.io/library/busybox@sha256:..." shown as "busybox@sha256:...".</summary>
    private static string Familiar(string repoDigest) =>
        ImageReference.TryParseNormalized(repoDigest, out var r) && r is not null ? r.FamiliarString : repoDigest;

    private static ImageInspect Inspect(ImageService images, ImageRecord i)
    {
        var config = images.ConfigOf(i);
        return new ImageInspect
        {
            Id = i.Id,
            RepoTags = images.TagsOf(i.Id).Select(t => ImageReference.ParseNormalized(t).FamiliarString).ToList(),
            RepoDigests = i.RepoDigests.Select(Familiar).ToList(),
            Created = (config.Created ?? i.Pulled).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            Author = config.Author ?? "",
            Comment = config.Comment ?? "",
            Config = config.Config is null ? null
                : JsonSerializer.SerializeToElement(config.Config, Berth.Engine.EngineJsonContext.Default.ContainerDefaults),
            Architecture = config.Architecture,
            Variant = config.Variant,
            Os = config.Os,
            Size = i.Size,
            RootFS = new RootFsInfo { Layers = config.RootFs.DiffIds },
        };
    }

    private static List<HistoryItem> History(ImageService images, ImageRecord i)
    {
        var config = images.ConfigOf(i);
        var entries = config.History ?? [];
        // Each entry that made a layer gets that layer's size, in order, as the images list measures it.
        var layerSizes = images.LayerSizesOf(i);
        int layer = 0;
        var items = entries.Select(h => new HistoryItem
        {
            Created = h.Created?.ToUnixTimeSeconds() ?? 0,
            CreatedBy = h.CreatedBy ?? "",
            Comment = h.Comment ?? "",
            Size = h.EmptyLayer || layer >= layerSizes.Count ? 0 : layerSizes[layer++],
        }).ToList();
        items.Reverse();
        if (items.Count == 0) items.Add(new HistoryItem());
        items[0].Id = i.Id;
        items[0].Tags = images.TagsOf(i.Id).Select(t => ImageReference.ParseNormalized(t).FamiliarString).ToList();
        return items;
    }

    /// <summary>
    /// POST /images/create?fromImage=&amp;tag=&amp;platform=: a progress stream. Errors before the first message are
    /// ordinary HTTP errors; afterwards they are an in-band errorDetail message, which the CLI shows.
    /// </summary>
    private static async Task Pull(HttpContext http, ImageService images)
    {
        string from = http.Request.Query["fromImage"].ToString();
        string tag = http.Request.Query["tag"].ToString();
        if (from.Length == 0) throw new BerthException(ErrorKind.InvalidArgument, "fromImage or fromSrc is required");
        string text = tag.Length == 0 ? from : tag.StartsWith("sha256:", StringComparison.Ordinal) ? $"{from}@{tag}" : $"{from}:{tag}";
        if (!ImageReference.TryParseNormalized(text, out var reference, out string? error) || reference is null)
            throw new BerthException(ErrorKind.InvalidArgument, error ?? $"invalid reference format: {text}");
        string platformText = http.Request.Query["platform"].ToString();
        var platform = platformText.Length > 0 ? Platform.Parse(platformText) : null;

        var progress = new StreamProgress(http);
        using var credentials = RequestCredentials.Use(RequestCredentials.Parse(http.Request.Headers["X-Registry-Auth"]));
        try
        {
            await images.PullAsync(reference, platform, progress, http.RequestAborted);
        }
        catch (Exception e) when (progress.Started && e is not OperationCanceledException)
        {
            if (e is not BerthException) Console.Error.WriteLine($"berthd: pull {reference}: {e}");
            progress.Error(e.Message);
        }
        catch (BerthException e) when (e.Kind == ErrorKind.NotFound)
        {
            throw new BerthException(ErrorKind.NotFound, $"pull access denied for {reference.FamiliarName}, repository does not exist or may require 'docker login': {e.Message}");
        }
        await progress.FlushAsync();
    }

    /// <summary>POST /images/{name}/push?tag=: a progress stream like pull's, ending with the pushed digest.</summary>
    private static async Task Push(HttpContext http, ImageService images, string name)
    {
        string tag = http.Request.Query["tag"].ToString();
        string text = tag.Length > 0 ? $"{name}:{tag}" : name;
        if (!ImageReference.TryParseNormalized(text, out var reference, out string? error) || reference is null)
            throw new BerthException(ErrorKind.InvalidArgument, error ?? $"invalid reference format: {text}");
        images.Find(reference.FamiliarString); // 404 before the stream starts
        var progress = new StreamProgress(http);
        using var credentials = RequestCredentials.Use(RequestCredentials.Parse(http.Request.Headers["X-Registry-Auth"]));
        try { await images.PushAsync(reference, progress, http.RequestAborted); }
        catch (Exception e) when (progress.Started && e is not OperationCanceledException)
        {
            if (e is not BerthException) Console.Error.WriteLine($"berthd: push {reference}: {e}");
            progress.Error(e.Message);
        }
        await progress.FlushAsync();
    }

    /// <summary>Writes JSON messages as they come, one per line, flushed.</summary>
    private sealed class StreamProgress(HttpContext http) : IPullProgress
    {
        private readonly Lock _lock = new();
        public bool Started { get; private set; }

        public void Status(string status, string? id = null) => Write(new JsonMessage { Status = status, Id = id, ProgressDetail = id is null ? null : new ProgressDetail() });

        public void Progress(string status, string id, long current, long total) =>
            Write(new JsonMessage { Status = status, Id = id, ProgressDetail = new ProgressDetail { Current = current, Total = total } });

        public void PushResult(string tag, string digest, long size) =>
            Write(new JsonMessage { Aux = new PushAux { Tag = tag, Digest = digest, Size = (int)size } });

        public void Error(string message) =>
            Write(new JsonMessage { ErrorDetail = new ErrorDetail { Message = message }, Error = message });

        private void Write(JsonMessage m)
        {
            lock (_lock)
            {
                if (!Started)
                {
                    http.Response.StatusCode = 200;
                    http.Response.ContentType = "application/json";
                    Started = true;
                }
                byte[] line = [.. JsonSerializer.SerializeToUtf8Bytes(m, ApiJsonContext.Default.JsonMessage), (byte)'\r', (byte)'\n'];
                http.Response.Body.WriteAsync(line).AsTask().GetAwaiter().GetResult();
                http.Response.Body.FlushAsync().GetAwaiter().GetResult();
            }
        }

        public Task FlushAsync() => http.Response.Body.FlushAsync();
    }
}

/// <summary>Query string booleans as moby reads them: "", 0, no, false, none are false.</summary>
public static class Query
{
    public static bool Bool(HttpContext http, string name)
    {
        string v = http.Request.Query[name].ToString().ToLowerInvariant();
        return http.Request.Query.ContainsKey(name) && v is not ("" or "0" or "no" or "false" or "none");
    }
}
