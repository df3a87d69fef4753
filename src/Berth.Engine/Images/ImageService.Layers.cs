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
    /// The layers of a pull: the missing ones are downloaded side by side (each verified into the content
    /// store), and each is unpacked as soon as it and its parent are in, bottom first, so that unpacking
    /// overlaps the downloads above it. Returns the layers' compressed size.
    /// </summary>
    private async Task<long> FetchAndUnpackLayersAsync(ImageReference reference, IReadOnlyList<Descriptor> layers,
        IReadOnlyList<Digest> diffIds, IPullProgress progress, CancellationToken ct)
    {
        var chains = LayerStore.ChainIds(diffIds);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var slots = new SemaphoreSlim(ParallelDownloads);
        var downloads = new Task?[layers.Count];
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
            downloads[i] = Task.Run(async () =>
            {
                await slots.WaitAsync(stop.Token);
                try { await FetchAsync(reference, layer, shortId, progress, stop.Token); }
                finally { slots.Release(); }
            }, stop.Token);
        }
        try
        {
            long size = 0;
            for (int i = 0; i < layers.Count; i++)
            {
                size += layers[i].Size;
                if (downloads[i] is not { } download) continue;
                await download;
                string shortId = layers[i].Digest.Encoded[..12];
                progress.Status("Extracting", shortId);
                using (var blob = _content.OpenRead(layers[i].Digest))
                    _layers.Unpack(i == 0 ? null : chains[i - 1], diffIds[i], blob, ct: ct);
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
