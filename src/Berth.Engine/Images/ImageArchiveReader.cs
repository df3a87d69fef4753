using System.Text.Json;
using Berth.Core;
using Berth.Distribution;
using Berth.Images;
using Berth.Oci.Image;

namespace Berth.Engine.Images;

/// <summary>
/// docker load: a docker-archive (manifest.json) or a plain OCI image layout (index.json, as skopeo's oci: and
/// `docker save` of Docker 25+ write it). Every blob is verified against the digest its name or descriptor claims,
/// every layer against its config's diff id, before the image becomes visible; nothing is visible on failure.
/// </summary>
internal sealed class ImageArchiveReader(ImageCommitter committer, ImageStore store, string tempRoot)
{
    private const int MaxIndexDepth = 4;

    /// <summary>
    /// Unpacks the uploaded archive into a temp dir (disposing the result removes it). This is the slow part, and
    /// it touches no store, so it runs before the caller takes the lock that pulls and garbage collection share.
    /// </summary>
    public ArchiveFiles Receive(Stream input, long maxBytes) => ArchiveFiles.Extract(input, tempRoot, maxBytes);

    /// <summary>Imports every image of a received archive; returns the lines docker prints, each with its image's ID.</summary>
    public List<(string Line, string ImageId)> Load(ArchiveFiles files, CancellationToken ct)
    {
        try
        {
            if (files.Has("manifest.json")) return LoadDockerArchive(files, ct);
            if (files.Has("index.json")) return LoadOciLayout(files, ct);
            throw new BerthException(ErrorKind.InvalidArgument,
                "invalid archive: no manifest.json or index.json (neither a docker-archive nor an OCI image layout)");
        }
        catch (JsonException e) { throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: malformed JSON: {e.Message}"); }
    }

    private List<(string Line, string ImageId)> LoadDockerArchive(ArchiveFiles files, CancellationToken ct)
    {
        var loaded = new List<(string, string)>();
        using var doc = JsonDocument.Parse(files.ReadJson("manifest.json", "the archive"));
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
            throw new BerthException(ErrorKind.InvalidArgument, "invalid archive: manifest.json is not a list of images");
        foreach (var entry in doc.RootElement.EnumerateArray())
        {
            var names = Array(entry, "RepoTags").Select(t => t.GetString() ?? "").Where(t => t.Length > 0).Select(ParseName).ToList();
            ImageCommitter.CheckLayerCount(Array(entry, "Layers").Count());
            string configName = String(entry, "Config");
            var configDigest = files.VerifiedDigest(configName, "manifest.json");
            committer.Store(files.PathOf(configName, "manifest.json"), configDigest, ct);
            var layers = new List<BlobRef>();
            foreach (var l in Array(entry, "Layers"))
            {
                string name = l.GetString() ?? "";
                var digest = files.VerifiedDigest(name, "manifest.json");
                string path = files.PathOf(name, "manifest.json");
                committer.Store(path, digest, ct);
                layers.Add(new BlobRef(ImageDocuments.DockerLayer, digest, new FileInfo(path).Length));
            }
            var config = new BlobRef(MediaTypes.DockerConfig, configDigest, new FileInfo(files.PathOf(configName, "manifest.json")).Length);
            byte[] manifest = ImageDocuments.Manifest(MediaTypes.DockerManifest, config, layers);
            var record = committer.Commit(configDigest, layers, manifest, MediaTypes.DockerManifest, ct);
            loaded.AddRange(Tag(record, names));
        }
        return loaded;
    }

    private List<(string Line, string ImageId)> LoadOciLayout(ArchiveFiles files, CancellationToken ct)
    {
        var index = ManifestParser.Parse(files.ReadJson("index.json", "the archive"), MediaTypes.OciIndex).Index
            ?? throw new BerthException(ErrorKind.InvalidArgument, "invalid archive: index.json is a manifest, not an index");
        var loaded = new List<(string, string)>();
        // Several entries (one per name) may share a manifest: load it once, tag it with every name.
        foreach (var group in index.Manifests.GroupBy(d => d.Digest))
        {
            var names = group.Select(NameOf).OfType<ImageReference>().ToList();
            var record = LoadOciManifest(files, group.First(), ct);
            loaded.AddRange(Tag(record, names));
        }
        if (loaded.Count == 0) throw new BerthException(ErrorKind.InvalidArgument, "invalid archive: index.json lists no images");
        return loaded;
    }

    private ImageRecord LoadOciManifest(ArchiveFiles files, Descriptor descriptor, CancellationToken ct, int depth = 0)
    {
        // Indexes may nest (a multi-platform image inside the layout's index), but not without end.
        if (depth > MaxIndexDepth) throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: indexes nested more than {MaxIndexDepth} deep");
        string name = ImageArchiveWriter.BlobPath(descriptor.Digest);
        files.VerifiedDigest(name, "index.json", descriptor.Digest);
        byte[] bytes = files.ReadJson(name, "index.json");
        var parsed = ManifestParser.Parse(bytes, descriptor.MediaType);
        if (parsed.Index is { } nested)
        {
            var chosen = PlatformMatcher.Choose(nested.Manifests, Platform.Current)
                ?? throw new BerthException(ErrorKind.NotFound, $"invalid archive: {descriptor.Digest} has no image for {Platform.Current}");
            return LoadOciManifest(files, chosen, ct, depth + 1);
        }
        var manifest = parsed.Manifest!;
        var config = manifest.Config.Digest;
        string configName = ImageArchiveWriter.BlobPath(config);
        files.VerifiedDigest(configName, name, config);
        committer.Store(files.PathOf(configName, name), config, ct);
        var layers = new List<BlobRef>();
        foreach (var l in manifest.Layers)
        {
            string layerName = ImageArchiveWriter.BlobPath(l.Digest);
            files.VerifiedDigest(layerName, name, l.Digest);
            committer.Store(files.PathOf(layerName, name), l.Digest, ct);
            layers.Add(new BlobRef(l.MediaType, l.Digest, l.Size));
        }
        return committer.Commit(config, layers, bytes, parsed.MediaType, ct);
    }

    /// <summary>
    /// An OCI layout entry's name: containerd's full name annotation, else org.opencontainers.image.ref.name when
    /// it is a whole reference ("busybox:1.36", "registry:5000/app"); a bare ref name ("latest") is only a tag
    /// within the layout and names no repository, so such an image is loaded by ID.
    /// </summary>
    private static ImageReference? NameOf(Descriptor d)
    {
        if (d.Annotations is not { } a) return null;
        if (a.TryGetValue(ImageDocuments.ContainerdNameAnnotation, out var full)) return ParseName(full);
        if (a.TryGetValue(ImageDocuments.RefNameAnnotation, out var refName) && (refName.Contains(':') || refName.Contains('/')))
            return ParseName(refName);
        return null;
    }

    private List<(string, string)> Tag(ImageRecord record, IReadOnlyList<ImageReference> names)
    {
        if (names.Count == 0) return [($"Loaded image ID: {record.Id}", record.Id)];
        foreach (var name in names) store.Tag(name, record.Id);
        return names.Select(n => ($"Loaded image: {n.FamiliarString}", record.Id)).ToList();
    }

    private static ImageReference ParseName(string text) =>
        ImageReference.TryParseNormalized(text, out var r, out string? error) && r.Digest is null ? r
            : throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: image name \"{text}\": {error ?? "a digest is not a tag"}");

    private static string String(JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: a manifest.json entry has no \"{property}\"");

    private static IEnumerable<JsonElement> Array(JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];
}
