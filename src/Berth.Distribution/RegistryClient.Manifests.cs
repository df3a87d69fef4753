using System.Net.Http.Headers;
using System.Net;
using Berth.Core;
using Berth.Oci.Image;

namespace Berth.Distribution;

/// <summary>Manifest bytes from a registry, verified against their digest, with what they parse to.</summary>
public sealed class FetchedManifest
{
    /// <summary>Media type, digest and size of exactly <see cref="Bytes"/>.</summary>
    public required Descriptor Descriptor { get; init; }
    public required byte[] Bytes { get; init; }
    public required ParsedManifest Parsed { get; init; }
}

/// <summary>What a reference resolved to: the document it names and, through an index, the image manifest for a platform.</summary>
public sealed class ResolvedImage
{
    public required string Registry { get; init; }
    public required string Repository { get; init; }
    public required string Reference { get; init; }

    /// <summary>The document the reference names: an index or a manifest. Its digest is the image's "repo digest".</summary>
    public required FetchedManifest Root { get; init; }

    /// <summary>The image manifest: chosen from the index for the platform, or <see cref="Root"/> itself.</summary>
    public required FetchedManifest Manifest { get; init; }

    /// <summary>The platform of the chosen index entry; null when the reference named a manifest directly.</summary>
    public Platform? Platform { get; init; }

    public ImageManifest ImageManifest => Manifest.Parsed.Manifest!;
    public Descriptor Config => ImageManifest.Config;
    public IReadOnlyList<Descriptor> Layers => ImageManifest.Layers;
}

public sealed partial class RegistryClient
{
    private const int MaxIndexDepth = 4;

    /// <summary>
    /// Resolves <paramref name="reference"/> (a tag or digest) in <paramref name="repository"/> to an image
    /// manifest: fetches the document, and when it is an index (or manifest list), picks the entry for
    /// <paramref name="platform"/> (default: this machine's, <see cref="Platform.Current"/>) and fetches that.
    /// Every document is size-limited and digest-verified.
    /// </summary>
    public async Task<ResolvedImage> ResolveAsync(string registry, string repository, string reference, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        FetchedManifest root = await GetManifestAsync(registry, repository, reference, cancellationToken).ConfigureAwait(false);
        FetchedManifest current = root;
        Platform want = (platform ?? Platform.Current).Normalize();
        Platform? chosenPlatform = null;
        for (int depth = 0; current.Parsed.IsIndex; depth++)
        {
            var target = new RequestTarget("resolving", registry, repository, reference);
            if (depth >= MaxIndexDepth)
                throw new RegistryException(ErrorKind.FailedPrecondition, $"{target.Operation} {target}: indexes nested more than {MaxIndexDepth} deep",
                    registry, repository, reference);
            IReadOnlyList<Descriptor> entries = current.Parsed.Index.Manifests;
            Descriptor chosen = PlatformMatcher.Choose(entries, want) ?? throw new RegistryException(ErrorKind.NotFound,
                $"{target.Operation} {target}: no manifest for platform {want} (the index has: {DescribePlatforms(entries)})",
                registry, repository, reference);
            if (chosen.Size > _options.MaxManifestSize)
                throw new RegistryException(ErrorKind.FailedPrecondition,
                    $"{target.Operation} {target}: the index entry for {want} declares {chosen.Size} bytes, more than the {_options.MaxManifestSize} byte manifest limit",
                    registry, repository, reference);
            FetchedManifest next = await GetManifestAsync(registry, repository, chosen.Digest.ToString(), cancellationToken).ConfigureAwait(false);
            if (next.Bytes.Length != chosen.Size || next.Descriptor.MediaType != chosen.MediaType)
                throw new RegistryException(ErrorKind.FailedPrecondition,
                    $"{target.Operation} {target}: manifest {chosen.Digest} is {next.Descriptor.MediaType}, {next.Bytes.Length} bytes; the index said {chosen.MediaType}, {chosen.Size} bytes",
                    registry, repository, reference);
            chosenPlatform = chosen.Platform;
            current = next;
        }
        return new ResolvedImage
        {
            Registry = registry,
            Repository = repository,
            Reference = reference,
            Root = root,
            Manifest = current,
            Platform = chosenPlatform,
        };
    }

    private static string DescribePlatforms(IReadOnlyList<Descriptor> entries)
    {
        var names = entries.Where(e => e.Platform is not null).Select(e => e.Platform!.Normalize().ToString()).Distinct().ToList();
        return names.Count == 0 ? "no platforms" : string.Join(", ", names);
    }

    /// <summary>
    /// Fetches one manifest or index by tag or digest. Refuses bodies over <see cref="RegistryClientOptions.MaxManifestSize"/>
    /// (reading no more than that plus one byte), a Docker-Content-Digest header that does not match the bytes,
    /// bytes that do not match a requested digest, and media types Berth does not read.
    /// </summary>
    public async Task<FetchedManifest> GetManifestAsync(string registry, string repository, string reference, CancellationToken cancellationToken = default)
    {
        Names.CheckRepository(repository);
        Digest? requested = Names.CheckReference(reference);
        RegistryEndpoint ep = Endpoint(registry);
        var target = new RequestTarget("fetching manifest", registry, repository, reference);
        var request = new Request
        {
            Method = HttpMethod.Get,
            Uri = ep.ApiUri($"v2/{repository}/manifests/{reference}"),
            Scopes = [PullScope(repository)],
            Target = target,
            Accept = MediaTypes.ManifestAccept,
        };
        HttpResponseMessage response = await SendAsync(ep, request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(ep, response, target, cancellationToken).ConfigureAwait(false);

        byte[] bytes;
        string? contentType;
        Digest? headerDigest;
        using (response)
        {
            contentType = response.Content.Headers.ContentType?.MediaType;
            headerDigest = DigestHeader(ep, response, target);
            try
            {
                bytes = await BodyReader.ReadBoundedAsync(response.Content, _options.MaxManifestSize, ep.ReadTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (BodyTooLargeException)
            {
                string declared = response.Content.Headers.ContentLength is long n ? $" ({n} bytes)" : "";
                throw new RegistryException(ErrorKind.FailedPrecondition,
                    $"{target.Operation} {target}: the manifest{declared} is larger than the {_options.MaxManifestSize} byte limit",
                    registry, repository, reference, response.StatusCode);
            }
            catch (Exception e) when (Retry.IsTransient(e, cancellationToken))
            {
                throw new RegistryException(ErrorKind.Unavailable, $"{target.Operation} {target}: {Retry.Describe(e)}",
                    registry, repository, reference, inner: e);
            }
        }

        Digest digest = Digest.Sha256(bytes);
        if (headerDigest is { } hd && Verify(hd, bytes) is { } actualForHeader)
            throw new RegistryException(ErrorKind.FailedPrecondition,
                $"{target.Operation} {target}: the registry says the manifest is {hd} (Docker-Content-Digest) but its bytes hash to {actualForHeader}",
                registry, repository, reference);
        if (requested is { } rd)
        {
            if (Verify(rd, bytes) is { } actual)
                throw new RegistryException(ErrorKind.FailedPrecondition,
                    $"{target.Operation} {target}: the manifest's bytes hash to {actual}, not the requested digest",
                    registry, repository, reference);
            digest = rd;
        }

        ParsedManifest parsed;
        try
        {
            parsed = ManifestParser.Parse(bytes, contentType, _options.MaxLayers);
        }
        catch (BerthException e)
        {
            throw new RegistryException(e.Kind, $"{target.Operation} {target}: {e.Message}", registry, repository, reference, inner: e);
        }
        return new FetchedManifest
        {
            Descriptor = new Descriptor(parsed.MediaType, digest, bytes.Length),
            Bytes = bytes,
            Parsed = parsed,
        };
    }

    /// <summary>
    /// HEAD of a manifest: its media type, digest and size without the body, or null when the registry
    /// does not have it. The digest comes from Docker-Content-Digest (or the reference, when it is one).
    /// </summary>
    public async Task<Descriptor?> HeadManifestAsync(string registry, string repository, string reference, CancellationToken cancellationToken = default)
    {
        Names.CheckRepository(repository);
        Digest? requested = Names.CheckReference(reference);
        RegistryEndpoint ep = Endpoint(registry);
        var target = new RequestTarget("checking manifest", registry, repository, reference);
        HttpResponseMessage response = await SendAsync(ep, new Request
        {
            Method = HttpMethod.Head,
            Uri = ep.ApiUri($"v2/{repository}/manifests/{reference}"),
            Scopes = [PullScope(repository)],
            Target = target,
            Accept = MediaTypes.ManifestAccept,
        }, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(ep, response, target, cancellationToken).ConfigureAwait(false);
        using (response)
        {
            Digest digest = DigestHeader(ep, response, target) ?? requested ?? throw new RegistryException(ErrorKind.FailedPrecondition,
                $"{target.Operation} {target}: the registry sent no Docker-Content-Digest", registry, repository, reference);
            if (requested is { } rd && rd != digest)
                throw new RegistryException(ErrorKind.FailedPrecondition,
                    $"{target.Operation} {target}: the registry answered for {digest}", registry, repository, reference);
            string mediaType = MediaTypes.Normalize(response.Content.Headers.ContentType?.MediaType) ?? "";
            if (MediaTypes.IsSchema1(mediaType))
                throw new RegistryException(ErrorKind.FailedPrecondition,
                    $"{target.Operation} {target}: unsupported manifest media type \"{mediaType}\" (docker schema 1)", registry, repository, reference);
            long size = response.Content.Headers.ContentLength ?? -1;
            return new Descriptor(mediaType, digest, size);
        }
    }

    /// <summary>The Docker-Content-Digest header, parsed; a malformed one is an error, an absent one null.</summary>
    private static Digest? DigestHeader(RegistryEndpoint ep, HttpResponseMessage response, RequestTarget target)
    {
        if (!response.Headers.NonValidated.TryGetValues("Docker-Content-Digest", out HeaderStringValues values)) return null;
        string? value = values.FirstOrDefault()?.Trim();
        if (string.IsNullOrEmpty(value)) return null;
        if (!Digest.TryParse(value, out Digest d))
            throw new RegistryException(ErrorKind.FailedPrecondition,
                $"{target.Operation} {target}: malformed Docker-Content-Digest header \"{(value.Length > 80 ? value[..80] : value)}\"",
                ep.Name, target.Repository, target.Reference);
        return d;
    }

    /// <summary>Null when <paramref name="bytes"/> hash to <paramref name="expected"/>; otherwise the actual digest.</summary>
    private static Digest? Verify(Digest expected, ReadOnlySpan<byte> bytes)
    {
        Digest actual;
        if (expected.Algorithm == Digest.Sha256Algorithm)
        {
            actual = Digest.Sha256(bytes);
        }
        else
        {
            using var hasher = Digest.CreateHasher(expected.Algorithm);
            hasher.AppendData(bytes);
            actual = Digest.FromHash(expected.Algorithm, hasher.GetHashAndReset());
        }
        return actual == expected ? null : actual;
    }
}
