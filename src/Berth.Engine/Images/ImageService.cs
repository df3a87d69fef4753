using System.Text.Json;
using Berth.Content;
using Berth.Core;
using Berth.Distribution;
using Berth.Engine.Events;
using Berth.Images;
using Berth.Oci.Image;
using Berth.Snapshots;

namespace Berth.Engine.Images;

/// <summary>
/// Images: pulled from registries into the content store (verified, resumable), their layers unpacked once
/// into the layer store, named by tags. The library the daemon's image endpoints serve.
/// </summary>
public sealed partial class ImageService
{
    private const long MaxConfigBytes = 8 << 20;
    private readonly ContentStore _content;
    private readonly LayerStore _layers;
    private readonly ImageStore _store;
    private readonly EventLog _events;
    private readonly RegistryClient _registry;
    private readonly SemaphoreSlim _pullLock = new(1, 1);
    private readonly ImageArchiveWriter _archiveWriter;
    private readonly ImageArchiveReader _archiveReader;
    private readonly ImageImporter _importer;

    /// <summary>Writable root filesystems over the unpacked layers, for containers (overlay, or the copy driver).</summary>
    public Snapshotter Snapshots { get; }

    /// <summary>docker load's bound on an archive's total size, and docker import's on the uncompressed tar.</summary>
    public long MaxLoadBytes { get; init; } = 64L << 30;

    public ImageService(string root, EventLog events, RegistryClient registry, SnapshotterOptions? storage = null)
    {
        _content = new ContentStore(Path.Combine(root, "content"));
        _layers = new LayerStore(Path.Combine(root, "snapshots"));
        _layers.RemoveLeftovers();
        Snapshots = new Snapshotter(_layers, storage);
        _store = new ImageStore(root);
        _events = events;
        _registry = registry;
        string tmp = Path.Combine(root, "tmp");
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); // what a crash left
        Directory.CreateDirectory(tmp);
        var committer = new ImageCommitter(_content, _layers, _store);
        _archiveWriter = new ImageArchiveWriter(_content, tmp);
        _archiveReader = new ImageArchiveReader(committer, _store, tmp);
        _importer = new ImageImporter(_content, committer, tmp);
    }

    /// <summary>
    /// docker save: the named images (by tag, the name is kept; by ID, untagged) as one tar that is both a
    /// docker-archive and an OCI image layout.
    /// </summary>
    public void Save(IReadOnlyList<string> names, Stream output)
    {
        // One entry per image, with every name it was asked by (docker save busybox mybox: one image, two tags).
        var images = names.Select(n =>
        {
            var image = Find(n);
            bool byName = ImageReference.TryParseNormalized(n, out var r) && r is not null && r.Digest is null && _store.Lookup(r) == image.Id;
            return (Image: image, Name: byName ? r : null);
        }).GroupBy(x => x.Image.Id).Select(g => (g.First().Image,
            (IReadOnlyList<ImageReference>)g.Select(x => x.Name).OfType<ImageReference>().DistinctBy(x => x.Canonical).ToList())).ToList();
        _pullLock.Wait(); // an rmi must not collect what is being written out
        try { _archiveWriter.Save(images, output); }
        finally { _pullLock.Release(); }
        foreach (var (image, _) in images) _events.Publish("image", "save", image.Id, new Dictionary<string, string> { ["name"] = image.Id });
    }

    /// <summary>docker load: every image of a docker-archive or OCI image layout; returns the lines docker prints.</summary>
    public async Task<List<string>> LoadAsync(Stream input, CancellationToken ct)
    {
        using var files = _archiveReader.Receive(input, MaxLoadBytes); // a slow upload holds no lock
        await _pullLock.WaitAsync(ct);
        try
        {
            var loaded = _archiveReader.Load(files, ct);
            foreach (string id in loaded.Select(l => l.ImageId).Distinct())
                _events.Publish("image", "load", id, new Dictionary<string, string> { ["name"] = id });
            return loaded.Select(l => l.Line).ToList();
        }
        finally { _pullLock.Release(); }
    }

    public int Count => _store.List().Count;

    public IReadOnlyList<ImageRecord> List() => _store.List();

    public IReadOnlyList<string> TagsOf(string id) => _store.TagsOf(id);

    /// <summary>The stored size of each of the image's layer blobs, bottom first (0 for one that is missing).</summary>
    public IReadOnlyList<long> LayerSizesOf(ImageRecord image) =>
        image.LayerDigests.Select(d => _content.SizeOf(Digest.Parse(d)) ?? 0).ToList();

    public ImageConfig ConfigOf(ImageRecord image) =>
        JsonSerializer.Deserialize(_content.ReadAllBytes(Digest.Parse(image.Id), MaxConfigBytes), EngineJsonContext.Default.ImageConfig)
        ?? throw new BerthException(ErrorKind.Internal, $"image config {image.Id} is empty");

    /// <summary>By reference, by full or short ID: docker's lookup order. NotFound as "No such image: x".</summary>
    public ImageRecord Find(string nameOrId)
    {
        if (TryFind(nameOrId) is { } found) return found;
        throw new BerthException(ErrorKind.NotFound, $"No such image: {nameOrId}");
    }

    public ImageRecord? TryFind(string nameOrId)
    {
        string hex = nameOrId.StartsWith("sha256:", StringComparison.Ordinal) ? nameOrId[7..] : nameOrId;
        if (hex.Length is >= 4 and <= 64 && hex.All(char.IsAsciiHexDigitLower))
        {
            var matches = _store.List().Where(i => i.Id[7..].StartsWith(hex, StringComparison.Ordinal)).ToList();
            if (matches.Count == 1) return matches[0];
        }
        if (!ImageReference.TryParseNormalized(nameOrId, out var reference)) return null;
        if (reference.Digest is { } d)
            return _store.List().FirstOrDefault(i => i.RepoDigests.Contains($"{reference.Name}@{d}"));
        return _store.Lookup(reference) is { } id ? _store.Get(id) : null;
    }

    public void Tag(string source, string target)
    {
        var image = Find(source);
        if (!ImageReference.TryParseNormalized(target, out var reference, out string? error))
            throw new BerthException(ErrorKind.InvalidArgument, error ?? $"invalid reference format: {target}");
        if (reference.Digest is not null) throw new BerthException(ErrorKind.InvalidArgument, "refusing to create a tag with a digest reference");
        _store.Tag(reference, image.Id);
        _events.Publish("image", "tag", image.Id, new Dictionary<string, string> { ["name"] = reference.FamiliarString });
    }

    /// <summary>docker rmi: untag a name; delete the image when no name is left (or with force, all of them).</summary>
    public IReadOnlyList<(string Kind, string Value)> Remove(string nameOrId, bool force)
    {
        // Under the pull lock: a pull or load in flight holds blobs and layers no record names yet.
        _pullLock.Wait();
        try { return RemoveLocked(nameOrId, force); }
        finally { _pullLock.Release(); }
    }

    private IReadOnlyList<(string Kind, string Value)> RemoveLocked(string nameOrId, bool force)
    {
        var image = Find(nameOrId);
        var result = new List<(string, string)>();
        var tags = _store.TagsOf(image.Id);
        bool byName = ImageReference.TryParseNormalized(nameOrId, out var named) && named is not null && _store.Lookup(named) == image.Id;
        if (byName && named is not null)
        {
            _store.Untag(named);
            result.Add(("Untagged", named.FamiliarString));
            _events.Publish("image", "untag", image.Id, new Dictionary<string, string> { ["name"] = named.FamiliarString });
            if (tags.Count > 1) return result;
        }
        else if (tags.Count > 1 && !force)
            throw new BerthException(ErrorKind.Conflict,
                $"conflict: unable to delete {image.Id[7..19]} (must be forced) - image is referenced in multiple repositories");
        else
            foreach (string t in tags)
            {
                var r = ImageReference.ParseNormalized(t);
                _store.Untag(r);
                result.Add(("Untagged", r.FamiliarString));
            }
        _store.Delete(image.Id);
        result.Add(("Deleted", image.Id));
        _events.Publish("image", "delete", image.Id, new Dictionary<string, string> { ["name"] = image.Id });
        CollectGarbage();
        return result;
    }

    /// <summary>Removes blobs and unpacked layers that no image refers to any more (caller holds the pull lock).</summary>
    private GcResult CollectGarbage()
    {
        var images = _store.List();
        var reachable = new HashSet<Digest>();
        var chains = new HashSet<Digest>();
        foreach (var i in images)
        {
            reachable.Add(Digest.Parse(i.Id));
            reachable.Add(Digest.Parse(i.ManifestDigest));
            foreach (string l in i.LayerDigests) reachable.Add(Digest.Parse(l));
            foreach (var c in LayerStore.ChainIds(ConfigOf(i).RootFs.DiffIds.Select(Digest.Parse))) chains.Add(c);
        }
        chains.UnionWith(Snapshots.LayersInUse()); // a container's rootfs keeps its layers after its image is gone
        var result = _content.Sweep(reachable);
        foreach (var c in _layers.List())
            if (!chains.Contains(c)) _layers.Remove(c);
        return result;
    }

    /// <summary>docker pull: the whole image is verified and unpacked before its tag points at it.</summary>
    public async Task<ImageRecord> PullAsync(ImageReference reference, Platform? platform, IPullProgress progress, CancellationToken ct)
    {
        await _pullLock.WaitAsync(ct);
        try
        {
            progress.Status($"Pulling from {PathForStatus(reference)}", reference.Digest?.ToString() ?? reference.Tag);
            var resolved = await _registry.ResolveAsync(reference, platform, ct);
            var config = resolved.Config;
            await FetchAsync(reference, config, null, progress, ct);
            var imageConfig = JsonSerializer.Deserialize(_content.ReadAllBytes(config.Digest, MaxConfigBytes), EngineJsonContext.Default.ImageConfig)
                ?? throw new BerthException(ErrorKind.InvalidArgument, "image config is empty");
            var diffIds = imageConfig.RootFs.DiffIds.Select(Digest.Parse).ToList();
            if (diffIds.Count != resolved.Layers.Count)
                throw new BerthException(ErrorKind.InvalidArgument, $"image config lists {diffIds.Count} layers, the manifest {resolved.Layers.Count}");

            long size = await FetchAndUnpackLayersAsync(reference, resolved.Layers, diffIds, progress, ct);
            // Everything is in place and verified: now the image becomes visible.
            _content.Put(resolved.Root.Descriptor.Digest, resolved.Root.Bytes);
            if (!ReferenceEquals(resolved.Root, resolved.Manifest)) _content.Put(resolved.Manifest.Descriptor.Digest, resolved.Manifest.Bytes);
            var existing = _store.Get(config.Digest.ToString());
            var record = existing ?? new ImageRecord { Id = config.Digest.ToString(), Pulled = DateTimeOffset.UtcNow };
            string repoDigest = $"{reference.Name}@{resolved.Root.Descriptor.Digest}";
            if (!record.RepoDigests.Contains(repoDigest)) record.RepoDigests.Add(repoDigest);
            record.ManifestDigest = resolved.Manifest.Descriptor.Digest.ToString();
            record.ManifestMediaType = resolved.Manifest.Descriptor.MediaType;
            record.LayerDigests = resolved.Layers.Select(l => l.Digest.ToString()).ToList();
            record.Size = size;
            _store.Save(record);
            bool changed = reference.Digest is not null || _store.Lookup(reference) != record.Id;
            if (reference.Digest is null) _store.Tag(reference, record.Id);
            progress.Status($"Digest: {resolved.Root.Descriptor.Digest}");
            progress.Status(changed || existing is null
                ? $"Status: Downloaded newer image for {reference.FamiliarString}"
                : $"Status: Image is up to date for {reference.FamiliarString}");
            _events.Publish("image", "pull", reference.FamiliarString, new Dictionary<string, string> { ["name"] = reference.FamiliarName });
            return record;
        }
        finally { _pullLock.Release(); }
    }

    /// <summary>
    /// docker push: the image's layer blobs and config as stored, then its manifest as pulled or loaded, under
    /// the target name. The registry checks every digest; nothing is rewritten or recompressed.
    /// </summary>
    public async Task PushAsync(ImageReference target, IPullProgress progress, CancellationToken ct)
    {
        var image = Find(target.FamiliarString);
        progress.Status($"The push refers to repository [{target.Name}]");
        byte[] manifestBytes = _content.ReadAllBytes(Digest.Parse(image.ManifestDigest), 4 << 20);
        var manifest = ManifestParser.Parse(manifestBytes, image.ManifestMediaType).Manifest
            ?? throw new BerthException(ErrorKind.FailedPrecondition, $"image {image.Id} has an index, not a manifest, stored");
        foreach (var layer in manifest.Layers.Reverse())
        {
            string shortId = layer.Digest.Encoded[..12];
            progress.Status("Preparing", shortId);
            await using var blob = _content.OpenRead(layer.Digest);
            var result = await _registry.PushBlobAsync(target.Domain, target.Path, layer, blob, cancellationToken: ct);
            progress.Status(result == BlobPushResult.AlreadyExists ? "Layer already exists" : "Pushed", shortId);
        }
        await using (var config = _content.OpenRead(manifest.Config.Digest))
            await _registry.PushBlobAsync(target.Domain, target.Path, manifest.Config, config, cancellationToken: ct);
        string tag = target.Tag ?? "latest";
        var pushed = await _registry.PushManifestAsync(target.Domain, target.Path, tag, manifestBytes, image.ManifestMediaType, ct);
        string repoDigest = $"{target.Name}@{pushed.Digest}";
        if (!image.RepoDigests.Contains(repoDigest))
        {
            image.RepoDigests.Add(repoDigest);
            _store.Save(image);
        }
        progress.Status($"{tag}: digest: {pushed.Digest} size: {pushed.Size}");
        progress.PushResult(tag, pushed.Digest.ToString(), pushed.Size);
        _events.Publish("image", "push", target.FamiliarString, new Dictionary<string, string> { ["name"] = target.FamiliarString });
    }

    private static string PathForStatus(ImageReference r) => r.Domain == "docker.io" ? r.Path : $"{r.Domain}/{r.Path}";

    /// <summary>Downloads a blob into the content store, resuming an interrupted ingest, verified on commit.</summary>
    /// <summary>Downloads one blob into the content store; <paramref name="follow"/>, when given, hears where and how far.</summary>
    private async Task FetchAsync(ImageReference repo, Descriptor d, string? progressId, IPullProgress progress, CancellationToken ct,
        BlobDownload? follow = null)
    {
        if (_content.Exists(d.Digest))
        {
            follow?.Start(null, 0);
            return;
        }
        using var ingest = _content.OpenIngest(d.Digest.ToString(), d.Digest, d.Size);
        follow?.Start(ingest.DataPath, ingest.Offset);
        var reporter = progressId is null ? null : new DownloadReporter(progress, progressId, d.Size);
        using (var sink = new IngestStream(ingest, offset => { reporter?.Written(offset); follow?.Written(offset); }))
        {
            if (ingest.Offset < d.Size)
                await _registry.FetchBlobRangeAsync(repo.Domain, repo.Path, d, sink, ingest.Offset, ct);
        }
        if (progressId is not null) progress.Status("Verifying Checksum", progressId);
        ingest.Commit();
        if (progressId is not null) progress.Status("Download complete", progressId);
    }
}
