using System.Text.Json;
using Berth.Content;
using Berth.Core;
using Berth.Snapshots;

namespace Berth.Engine.Images;

/// <summary>
/// The last steps shared by load and import: layers whose blobs are already verified in the content store are
/// unpacked (each checked against the diff id its config declares), the manifest is stored, and only then is the
/// image record written, which is what makes the image visible.
/// </summary>
internal sealed class ImageCommitter(ContentStore content, LayerStore layers, ImageStore store)
{
    private const long MaxConfigBytes = 8 << 20;
    /// <summary>Docker's limit too (moby's maxLayerDepth), the same the registry client applies to manifests.</summary>
    private const int MaxLayers = 125;

    public ImageRecord Commit(Digest configDigest, IReadOnlyList<BlobRef> layerBlobs, byte[] manifest, string manifestMediaType, CancellationToken ct)
    {
        var config = JsonSerializer.Deserialize(content.ReadAllBytes(configDigest, MaxConfigBytes), EngineJsonContext.Default.ImageConfig)
            ?? throw new BerthException(ErrorKind.InvalidArgument, "invalid image: its config is empty");
        CheckLayerCount(layerBlobs.Count);
        var diffIds = config.RootFs.DiffIds.Select(Digest.Parse).ToList();
        if (diffIds.Count != layerBlobs.Count)
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid image: {layerBlobs.Count} layers for a config that lists {diffIds.Count}");
        Digest? parent = null;
        for (int i = 0; i < layerBlobs.Count; i++)
            using (var blob = content.OpenRead(layerBlobs[i].Digest))
                parent = layers.Unpack(parent, diffIds[i], blob, ct: ct);

        var manifestDigest = Digest.Sha256(manifest);
        content.Put(manifestDigest, manifest);
        var record = store.Get(configDigest.ToString()) ?? new ImageRecord { Id = configDigest.ToString(), Pulled = DateTimeOffset.UtcNow };
        record.ManifestDigest = manifestDigest.ToString();
        record.ManifestMediaType = manifestMediaType;
        record.LayerDigests = layerBlobs.Select(l => l.Digest.ToString()).ToList();
        record.Size = layerBlobs.Sum(l => l.Size);
        store.Save(record);
        return record;
    }

    /// <summary>Refused before anything is stored, by callers that know the count early, and again here.</summary>
    public static void CheckLayerCount(int count)
    {
        if (count > MaxLayers)
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid image: {count} layers, more than the {MaxLayers} an overlay can stack");
    }

    /// <summary>Copies a verified file into the content store (the store checks the digest again on commit).</summary>
    public void Store(string path, Digest digest, CancellationToken ct)
    {
        if (content.Exists(digest)) return;
        // Keyed by digest: what a crash left of the same copy is resumed, not left behind.
        using var ingest = content.OpenIngest($"local-{digest}", digest, new FileInfo(path).Length);
        using (var f = File.OpenRead(path))
        {
            f.Position = ingest.Offset;
            ingest.CopyFromAsync(f, ct).GetAwaiter().GetResult();
        }
        ingest.Commit();
    }
}
