using Berth.Core;
using Berth.Distribution;
using Berth.Images;
using Berth.Oci.Image;
using Berth.Snapshots;

namespace Berth.Engine.Images;

public sealed partial class ImageService
{
    /// <summary>Layers downloaded at once, as dockerd's default max-concurrent-downloads.</summary>
    private const int ParallelDownloads = 3;

    /// <summary>
    /// The layers of a pull: the missing ones are downloaded side by side into the content store, and each is
    /// unpacked, bottom first, as soon as its parent is, while its own bytes are still arriving (read from the
    /// ingest file as it grows). The snapshot becomes visible only once its diff id matches the image config
    /// (whose own digest is checked), and the pull succeeds only once every blob matches its digest too.
    /// Returns the layers' compressed size.
    /// </summary>
    private async Task<long> FetchAndUnpackLayersAsync(ImageReference reference, IReadOnlyList<Descriptor> layers,
        IReadOnlyList<Digest> diffIds, IPullProgress progress, CancellationToken ct)
    {
        var chains = LayerStore.ChainIds(diffIds);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var slots = new SemaphoreSlim(ParallelDownloads);
        var downloads = new Task?[layers.Count];
        var follows = new BlobDownload?[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            string shortId = layers[i].Digest.Encoded[..12];
            if (_layers.Has(chains[i]))
            {
                progress.Status("Already exists", shortId);
                continue;
            }
            progress.Status("Pulling fs layer", shortId);
            var layer = layers[i];
            var follow = follows[i] = new BlobDownload(layer.Size);
            downloads[i] = Task.Run(async () =>
            {
                try
                {
                    await slots.WaitAsync(stop.Token);
                    try { await FetchAsync(reference, layer, shortId, progress, stop.Token, follow); }
                    finally { slots.Release(); }
                    follow.Finish(null);
                }
                catch (Exception e)
                {
                    follow.Finish(e);
                    throw;
                }
            }, CancellationToken.None);
        }
        try
        {
            long size = 0;
            for (int i = 0; i < layers.Count; i++)
            {
                size += layers[i].Size;
                if (downloads[i] is not { } download) continue;
                string shortId = layers[i].Digest.Encoded[..12];
                var handle = await follows[i]!.Started;
                progress.Status("Extracting", shortId);
                using (Stream blob = handle is null ? _content.OpenRead(layers[i].Digest) : new FollowingReader(follows[i]!, handle, stop.Token))
                    _layers.Unpack(i == 0 ? null : chains[i - 1], diffIds[i], blob, ct: stop.Token);
                await download; // its digest checked, the blob stored
                progress.Status("Pull complete", shortId);
            }
            return size;
        }
        finally
        {
            // On failure, the other downloads stop; none may outlive the pull (they write to its progress stream).
            stop.Cancel();
            try { await Task.WhenAll(downloads.OfType<Task>()); }
            catch (Exception) when (stop.IsCancellationRequested) { }
        }
    }
}
