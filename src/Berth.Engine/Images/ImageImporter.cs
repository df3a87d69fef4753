using System.Formats.Tar;
using System.Text.Json;
using Berth.Content;
using Berth.Core;
using Berth.Distribution;

namespace Berth.Engine.Images;

/// <summary>What docker import asks for besides the tar: the history message, --change instructions, a platform.</summary>
public sealed record ImportOptions(string? Message, IReadOnlyList<string> Changes, Platform? Platform);

/// <summary>An uploaded root filesystem, decompressed into a temp file and hashed; disposing removes the file.</summary>
internal sealed class ReceivedLayer(string path, Digest digest, long size) : IDisposable
{
    public string Path { get; } = path;
    /// <summary>The digest of the uncompressed tar: both the layer blob's digest and its diff id.</summary>
    public Digest Digest { get; } = digest;
    public long Size { get; } = size;
    public void Dispose() => File.Delete(Path);
}

/// <summary>
/// docker import: a root filesystem tar (plain, gzip or zstd) becomes a one-layer image. The upload is decompressed
/// into a temp file while it is hashed and checked to be a tar (<see cref="Receive"/>, no lock held); then it is
/// stored in the content store (verified again on commit) and given a new config with the --change instructions.
/// </summary>
internal sealed class ImageImporter(ContentStore content, ImageCommitter committer, string tempRoot)
{
    public ReceivedLayer Receive(Stream input, long maxBytes)
    {
        string file = Path.Combine(tempRoot, "import-" + Guid.NewGuid().ToString("N"));
        try
        {
            Digest digest;
            using (var tar = Compression.Decompressed(input, leaveOpen: true))
            using (var f = File.Create(file))
            using (var hashing = new DigestingStream(f, limit: maxBytes, leaveOpen: true))
            {
                try { tar.CopyTo(hashing); }
                catch (InvalidDataException e) { throw NotATar(e.Message); }
                f.Flush(flushToDisk: true);
                digest = hashing.Digest;
            }
            var layer = new ReceivedLayer(file, digest, new FileInfo(file).Length);
            CheckIsTar(layer);
            return layer;
        }
        catch
        {
            File.Delete(file);
            throw;
        }
    }

    /// <summary>The caller holds the lock against garbage collection: the blob is unreferenced until the record is written.</summary>
    public ImageRecord Import(ReceivedLayer layer, ContainerDefaults defaults, ImportOptions options, CancellationToken ct)
    {
        committer.Store(layer.Path, layer.Digest, ct);
        var now = DateTimeOffset.UtcNow;
        var platform = options.Platform ?? Platform.Current;
        string message = string.IsNullOrEmpty(options.Message) ? "Imported from -" : options.Message;
        var config = new ImageConfig
        {
            Created = now,
            Architecture = platform.Architecture,
            Os = platform.Os,
            Variant = platform.Variant,
            Comment = message,
            Config = defaults,
            RootFs = new RootFs { DiffIds = [layer.Digest.ToString()] },
            History = [new HistoryEntry { Created = now, Comment = message }],
        };
        byte[] configBytes = JsonSerializer.SerializeToUtf8Bytes(config, EngineJsonContext.Default.ImageConfig);
        var configRef = new BlobRef(MediaTypes.DockerConfig, Digest.Sha256(configBytes), configBytes.Length);
        content.Put(configRef.Digest, configBytes);
        var layers = new[] { new BlobRef(ImageDocuments.DockerLayer, layer.Digest, layer.Size) };
        byte[] manifest = ImageDocuments.Manifest(MediaTypes.DockerManifest, configRef, layers);
        return committer.Commit(configRef.Digest, layers, manifest, MediaTypes.DockerManifest, ct);
    }

    /// <summary>Walks the headers (the file is seekable, so data is skipped): anything but a tar is refused here.</summary>
    private static void CheckIsTar(ReceivedLayer layer)
    {
        if (layer.Size == 0) throw new BerthException(ErrorKind.InvalidArgument, "import: the input is empty, not a tar archive");
        try
        {
            using var f = File.OpenRead(layer.Path);
            using var reader = new TarReader(f);
            while (reader.GetNextEntry(copyData: false) is not null) { }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
        {
            throw NotATar(e.Message);
        }
    }

    private static BerthException NotATar(string detail) =>
        new(ErrorKind.InvalidArgument, $"import: the input is not a tar archive (plain, gzip or zstd): {detail}");
}
