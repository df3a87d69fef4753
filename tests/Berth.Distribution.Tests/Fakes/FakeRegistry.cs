using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Berth.Core;
using Berth.Oci.Image;

namespace Berth.Distribution.Tests.Fakes;

/// <summary>
/// A registry in the test process: manifests and blobs from dictionaries, optional Basic or Bearer auth,
/// Range support that can be switched off, blob redirects to a storage server, and an
/// <see cref="Intercept"/> hook for the misbehaviour a test wants.
/// </summary>
public sealed class FakeRegistry : IDisposable
{
    public FakeServer Server { get; } = new();
    public string Name => Server.Authority;

    public ConcurrentDictionary<string, (byte[] Bytes, string ContentType)> Manifests { get; } = new();
    public ConcurrentDictionary<string, byte[]> Blobs { get; } = new();

    public bool SupportsRange { get; set; } = true;

    /// <summary>Basic credentials the registry demands, when set.</summary>
    public (string User, string Password)? BasicAuth { get; set; }

    /// <summary>Token server whose tokens the registry demands (Bearer), when set.</summary>
    public FakeTokenServer? TokenAuth { get; set; }

    /// <summary>When set, blob GETs are redirected (307) to this server, which serves them (see <see cref="ServeStorage"/>).</summary>
    public FakeServer? Storage { get; set; }

    /// <summary>Runs first; returns true when it answered the request itself.</summary>
    public Func<HttpListenerContext, SeenRequest, Task<bool>>? Intercept { get; set; }

    public FakeRegistry()
    {
        Server.Handler = HandleAsync;
    }

    public Descriptor AddBlob(byte[] bytes, string mediaType = MediaTypes.OciLayerGzip)
    {
        var d = new Descriptor(mediaType, Digest.Sha256(bytes), bytes.Length);
        Blobs[d.Digest.ToString()] = bytes;
        return d;
    }

    public Descriptor AddManifest(string repository, string tag, byte[] bytes, string contentType)
    {
        Digest digest = Digest.Sha256(bytes);
        Manifests[$"{repository}:{tag}"] = (bytes, contentType);
        Manifests[$"{repository}:{digest}"] = (bytes, contentType);
        return new Descriptor(contentType, digest, bytes.Length);
    }

    /// <summary>An OCI image with one config and the given layers; returns the manifest descriptor.</summary>
    public (Descriptor Manifest, Descriptor Config, Descriptor[] Layers) AddImage(string repository, string tag, string architecture = "amd64", string? variant = null, params byte[][] layers)
    {
        string variantJson = variant is null ? "" : $",\"variant\":\"{variant}\"";
        Descriptor config = AddBlob(Encoding.UTF8.GetBytes($"{{\"architecture\":\"{architecture}\"{variantJson},\"os\":\"linux\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[]}}}}"), MediaTypes.OciConfig);
        Descriptor[] layerDescs = layers.Select(l => AddBlob(l)).ToArray();
        byte[] manifest = RegistryClient.Serialize(new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = config,
            Layers = layerDescs,
        });
        return (AddManifest(repository, tag, manifest, MediaTypes.OciManifest), config, layerDescs);
    }

    public static byte[] RandomBytes(int n)
    {
        byte[] b = new byte[n];
        RandomNumberGenerator.Fill(b);
        return b;
    }

    private async Task HandleAsync(HttpListenerContext ctx, SeenRequest seen)
    {
        if (Intercept is not null && await Intercept(ctx, seen)) return;
        string path = ctx.Request.Url!.AbsolutePath;
        if (path == "/v2/" || path == "/v2")
        {
            if (!await CheckAuthAsync(ctx, seen, "", pull: true)) return;
            await FakeServer.SendJson(ctx, 200, "{}");
            return;
        }
        (string? repo, string? kind, string? reference) = Split(path);
        if (repo is null)
        {
            await FakeServer.SendError(ctx, 404, "NAME_UNKNOWN", "repository name not known to registry");
            return;
        }
        bool pull = seen.Method is "GET" or "HEAD";
        if (!await CheckAuthAsync(ctx, seen, repo, pull)) return;
        if (kind == "manifests")
        {
            if (!Manifests.TryGetValue($"{repo}:{reference}", out var m))
            {
                await FakeServer.SendError(ctx, 404, "MANIFEST_UNKNOWN", "manifest unknown");
                return;
            }
            await FakeServer.Send(ctx, 200, m.Bytes, m.ContentType, ("Docker-Content-Digest", Digest.Sha256(m.Bytes).ToString()));
            return;
        }
        if (kind == "blobs")
        {
            if (!Blobs.TryGetValue(reference!, out byte[]? blob))
            {
                await FakeServer.SendError(ctx, 404, "BLOB_UNKNOWN", "blob unknown to registry");
                return;
            }
            if (Storage is not null && seen.Method == "GET")
            {
                ctx.Response.StatusCode = 307;
                ctx.Response.AddHeader("Location", new Uri(Storage.BaseUri, $"storage/{reference}?sig=abc").ToString());
                ctx.Response.Close();
                return;
            }
            await ServeBlobAsync(ctx, seen, blob, SupportsRange);
            return;
        }
        await FakeServer.SendError(ctx, 404, "UNSUPPORTED", "not implemented by the fake");
    }

    /// <summary>A handler for <see cref="Storage"/>: serves /storage/&lt;digest&gt; from this registry's blobs, never asking for auth.</summary>
    public async Task ServeStorage(HttpListenerContext ctx, SeenRequest seen)
    {
        string path = ctx.Request.Url!.AbsolutePath;
        if (path.StartsWith("/storage/", StringComparison.Ordinal) && Blobs.TryGetValue(path["/storage/".Length..], out byte[]? blob))
        {
            await ServeBlobAsync(ctx, seen, blob, rangeSupported: true);
            return;
        }
        await FakeServer.Send(ctx, 404, []);
    }

    public static async Task ServeBlobAsync(HttpListenerContext ctx, SeenRequest seen, byte[] blob, bool rangeSupported)
    {
        if (rangeSupported && seen.Range is { } range && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            string spec = range["bytes=".Length..];
            int dash = spec.IndexOf('-');
            long from = long.Parse(spec[..dash], System.Globalization.CultureInfo.InvariantCulture);
            if (from >= blob.Length)
            {
                await FakeServer.Send(ctx, 416, [], null, ("Content-Range", $"bytes */{blob.Length}"));
                return;
            }
            await FakeServer.Send(ctx, 206, blob[(int)from..], "application/octet-stream",
                ("Content-Range", $"bytes {from}-{blob.Length - 1}/{blob.Length}"), ("Docker-Content-Digest", Digest.Sha256(blob).ToString()));
            return;
        }
        await FakeServer.Send(ctx, 200, blob, "application/octet-stream", ("Docker-Content-Digest", Digest.Sha256(blob).ToString()));
    }

    private async Task<bool> CheckAuthAsync(HttpListenerContext ctx, SeenRequest seen, string repo, bool pull)
    {
        if (BasicAuth is { } basic)
        {
            string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.User}:{basic.Password}"));
            if (seen.Authorization == expected) return true;
            await FakeServer.SendError(ctx, 401, "UNAUTHORIZED", "authentication required", ("WWW-Authenticate", "Basic realm=\"fake\""));
            return false;
        }
        if (TokenAuth is { } tokens)
        {
            if (seen.Authorization is { } a && a.StartsWith("Bearer ", StringComparison.Ordinal) && tokens.IsValid(a["Bearer ".Length..]))
                return true;
            string scope = repo.Length == 0 ? "" : $",scope=\"repository:{repo}:{(pull ? "pull" : "pull,push")}\"";
            await FakeServer.SendError(ctx, 401, "UNAUTHORIZED", "authentication required",
                ("WWW-Authenticate", $"Bearer realm=\"{tokens.Realm}\",service=\"{tokens.Service}\"{scope}"));
            return false;
        }
        return true;
    }

    internal static (string? Repo, string? Kind, string? Reference) Split(string path)
    {
        if (!path.StartsWith("/v2/", StringComparison.Ordinal)) return (null, null, null);
        string rest = path["/v2/".Length..];
        foreach (string kind in new[] { "manifests", "blobs" })
        {
            int i = rest.LastIndexOf($"/{kind}/", StringComparison.Ordinal);
            if (i > 0) return (rest[..i], kind, rest[(i + kind.Length + 2)..]);
        }
        return (null, null, null);
    }

    public void Dispose()
    {
        Server.Dispose();
    }
}

/// <summary>A token endpoint: issues "tok-N" tokens that live <see cref="ExpiresIn"/> seconds, and can revoke them.</summary>
public sealed class FakeTokenServer : IDisposable
{
    private int _next;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _issued = new();

    public FakeServer Server { get; } = new();
    public string Service { get; set; } = "fake-registry";
    public int ExpiresIn { get; set; } = 300;
    /// <summary>Answer with "access_token" (OAuth2 style) instead of "token".</summary>
    public bool UseAccessTokenField { get; set; }
    public (string User, string Password)? RequiredBasic { get; set; }
    public string Realm => new Uri(Server.BaseUri, "token").ToString();

    public FakeTokenServer()
    {
        Server.Handler = HandleAsync;
    }

    public bool IsValid(string token) => _issued.TryGetValue(token, out DateTimeOffset exp) && exp > DateTimeOffset.UtcNow;

    public void Revoke(string token) => _issued.TryRemove(token, out _);

    public IEnumerable<string> Issued => _issued.Keys;

    private async Task HandleAsync(HttpListenerContext ctx, SeenRequest seen)
    {
        if (RequiredBasic is { } basic)
        {
            string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.User}:{basic.Password}"));
            if (seen.Authorization != expected)
            {
                await FakeServer.SendJson(ctx, 401, """{"details":"incorrect username or password"}""");
                return;
            }
        }
        string token = $"tok-{Interlocked.Increment(ref _next)}";
        _issued[token] = DateTimeOffset.UtcNow.AddSeconds(ExpiresIn);
        string field = UseAccessTokenField ? "access_token" : "token";
        await FakeServer.SendJson(ctx, 200, $$"""{"{{field}}":"{{token}}","expires_in":{{ExpiresIn}},"issued_at":"{{DateTimeOffset.UtcNow:O}}"}""");
    }

    public void Dispose() => Server.Dispose();
}
