using System.Formats.Tar;
using System.Text.Json;
using Berth.Archive;
using Berth.Content;
using Berth.Core;
using Berth.Distribution;
using Berth.Images;
using Berth.Oci.Image;

namespace Berth.Engine.Images;

/// <summary>
/// docker save: one tar that is both a docker-archive (manifest.json, repositories) and an OCI image layout
/// (oci-layout, index.json, blobs/sha256/...), as Docker 25+ writes it, so that `docker load` of any version,
/// skopeo's docker-archive: and oci: transports, and containerd all read it. Layers are written uncompressed,
/// named by their diff id; the OCI manifests are made here (the stored ones may name compressed blobs).
/// </summary>
internal sealed class ImageArchiveWriter(ContentStore content, string tempRoot)
{
    private const long MaxConfigBytes = 8 << 20;
    private static readonly UnixFileMode FileMode = (UnixFileMode)Convert.ToInt32("644", 8);
    private static readonly UnixFileMode DirMode = (UnixFileMode)Convert.ToInt32("755", 8);

    public void Save(IReadOnlyList<(ImageRecord Image, IReadOnlyList<ImageReference> Names)> images, Stream output)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (string dir in (string[])["blobs/", "blobs/sha256/"])
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, dir) { Mode = DirMode });
        var written = new HashSet<Digest>();
        var writtenLayers = new Dictionary<Digest, BlobRef>(); // by diff id: a base layer shared by several images is written once
        var archived = new List<ArchivedImage>();
        var index = new List<(BlobRef, string?, string?)>();
        var repositories = new List<(string, string, string)>();
        string tmp = Directory.CreateDirectory(Path.Combine(tempRoot, "save-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            foreach (var (image, names) in images)
            {
                var configDigest = Digest.Parse(image.Id);
                var config = new BlobRef(MediaTypes.OciConfig, configDigest, content.SizeOf(configDigest) ?? 0);
                if (written.Add(configDigest)) AddFile(tar, BlobPath(configDigest), content.OpenRead(configDigest));
                var diffIds = ConfigDiffIds(configDigest);
                if (diffIds.Count != image.LayerDigests.Count)
                    throw new BerthException(ErrorKind.Internal, $"image {image.Id}: {image.LayerDigests.Count} layer blobs for {diffIds.Count} diff ids");
                var layers = image.LayerDigests.Select((l, i) => WriteLayer(tar, Digest.Parse(l), diffIds[i], tmp, writtenLayers)).ToList();

                byte[] manifest = ImageDocuments.Manifest(MediaTypes.OciManifest, config, layers);
                var manifestRef = new BlobRef(MediaTypes.OciManifest, Digest.Sha256(manifest), manifest.Length);
                if (written.Add(manifestRef.Digest)) AddFile(tar, BlobPath(manifestRef.Digest), new MemoryStream(manifest));

                if (names.Count == 0) index.Add((manifestRef, null, null));
                foreach (var name in names)
                {
                    index.Add((manifestRef, name.Canonical, name.Tag));
                    if (layers.Count > 0) repositories.Add((name.WithoutTag().FamiliarString, name.Tag ?? "latest", layers[^1].Digest.Encoded));
                }
                archived.Add(new ArchivedImage(BlobPath(configDigest), layers.Select(l => BlobPath(l.Digest)).ToList(),
                    names.Select(n => n.FamiliarString).ToList()));
            }
            AddFile(tar, "index.json", new MemoryStream(ImageDocuments.Index(index)));
            AddFile(tar, "manifest.json", new MemoryStream(ImageDocuments.ArchiveManifest(archived)));
            AddFile(tar, "oci-layout", new MemoryStream(ImageDocuments.OciLayoutFile()));
            if (repositories.Count > 0) AddFile(tar, "repositories", new MemoryStream(ImageDocuments.Repositories(repositories)));
        }
        finally { Directory.Delete(tmp, recursive: true); }
    }

    /// <summary>
    /// A layer uncompressed, named by its diff id. It goes through a temp file first: a tar entry's size must
    /// be known before its data. The bytes must hash to the diff id the config declares, or the store is damaged.
    /// </summary>
    private BlobRef WriteLayer(TarWriter tar, Digest blob, Digest diffId, string tmp, Dictionary<Digest, BlobRef> written)
    {
        if (written.TryGetValue(diffId, out var done)) return done;
        string file = Path.Combine(tmp, blob.Encoded);
        using (var compressed = Decompression.Open(content.OpenRead(blob), "save"))
        using (var f = File.Create(file))
        using (var hashing = new DigestingStream(f, leaveOpen: true))
        {
            compressed.CopyTo(hashing);
            if (hashing.Digest != diffId)
                throw new BerthException(ErrorKind.Internal, $"stored layer {blob} unpacks to {hashing.Digest}, not the diff id {diffId} its image names");
        }
        var layer = new BlobRef(MediaTypes.OciLayer, diffId, new FileInfo(file).Length);
        AddFile(tar, BlobPath(diffId), File.OpenRead(file));
        File.Delete(file);
        written[diffId] = layer;
        return layer;
    }

    private List<Digest> ConfigDiffIds(Digest config) =>
        (JsonSerializer.Deserialize(content.ReadAllBytes(config, MaxConfigBytes), EngineJsonContext.Default.ImageConfig)?.RootFs.DiffIds ?? [])
            .Select(Digest.Parse).ToList();

    public static string BlobPath(Digest d) => $"blobs/{d.Algorithm}/{d.Encoded}";

    private static void AddFile(TarWriter tar, string name, Stream data)
    {
        using (data)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data, Mode = FileMode });
    }
}
