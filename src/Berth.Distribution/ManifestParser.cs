using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Berth.Core;
using Berth.Oci.Image;

namespace Berth.Distribution;

/// <summary>A manifest or index read from verified bytes.</summary>
public sealed class ParsedManifest
{
    /// <summary>The effective media type: one of the four in <see cref="MediaTypes"/> that Berth reads.</summary>
    public required string MediaType { get; init; }

    /// <summary>Set for an image manifest; null for an index.</summary>
    public ImageManifest? Manifest { get; init; }

    /// <summary>Set for an index or manifest list; null for a manifest.</summary>
    public ImageIndex? Index { get; init; }

    [MemberNotNullWhen(true, nameof(Index))]
    [MemberNotNullWhen(false, nameof(Manifest))]
    public bool IsIndex => Index is not null;
}

/// <summary>
/// Classifies and parses manifest documents. Refuses what Berth cannot or must not read:
/// Docker schema 1, unknown media types, documents that are both manifest and index
/// (CVE-2021-41190, security case 3B-9), malformed digests (3B-10) and too many layers (3E-27).
/// </summary>
public static class ManifestParser
{
    /// <summary>
    /// Parses <paramref name="bytes"/> served with <paramref name="contentType"/> (the response's
    /// Content-Type, or null). Throws <see cref="BerthException"/> with a message that does not name
    /// the source; callers add that.
    /// </summary>
    public static ParsedManifest Parse(ReadOnlySpan<byte> bytes, string? contentType, int maxLayers = 125)
    {
        string? headerType = MediaTypes.Normalize(contentType);
        if (MediaTypes.IsSchema1(headerType)) ThrowSchema1(headerType!);

        ManifestDocument doc;
        try
        {
            doc = JsonSerializer.Deserialize(bytes, DistributionJsonContext.Default.ManifestDocument)
                ?? throw new BerthException(ErrorKind.InvalidArgument, "manifest is JSON null");
        }
        catch (JsonException e)
        {
            throw new BerthException(ErrorKind.InvalidArgument, $"malformed manifest JSON: {e.Message}", e);
        }

        if (doc.SchemaVersion == 1 || doc.FsLayers is not null || MediaTypes.IsSchema1(doc.MediaType))
            ThrowSchema1(MediaTypes.IsSchema1(headerType) ? headerType! : doc.MediaType ?? MediaTypes.DockerSchema1Manifest);
        if (doc.SchemaVersion != 2)
            throw new BerthException(ErrorKind.FailedPrecondition, $"unsupported manifest schemaVersion {(doc.SchemaVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)")}");

        bool headerKnown = MediaTypes.IsManifest(headerType) || MediaTypes.IsIndex(headerType);
        string? bodyType = doc.MediaType;
        if (bodyType is not null && headerKnown && bodyType != headerType)
            throw new BerthException(ErrorKind.InvalidArgument, $"manifest is served as \"{headerType}\" but its mediaType is \"{bodyType}\"");

        // The document's own mediaType wins; then the header; then the shape (OCI allows mediaType to be absent).
        string effective = bodyType
            ?? (headerKnown ? headerType! : null)
            ?? (doc.Manifests is not null && doc.Config is null && doc.Layers is null ? MediaTypes.OciIndex
                : doc.Config is not null && doc.Manifests is null ? MediaTypes.OciManifest
                : doc.Manifests is not null ? throw Ambiguous()
                : throw Unsupported(headerType));

        if (MediaTypes.IsIndex(effective))
        {
            if (doc.Config is not null || doc.Layers is not null) throw Ambiguous();
            if (doc.Manifests is null) throw new BerthException(ErrorKind.InvalidArgument, "index has no \"manifests\"");
            for (int i = 0; i < doc.Manifests.Count; i++) CheckDescriptor(doc.Manifests[i], $"manifests[{i}]");
            if (doc.Subject is not null) CheckDescriptor(doc.Subject, "subject");
            return new ParsedManifest
            {
                MediaType = effective,
                Index = new ImageIndex
                {
                    SchemaVersion = 2,
                    MediaType = doc.MediaType,
                    ArtifactType = doc.ArtifactType,
                    Manifests = doc.Manifests,
                    Subject = doc.Subject,
                    Annotations = doc.Annotations,
                },
            };
        }
        if (MediaTypes.IsManifest(effective))
        {
            if (doc.Manifests is not null) throw Ambiguous();
            if (doc.Config is null) throw new BerthException(ErrorKind.InvalidArgument, "manifest has no \"config\"");
            CheckDescriptor(doc.Config, "config");
            List<Descriptor> layers = doc.Layers ?? [];
            if (layers.Count > maxLayers)
                throw new BerthException(ErrorKind.FailedPrecondition, $"manifest lists {layers.Count} layers; at most {maxLayers} are supported");
            for (int i = 0; i < layers.Count; i++) CheckDescriptor(layers[i], $"layers[{i}]");
            if (doc.Subject is not null) CheckDescriptor(doc.Subject, "subject");
            return new ParsedManifest
            {
                MediaType = effective,
                Manifest = new ImageManifest
                {
                    SchemaVersion = 2,
                    MediaType = doc.MediaType,
                    ArtifactType = doc.ArtifactType,
                    Config = doc.Config,
                    Layers = layers,
                    Subject = doc.Subject,
                    Annotations = doc.Annotations,
                },
            };
        }
        throw Unsupported(effective);
    }

    private static void CheckDescriptor(Descriptor d, string where)
    {
        if (string.IsNullOrEmpty(d.MediaType))
            throw new BerthException(ErrorKind.InvalidArgument, $"{where} has no mediaType");
        if (!d.Digest.IsValid)
            throw new BerthException(ErrorKind.InvalidArgument, $"{where} has no valid digest");
        if (d.Size < 0)
            throw new BerthException(ErrorKind.InvalidArgument, $"{where} has a negative size {d.Size}");
    }

    private static BerthException Ambiguous() => new(ErrorKind.InvalidArgument,
        "ambiguous manifest: the document has both index fields (manifests) and manifest fields (config/layers) (CVE-2021-41190)");

    private static BerthException Unsupported(string? mediaType) => new(ErrorKind.FailedPrecondition,
        mediaType is null ? "unsupported manifest: no media type and not shaped like a manifest or index"
            : $"unsupported manifest media type \"{mediaType}\"");

    [DoesNotReturn]
    private static void ThrowSchema1(string mediaType) => throw new BerthException(ErrorKind.FailedPrecondition,
        $"unsupported manifest media type \"{mediaType}\" (docker schema 1)");
}
