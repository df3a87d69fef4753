using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;
using System.Text;
using Berth.Core;
using Berth.Oci.Image;

namespace Berth.Distribution;

/// <summary>What <see cref="RegistryClient.PushBlobAsync"/> had to do.</summary>
public enum BlobPushResult
{
    /// <summary>The repository already had the blob; nothing was sent.</summary>
    AlreadyExists,
    /// <summary>The registry linked the blob from another repository (cross-repository mount).</summary>
    Mounted,
    /// <summary>The bytes were uploaded.</summary>
    Uploaded,
}

public sealed partial class RegistryClient
{
    /// <summary>HEAD of a blob: true when the repository has it, false on 404.</summary>
    public async Task<bool> BlobExistsAsync(string registry, string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        Names.CheckRepository(repository);
        Names.CheckDigest(digest, "blob");
        RegistryEndpoint ep = Endpoint(registry);
        return await BlobExistsAsync(ep, repository, digest, [PullScope(repository)], cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> BlobExistsAsync(RegistryEndpoint ep, string repository, Digest digest, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        var target = new RequestTarget("checking blob", ep.Name, repository, digest.ToString());
        HttpResponseMessage response = await SendAsync(ep, new Request
        {
            Method = HttpMethod.Head,
            Uri = ep.ApiUri($"v2/{repository}/blobs/{digest}"),
            Scopes = scopes,
            Target = target,
        }, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return false;
        }
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(ep, response, target, ct).ConfigureAwait(false);
        response.Dispose();
        return true;
    }

    /// <summary>
    /// Pushes a blob: nothing when the repository has it already; a cross-repository mount when
    /// <paramref name="mountFrom"/> (a repository on the same registry) has it; otherwise an upload
    /// (one PUT up to <see cref="RegistryClientOptions.UploadChunkSize"/>, PATCH chunks beyond). Exactly
    /// <c>descriptor.Size</c> bytes are read from <paramref name="content"/>; a shorter or longer stream,
    /// or one whose bytes do not hash to the digest, fails the push before it is committed.
    /// </summary>
    public async Task<BlobPushResult> PushBlobAsync(string registry, string repository, Descriptor descriptor, Stream content,
        string? mountFrom = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(content);
        Names.CheckRepository(repository);
        Names.CheckDigest(descriptor.Digest, "blob");
        if (descriptor.Size < 0) throw new BerthException(ErrorKind.InvalidArgument, $"blob {descriptor.Digest} has a negative size");
        if (mountFrom is not null) Names.CheckRepository(mountFrom);
        RegistryEndpoint ep = Endpoint(registry);
        var target = new RequestTarget("pushing blob", registry, repository, descriptor.Digest.ToString());
        IReadOnlyList<string> scopes = mountFrom is null || mountFrom == repository
            ? [PushScope(repository)]
            : [PushScope(repository), PullScope(mountFrom)];

        if (await BlobExistsAsync(ep, repository, descriptor.Digest, scopes, cancellationToken).ConfigureAwait(false))
            return BlobPushResult.AlreadyExists;

        string query = mountFrom is null || mountFrom == repository
            ? ""
            : $"?mount={Uri.EscapeDataString(descriptor.Digest.ToString())}&from={Uri.EscapeDataString(mountFrom)}";
        HttpResponseMessage started = await SendAsync(ep, new Request
        {
            Method = HttpMethod.Post,
            Uri = ep.ApiUri($"v2/{repository}/blobs/uploads/{query}"),
            Scopes = scopes,
            Target = target,
            Content = () => new ByteArrayContent([]),
        }, cancellationToken).ConfigureAwait(false);
        if (started.StatusCode == HttpStatusCode.Created && query.Length > 0)
        {
            started.Dispose();
            return BlobPushResult.Mounted;
        }
        if (started.StatusCode != HttpStatusCode.Accepted) throw await ErrorAsync(ep, started, target, cancellationToken).ConfigureAwait(false);
        Uri location = UploadLocation(ep, started, target);
        started.Dispose();

        using var hashing = new DigestingStream(content, descriptor.Size, descriptor.Digest.Algorithm, leaveOpen: true);
        try
        {
            if (descriptor.Size <= _options.UploadChunkSize)
            {
                await PutBlobAsync(ep, location, descriptor, hashing, descriptor.Size, scopes, target, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                long sent = 0;
                while (sent < descriptor.Size)
                {
                    int chunk = (int)Math.Min(_options.UploadChunkSize, descriptor.Size - sent);
                    location = await PatchChunkAsync(ep, location, hashing, sent, chunk, scopes, target, cancellationToken).ConfigureAwait(false);
                    sent += chunk;
                }
                CheckSource(hashing, content, descriptor, target);
                await PutBlobAsync(ep, location, descriptor, body: null, 0, scopes, target, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await CancelUploadAsync(ep, location, scopes, target).ConfigureAwait(false);
            throw;
        }
        return BlobPushResult.Uploaded;
    }

    /// <summary>The upload session's URL from a 202's Location, relative to the request.</summary>
    private static Uri UploadLocation(RegistryEndpoint ep, HttpResponseMessage response, RequestTarget target)
    {
        Uri? location = response.Headers.Location;
        if (location is null)
            throw new RegistryException(ErrorKind.FailedPrecondition, $"{target.Operation} {target}: the registry sent no upload Location",
                ep.Name, target.Repository, target.Reference, response.StatusCode);
        Uri resolved = new(response.RequestMessage?.RequestUri ?? ep.BaseUri, location);
        if (resolved.Scheme != Uri.UriSchemeHttp && resolved.Scheme != Uri.UriSchemeHttps)
            throw new RegistryException(ErrorKind.FailedPrecondition, $"{target.Operation} {target}: unusable upload Location \"{location}\"",
                ep.Name, target.Repository, target.Reference);
        return resolved;
    }

    private static Uri WithQuery(Uri uri, string name, string value)
    {
        var ub = new UriBuilder(uri);
        string existing = ub.Query.Length > 1 ? ub.Query[1..] + "&" : "";
        ub.Query = existing + name + "=" + Uri.EscapeDataString(value);
        return ub.Uri;
    }

    private async Task<Uri> PatchChunkAsync(RegistryEndpoint ep, Uri location, DigestingStream source, long offset, int length,
        IReadOnlyList<string> scopes, RequestTarget target, CancellationToken ct)
    {
        byte[] chunk = new byte[length];
        try
        {
            await source.ReadExactlyAsync(chunk, ct).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new BerthException(ErrorKind.InvalidArgument, $"{target.Operation} {target}: the content ended before the descriptor's size");
        }
        HttpResponseMessage response = await SendAsync(ep, new Request
        {
            Method = HttpMethod.Patch,
            Uri = location,
            Scopes = scopes,
            Target = target,
            Content = () => OctetStream(new ExactLengthContent(new MemoryStream(chunk, writable: false), chunk.Length)),
            ContentRange = $"{offset}-{offset + length - 1}",
            Retryable = false,
        }, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Accepted) throw await ErrorAsync(ep, response, target, ct).ConfigureAwait(false);
        using (response)
        {
            // The registry reports what it holds as "0-<last byte>"; anything else means the session is out of step.
            if (response.Headers.NonValidated.TryGetValues("Range", out HeaderStringValues ranges)
                && ranges.FirstOrDefault() is { } range && range != $"0-{offset + length - 1}" && range != $"bytes=0-{offset + length - 1}")
                throw new RegistryException(ErrorKind.FailedPrecondition,
                    $"{target.Operation} {target}: after a chunk ending at {offset + length - 1} the registry holds \"{range}\"",
                    ep.Name, target.Repository, target.Reference);
            return UploadLocation(ep, response, target);
        }
    }

    private async Task PutBlobAsync(RegistryEndpoint ep, Uri location, Descriptor descriptor, DigestingStream? body, long length,
        IReadOnlyList<string> scopes, RequestTarget target, CancellationToken ct)
    {
        bool used = false;
        HttpContent MakeContent()
        {
            if (body is null) return OctetStream(new ByteArrayContent([]));
            // A source stream can be sent once; the session's earlier POST has already settled authentication.
            if (used) throw new BerthException(ErrorKind.Unavailable, $"{target.Operation} {target}: the upload must be restarted (the content stream was consumed)");
            used = true;
            return OctetStream(new ExactLengthContent(body, length));
        }
        HttpResponseMessage response = await SendAsync(ep, new Request
        {
            Method = HttpMethod.Put,
            Uri = WithQuery(location, "digest", descriptor.Digest.ToString()),
            Scopes = scopes,
            Target = target,
            Content = MakeContent,
            Retryable = false,
        }, ct).ConfigureAwait(false);
        if (body is not null) CheckSource(body, null, descriptor, target);
        if (response.StatusCode != HttpStatusCode.Created) throw await ErrorAsync(ep, response, target, ct).ConfigureAwait(false);
        using (response)
        {
            Digest? stored = DigestHeader(ep, response, target);
            if (stored is { } s && s != descriptor.Digest)
                throw new RegistryException(ErrorKind.FailedPrecondition, $"{target.Operation} {target}: the registry stored it as {s}",
                    ep.Name, target.Repository, target.Reference);
        }
    }

    /// <summary>The bytes sent must have been exactly the descriptor's: right count, right digest, and nothing left over.</summary>
    private static void CheckSource(DigestingStream hashing, Stream? original, Descriptor descriptor, RequestTarget target)
    {
        if (hashing.BytesHashed != descriptor.Size)
            throw new BerthException(ErrorKind.InvalidArgument, $"{target.Operation} {target}: the content has {hashing.BytesHashed} bytes, the descriptor says {descriptor.Size}");
        if (original is not null && original.CanSeek && original.Position < original.Length)
            throw new BerthException(ErrorKind.InvalidArgument, $"{target.Operation} {target}: the content is longer than the descriptor's {descriptor.Size} bytes");
        Digest actual = hashing.Digest;
        if (actual != descriptor.Digest)
            throw new BerthException(ErrorKind.InvalidArgument, $"{target.Operation} {target}: the content hashes to {actual}");
    }

    private async Task CancelUploadAsync(RegistryEndpoint ep, Uri location, IReadOnlyList<string> scopes, RequestTarget target)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            HttpResponseMessage response = await SendAsync(ep, new Request
            {
                Method = HttpMethod.Delete,
                Uri = location,
                Scopes = scopes,
                Target = target,
                Retryable = false,
            }, timeout.Token).ConfigureAwait(false);
            response.Dispose();
        }
        catch (Exception e) when (e is RegistryException or HttpRequestException or IOException or OperationCanceledException or TimeoutException)
        {
            // Best effort: registries purge abandoned uploads themselves.
        }
    }

    private static HttpContent OctetStream(HttpContent content)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    /// <summary>
    /// Pushes a manifest or index under <paramref name="reference"/> (a tag, or its own digest) with
    /// <paramref name="mediaType"/> as Content-Type. The bytes are checked first: they must parse as that
    /// media type (no schema 1, no manifest/index hybrids), fit the size limit, and match the reference
    /// when it is a digest. Returns the descriptor of what was pushed.
    /// </summary>
    public async Task<Descriptor> PushManifestAsync(string registry, string repository, string reference, ReadOnlyMemory<byte> manifest,
        string mediaType, CancellationToken cancellationToken = default)
    {
        Names.CheckRepository(repository);
        Digest? requested = Names.CheckReference(reference);
        var target = new RequestTarget("pushing manifest", registry, repository, reference);
        RegistryEndpoint ep = Endpoint(registry);
        if (!MediaTypes.IsManifest(mediaType) && !MediaTypes.IsIndex(mediaType))
            throw new RegistryException(ErrorKind.InvalidArgument, $"{target.Operation} {target}: unsupported manifest media type \"{mediaType}\"",
                registry, repository, reference);
        if (manifest.Length > _options.MaxManifestSize)
            throw new RegistryException(ErrorKind.InvalidArgument,
                $"{target.Operation} {target}: {manifest.Length} bytes is more than the {_options.MaxManifestSize} byte manifest limit", registry, repository, reference);
        ParsedManifest parsed;
        try
        {
            parsed = ManifestParser.Parse(manifest.Span, mediaType, _options.MaxLayers);
        }
        catch (BerthException e)
        {
            throw new RegistryException(e.Kind, $"{target.Operation} {target}: {e.Message}", registry, repository, reference, inner: e);
        }
        Digest digest = Digest.Sha256(manifest.Span);
        if (requested is { } rd)
        {
            if (Verify(rd, manifest.Span) is { } actual)
                throw new RegistryException(ErrorKind.InvalidArgument, $"{target.Operation} {target}: the manifest hashes to {actual}",
                    registry, repository, reference);
            digest = rd;
        }
        byte[] bytes = manifest.ToArray();
        HttpResponseMessage response = await SendAsync(ep, new Request
        {
            Method = HttpMethod.Put,
            Uri = ep.ApiUri($"v2/{repository}/manifests/{reference}"),
            Scopes = [PushScope(repository)],
            Target = target,
            Content = () =>
            {
                var c = new ByteArrayContent(bytes);
                c.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return c;
            },
        }, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created && response.StatusCode != HttpStatusCode.OK)
            throw await ErrorAsync(ep, response, target, cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (DigestHeader(ep, response, target) is { } stored && stored != digest && Verify(stored, bytes) is not null)
                throw new RegistryException(ErrorKind.FailedPrecondition, $"{target.Operation} {target}: the registry stored it as {stored}, expected {digest}",
                    registry, repository, reference);
        }
        return new Descriptor(parsed.MediaType, digest, bytes.Length);
    }

    /// <summary>Serializes a manifest with the client's JSON context (compact, no nulls) for <see cref="PushManifestAsync"/>.</summary>
    public static byte[] Serialize(ImageManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, DistributionJsonContext.Writer.ImageManifest);

    /// <summary>Serializes an index with the client's JSON context (compact, no nulls) for <see cref="PushManifestAsync"/>.</summary>
    public static byte[] Serialize(ImageIndex index) => JsonSerializer.SerializeToUtf8Bytes(index, DistributionJsonContext.Writer.ImageIndex);

    /// <summary>
    /// All tags of a repository (GET /v2/&lt;name&gt;/tags/list), following <c>Link: &lt;…&gt;; rel="next"</c> pages.
    /// </summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string registry, string repository, CancellationToken cancellationToken = default)
    {
        Names.CheckRepository(repository);
        RegistryEndpoint ep = Endpoint(registry);
        var target = new RequestTarget("listing tags of", registry, repository, null);
        var tags = new List<string>();
        Uri? next = ep.ApiUri($"v2/{repository}/tags/list");
        for (int page = 0; next is not null; page++)
        {
            if (page >= 1000)
                throw new RegistryException(ErrorKind.FailedPrecondition, $"{target.Operation} {target}: more than 1000 pages", registry, repository, null);
            HttpResponseMessage response = await SendAsync(ep, new Request
            {
                Method = HttpMethod.Get,
                Uri = next,
                Scopes = [PullScope(repository)],
                Target = target,
                Accept = "application/json",
            }, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw await ErrorAsync(ep, response, target, cancellationToken).ConfigureAwait(false);
            using (response)
            {
                byte[] body;
                try
                {
                    body = await BodyReader.ReadBoundedAsync(response.Content, _options.MaxManifestSize, ep.ReadTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (BodyTooLargeException)
                {
                    throw new RegistryException(ErrorKind.FailedPrecondition, $"{target.Operation} {target}: a page is larger than {_options.MaxManifestSize} bytes",
                        registry, repository, null);
                }
                catch (Exception e) when (Retry.IsTransient(e, cancellationToken))
                {
                    throw new RegistryException(ErrorKind.Unavailable, $"{target.Operation} {target}: {Retry.Describe(e)}", registry, repository, null, inner: e);
                }
                TagList? list;
                try
                {
                    list = JsonSerializer.Deserialize(body, DistributionJsonContext.Default.TagList);
                }
                catch (JsonException e)
                {
                    throw new RegistryException(ErrorKind.FailedPrecondition, $"{target.Operation} {target}: malformed tag list: {e.Message}", registry, repository, null, inner: e);
                }
                if (list?.Tags is { } t) tags.AddRange(t);
                next = NextLink(response, ep);
            }
        }
        return tags;
    }

    /// <summary>The rel="next" target of a Link header, on the registry's own origin only.</summary>
    internal static Uri? NextLink(HttpResponseMessage response, RegistryEndpoint ep)
    {
        if (!response.Headers.NonValidated.TryGetValues("Link", out HeaderStringValues values)) return null;
        foreach (string value in values)
        {
            foreach (string part in value.Split(','))
            {
                int lt = part.IndexOf('<'), gt = part.IndexOf('>');
                if (lt < 0 || gt < lt) continue;
                string rest = part[(gt + 1)..];
                if (!rest.Replace(" ", "", StringComparison.Ordinal).Contains("rel=\"next\"", StringComparison.OrdinalIgnoreCase)
                    && !rest.Replace(" ", "", StringComparison.Ordinal).Contains("rel=next", StringComparison.OrdinalIgnoreCase)) continue;
                Uri next = new(response.RequestMessage?.RequestUri ?? ep.BaseUri, part[(lt + 1)..gt]);
                return ep.IsOwnOrigin(next) ? next : null;
            }
        }
        return null;
    }
}

/// <summary>
/// Sends exactly <c>length</c> bytes of a stream; a shorter stream fails the request. Reports progress
/// after each piece, so that a slow but moving upload is not mistaken for a stalled one.
/// </summary>
internal sealed class ExactLengthContent(Stream source, long length) : HttpContent
{
    /// <summary>Called after each piece is handed to the connection.</summary>
    public Action? Progress { get; set; }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[(int)Math.Min(Math.Max(length, 1), 128 * 1024)];
        long left = length;
        while (left > 0)
        {
            int n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new BerthException(ErrorKind.InvalidArgument, $"the content ended after {length - left} of {length} bytes");
            await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            left -= n;
            Progress?.Invoke();
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length1)
    {
        length1 = length;
        return true;
    }
}
