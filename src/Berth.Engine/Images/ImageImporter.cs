using System.Formats.Tar;
using System.Text.Json;
using Berth.Content;
using Berth.Core;
using Berth.Distribution;

namespace Berth.Engine.Images;

/// <summary>What docker import asks for besides the tar: the history message, --change instructions, a platform.</summary>
public sealed record ImportOptions(string? Message, IReadOnlyList<string> Changes, Platform? Platform);

/// <summary>
/// docker import: a root filesystem tar (plain, gzip or zstd) becomes a one-layer image. The tar is decompressed
/// into a temp file while it is hashed (its digest is both the layer blob's and the diff id), checked to be a tar,
/// stored in the content store (verified again on commit), and given a new config with the --change instructions.
/// </summary>
internal sealed class ImageImporter(ContentStore content, ImageCommitter committer, string tempRoot)
{
    public ImageRecord Import(Stream input, ImportOptions options, long maxBytes, CancellationToken ct)
    {
        // Parse the changes first: a bad --change fails before the upload is read.
        var defaults = new ContainerDefaults();
        DockerfileChanges.Apply(defaults, options.Changes);

        string file = Path.Combine(tempRoot, "import-" + Guid.NewGuid().ToString("N"));
        try
        {
            Digest layer;
            using (var tar = Compression.Decompressed(input))
            using (var f = File.Create(file))
            using (var hashing = new DigestingStream(f, limit: maxBytes, leaveOpen: true))
            {
                try { tar.CopyTo(hashing); }
                catch (InvalidDataException e) { throw NotATar(e.Message); }
                f.Flush(flushToDisk: true);
                layer = hashing.Digest;
            }
            long size = new FileInfo(file).Length;
            CheckIsTar(file, size);
            committer.Store(file, layer, ct);

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
                RootFs = new RootFs { DiffIds = [layer.ToString()] },
                History = [new HistoryEntry { Created = now, Comment = message }],
            };
            byte[] configBytes = JsonSerializer.SerializeToUtf8Bytes(config, EngineJsonContext.Default.ImageConfig);
            var configRef = new BlobRef(MediaTypes.DockerConfig, Digest.Sha256(configBytes), configBytes.Length);
            content.Put(configRef.Digest, configBytes);
            var layers = new[] { new BlobRef(ImageDocuments.DockerLayer, layer, size) };
            byte[] manifest = ImageDocuments.Manifest(MediaTypes.DockerManifest, configRef, layers);
            return committer.Commit(configRef.Digest, layers, manifest, MediaTypes.DockerManifest, ct);
        }
        finally { File.Delete(file); }
    }

    /// <summary>Walks the headers (the file is seekable, so data is skipped): anything but a tar is refused here.</summary>
    private static void CheckIsTar(string file, long size)
    {
        if (size == 0) throw new BerthException(ErrorKind.InvalidArgument, "import: the input is empty, not a tar archive");
        try
        {
            using var f = File.OpenRead(file);
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
