using System.Formats.Tar;
using System.Text.Json;
using Berth.Archive;
using Berth.Content;
using Berth.Core;
using Berth.Distribution;
using Berth.Oci.Image;

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
/// into a temp file while it is hashed and read as a tar (<see cref="Receive"/>, no lock held); then it is
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
            using (var tar = Decompression.Open(input, "import", leaveOpen: true))
            using (var f = File.Create(file))
            using (var hashing = new DigestingStream(f, limit: maxBytes, leaveOpen: true))
            {
                ReadTar(new TeeStream(tar, hashing));
                f.Flush(flushToDisk: true);
                digest = hashing.Digest;
            }
            long size = new FileInfo(file).Length;
            if (size == 0) throw new BerthException(ErrorKind.InvalidArgument, "import: the input is empty, not a tar archive");
            return new ReceivedLayer(file, digest, size);
        }
        catch
        {
            File.Delete(file);
            throw;
        }
    }

    /// <summary>
    /// Reads the upload as a tar while it is copied to the temp file, so anything else is refused as it arrives.
    /// What follows the end-of-archive marker belongs to the layer (it is hashed), but only up to a bound: an empty
    /// tar followed by gigabytes of zeros must not fill the disk (CVE-2017-14992).
    /// </summary>
    private static void ReadTar(TeeStream upload)
    {
        try
        {
            using var reader = new TarReader(upload, leaveOpen: true);
            while (reader.GetNextEntry(copyData: false) is not null) { } // unread data is read through to the next header
        }
        catch (EndOfStreamException) when (upload.BytesRead == 0) { return; } // empty: refused by the caller
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
        {
            throw NotATar(e.Message);
        }
        long end = upload.BytesRead;
        long maxTrailing = LayerApplyOptions.Default.MaxTrailingBytes;
        byte[] buffer = new byte[1 << 16];
        while (upload.Read(buffer) > 0)
            if (upload.BytesRead - end > maxTrailing)
                throw new BerthException(ErrorKind.InvalidArgument, $"import: more than {maxTrailing} bytes follow the end of the tar archive");
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

    private static BerthException NotATar(string detail) =>
        new(ErrorKind.InvalidArgument, $"import: the input is not a tar archive (plain, gzip or zstd): {detail}");

    /// <summary>A read-only stream that copies every byte it reads from <c>source</c> to <c>sink</c>.</summary>
    private sealed class TeeStream(Stream source, Stream sink) : ReadOnlyStream
    {
        public long BytesRead { get; private set; }
        public override int Read(Span<byte> buffer)
        {
            int n = source.Read(buffer);
            sink.Write(buffer[..n]);
            BytesRead += n;
            return n;
        }
    }
}
