using System.Text.Encodings.Web;
using System.Text.Json;
using Berth.Core;
using Berth.Distribution;
using Berth.Oci.Image;

namespace Berth.Engine.Images;

/// <summary>A blob named in a manifest: its digest, size and media type.</summary>
internal readonly record struct BlobRef(string MediaType, Digest Digest, long Size);

/// <summary>One image as an archive lists it: config and layer paths, names ("docker.io/library/busybox:latest").</summary>
internal sealed record ArchivedImage(string ConfigPath, IReadOnlyList<string> LayerPaths, IReadOnlyList<string> RepoTags);

/// <summary>
/// The JSON documents Berth writes itself (manifests for loaded and imported images, the files of an image archive).
/// Written with Utf8JsonWriter and relaxed escaping, so media types read "v1+json" as every other tool writes them;
/// the bytes are hashed as written, so the exact form matters only for readability.
/// </summary>
internal static class ImageDocuments
{
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    public const string ContainerdNameAnnotation = "io.containerd.image.name";

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>An image manifest (schema 2) of the given media type; layer media types are the caller's.</summary>
    public static byte[] Manifest(string mediaType, BlobRef config, IEnumerable<BlobRef> layers) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", 2);
        w.WriteString("mediaType", mediaType);
        w.WritePropertyName("config");
        Descriptor(w, config);
        w.WriteStartArray("layers");
        foreach (var l in layers) Descriptor(w, l);
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>An OCI layout's index.json: one entry per name (or one unnamed entry), annotated as Docker 25+ does.</summary>
    public static byte[] Index(IEnumerable<(BlobRef Manifest, string? Name, string? Tag)> entries) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", 2);
        w.WriteString("mediaType", MediaTypes.OciIndex);
        w.WriteStartArray("manifests");
        foreach (var (manifest, name, tag) in entries)
        {
            var annotations = new List<(string, string)>();
            if (name is not null) annotations.Add((ContainerdNameAnnotation, name));
            if (tag is not null) annotations.Add((RefNameAnnotation, tag));
            Descriptor(w, manifest, annotations);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    public static byte[] OciLayoutFile() => """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray();

    /// <summary>A docker-archive's manifest.json.</summary>
    public static byte[] ArchiveManifest(IEnumerable<ArchivedImage> images) => Write(w =>
    {
        w.WriteStartArray();
        foreach (var image in images)
        {
            w.WriteStartObject();
            w.WriteString("Config", image.ConfigPath);
            w.WriteStartArray("RepoTags");
            foreach (string t in image.RepoTags) w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteStartArray("Layers");
            foreach (string l in image.LayerPaths) w.WriteStringValue(l);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    /// <summary>The legacy "repositories" file: repository → tag → top layer, for old readers of docker-archives.</summary>
    public static byte[] Repositories(IEnumerable<(string Repository, string Tag, string TopLayer)> entries) => Write(w =>
    {
        w.WriteStartObject();
        foreach (var repo in entries.GroupBy(e => e.Repository, StringComparer.Ordinal))
        {
            w.WriteStartObject(repo.Key);
            foreach (var (_, tag, top) in repo) w.WriteString(tag, top);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    });

    private static void Descriptor(Utf8JsonWriter w, BlobRef blob, IReadOnlyList<(string Key, string Value)>? annotations = null)
    {
        w.WriteStartObject();
        w.WriteString("mediaType", blob.MediaType);
        w.WriteString("digest", blob.Digest.ToString());
        w.WriteNumber("size", blob.Size);
        if (annotations is { Count: > 0 })
        {
            w.WriteStartObject("annotations");
            foreach (var (k, v) in annotations) w.WriteString(k, v);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Options)) body(w);
        return ms.ToArray();
    }
}
