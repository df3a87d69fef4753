using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Berth.Archive;
using Berth.Content;
using Berth.Core;
using Berth.Images;
using Berth.Snapshots;

namespace Berth.Engine.Images;

/// <summary>
/// docker save / docker load: the docker-archive format (manifest.json naming each image's config and its
/// uncompressed layer tars, paths blobs/sha256/&lt;hex&gt;), as `docker load` and skopeo's docker-archive: read it.
/// </summary>
internal sealed class ImageArchive(ContentStore content, LayerStore layers, ImageStore store, string tempRoot)
{
    private const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    private const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    private const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    private const long MaxJsonBytes = 8 << 20;

    public void Save(IReadOnlyList<(ImageRecord Image, IReadOnlyList<string> Tags)> images, Stream output)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var written = new HashSet<string>(StringComparer.Ordinal);
        var manifest = new List<(string Config, IReadOnlyList<string> Tags, List<string> Layers)>();
        string tmp = Directory.CreateDirectory(Path.Combine(tempRoot, "save-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            foreach (var (image, tags) in images)
            {
                var configDigest = Digest.Parse(image.Id);
                string configPath = $"blobs/sha256/{configDigest.Encoded}";
                if (written.Add(configPath)) AddBlob(tar, configPath, content.OpenRead(configDigest));
                var layerPaths = new List<string>();
                foreach (string layer in image.LayerDigests)
                {
                    // docker-archive layers are uncompressed tars, named by their diff id.
                    string file = Path.Combine(tmp, Guid.NewGuid().ToString("N"));
                    Digest diffId;
                    using (var blob = Decompressed(content.OpenRead(Digest.Parse(layer))))
                    using (var f = File.Create(file))
                    using (var hashing = new DigestingStream(f, leaveOpen: true))
                    {
                        blob.CopyTo(hashing);
                        diffId = hashing.Digest;
                    }
                    string path = $"blobs/sha256/{diffId.Encoded}";
                    if (written.Add(path)) AddBlob(tar, path, File.OpenRead(file));
                    File.Delete(file);
                    layerPaths.Add(path);
                }
                manifest.Add((configPath, tags, layerPaths));
            }
            AddBlob(tar, "manifest.json", new MemoryStream(ManifestJson(manifest)));
        }
        finally { Directory.Delete(tmp, recursive: true); }
    }

    private static byte[] ManifestJson(List<(string Config, IReadOnlyList<string> Tags, List<string> Layers)> images)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartArray();
            foreach (var (config, tags, layerPaths) in images)
            {
                w.WriteStartObject();
                w.WriteString("Config", config);
                w.WriteStartArray("RepoTags");
                foreach (string t in tags) w.WriteStringValue(t);
                w.WriteEndArray();
                w.WriteStartArray("Layers");
                foreach (string l in layerPaths) w.WriteStringValue(l);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return ms.ToArray();
    }

    private static void AddBlob(TarWriter tar, string name, Stream data)
    {
        using (data)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data, Mode = (UnixFileMode)Convert.ToInt32("644", 8) });
    }

    private static Stream Decompressed(Stream blob)
    {
        var buffered = new BufferedStream(blob, 1 << 16);
        Span<byte> magic = stackalloc byte[4];
        int n = buffered.Read(magic);
        var start = new MemoryStream(magic[..n].ToArray());
        Stream whole = new ConcatStream(start, buffered);
        if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return new GZipStream(whole, CompressionMode.Decompress);
        if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) return new ZstdDecompressionStream(whole);
        return whole;
    }

    /// <summary>
    /// Imports every image of a docker-archive. The tar is unpacked (regular files only, names checked) into
    /// a temp dir; each layer's digest must equal the diff id its config declares before it is unpacked,
    /// and an image becomes visible only when all its parts are in place. Returns what docker prints.
    /// </summary>
    public List<string> Load(Stream input, long maxBytes, CancellationToken ct)
    {
        string tmp = Directory.CreateDirectory(Path.Combine(tempRoot, "load-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            var files = ExtractFiles(input, tmp, maxBytes);
            if (!files.TryGetValue("manifest.json", out string? manifestPath))
                throw new BerthException(ErrorKind.InvalidArgument, "invalid archive: no manifest.json (only docker-archive tars can be loaded)");
            var loaded = new List<string>();
            using var doc = JsonDocument.Parse(ReadBounded(manifestPath));
            foreach (var entry in doc.RootElement.EnumerateArray())
                loaded.AddRange(LoadOne(entry, files, ct));
            return loaded;
        }
        catch (JsonException e) { throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive manifest.json: {e.Message}"); }
        finally { Directory.Delete(tmp, recursive: true); }
    }

    private IEnumerable<string> LoadOne(JsonElement entry, Dictionary<string, string> files, CancellationToken ct)
    {
        string File(string name) => files.TryGetValue(name.TrimStart('/'), out var f) ? f
            : throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: {name} is named in manifest.json but missing");
        byte[] config = ReadBounded(File(entry.GetProperty("Config").GetString() ?? ""));
        var configDigest = Digest.Sha256(config);
        var imageConfig = JsonSerializer.Deserialize(config, EngineJsonContext.Default.ImageConfig)
            ?? throw new BerthException(ErrorKind.InvalidArgument, "invalid archive: empty image config");
        var diffIds = imageConfig.RootFs.DiffIds.Select(Digest.Parse).ToList();
        var layerFiles = entry.GetProperty("Layers").EnumerateArray().Select(l => File(l.GetString() ?? "")).ToList();
        if (layerFiles.Count != diffIds.Count)
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: {layerFiles.Count} layers for a config with {diffIds.Count}");

        content.Put(configDigest, config);
        Digest? parent = null;
        var layerDescriptors = new List<(Digest Digest, long Size)>();
        for (int i = 0; i < layerFiles.Count; i++)
        {
            long size = new FileInfo(layerFiles[i]).Length;
            Digest blob;
            using (var f = System.IO.File.OpenRead(layerFiles[i])) blob = Digest.Sha256(f);
            if (!content.Exists(blob))
            {
                using var ingest = content.OpenIngest("load-" + blob, blob, size);
                using (var f = System.IO.File.OpenRead(layerFiles[i])) ingest.CopyFromAsync(f, ct).GetAwaiter().GetResult();
                ingest.Commit();
            }
            using (var f = content.OpenRead(blob)) parent = layers.Unpack(parent, diffIds[i], f, ct: ct);
            layerDescriptors.Add((blob, size));
        }

        byte[] manifest = ManifestFor(configDigest, config.Length, layerDescriptors);
        var manifestDigest = Digest.Sha256(manifest);
        content.Put(manifestDigest, manifest);
        var record = store.Get(configDigest.ToString()) ?? new ImageRecord { Id = configDigest.ToString(), Pulled = DateTimeOffset.UtcNow };
        record.ManifestDigest = manifestDigest.ToString();
        record.ManifestMediaType = DockerManifest;
        record.LayerDigests = layerDescriptors.Select(l => l.Digest.ToString()).ToList();
        record.Size = layerDescriptors.Sum(l => l.Size);
        store.Save(record);

        var tags = entry.TryGetProperty("RepoTags", out var t) && t.ValueKind == JsonValueKind.Array
            ? t.EnumerateArray().Select(x => x.GetString() ?? "").Where(x => x.Length > 0).ToList() : [];
        foreach (string tag in tags)
        {
            if (!ImageReference.TryParseNormalized(tag, out var reference, out string? error) || reference is null)
                throw new BerthException(ErrorKind.InvalidArgument, error ?? $"invalid reference format: {tag}");
            store.Tag(reference, record.Id);
            yield return $"Loaded image: {reference.FamiliarString}";
        }
        if (tags.Count == 0) yield return $"Loaded image ID: {record.Id}";
    }

    private static byte[] ManifestFor(Digest config, long configSize, List<(Digest Digest, long Size)> layerBlobs)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", DockerManifest);
            w.WriteStartObject("config");
            w.WriteString("mediaType", DockerConfig);
            w.WriteNumber("size", configSize);
            w.WriteString("digest", config.ToString());
            w.WriteEndObject();
            w.WriteStartArray("layers");
            foreach (var (d, size) in layerBlobs)
            {
                w.WriteStartObject();
                w.WriteString("mediaType", DockerLayer);
                w.WriteNumber("size", size);
                w.WriteString("digest", d.ToString());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>Regular files only, names without ".." or absolute paths, a total size bound: nothing outside tmp.</summary>
    private static Dictionary<string, string> ExtractFiles(Stream input, string tmp, long maxBytes)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = new TarReader(input, leaveOpen: true);
        long total = 0;
        int index = 0;
        while (reader.GetNextEntry() is { } e)
        {
            if (e.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            string name = e.Name.TrimStart('.', '/');
            if (name.Length == 0 || name.Split('/').Any(p => p is ".." or "") || name.Contains('\0'))
                throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: bad entry name \"{e.Name}\"");
            total += e.Length;
            if (total > maxBytes) throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: larger than {maxBytes} bytes");
            string path = Path.Combine(tmp, (index++).ToString(System.Globalization.CultureInfo.InvariantCulture));
            using (var f = File.Create(path)) e.DataStream?.CopyTo(f);
            files[name] = path;
        }
        return files;
    }

    private static byte[] ReadBounded(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxJsonBytes) throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: a JSON file of {info.Length} bytes");
        return File.ReadAllBytes(path);
    }

    /// <summary>Two streams read one after the other (the sniffed magic bytes, then the rest).</summary>
    private sealed class ConcatStream(Stream first, Stream second) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = first.Read(buffer, offset, count);
            return n > 0 ? n : second.Read(buffer, offset, count);
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) { first.Dispose(); second.Dispose(); }
            base.Dispose(disposing);
        }
    }
}
