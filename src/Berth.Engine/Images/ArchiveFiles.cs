using System.Formats.Tar;
using System.Globalization;
using Berth.Archive;
using Berth.Core;

namespace Berth.Engine.Images;

/// <summary>
/// The regular files of an image archive, unpacked into a temp dir under numbered names (so no entry name is
/// ever a path on disk), looked up by their name in the archive. Disposing removes the temp dir.
/// </summary>
internal sealed class ArchiveFiles : IDisposable
{
    private const long MaxJsonBytes = 8 << 20;
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private readonly string _dir;

    private ArchiveFiles(string dir) => _dir = dir;

    /// <summary>Regular files only, names without ".." or absolute paths, a total size bound: nothing outside the temp dir.</summary>
    public static ArchiveFiles Extract(Stream input, string tempRoot, long maxBytes)
    {
        var result = new ArchiveFiles(Directory.CreateDirectory(Path.Combine(tempRoot, "load-" + Guid.NewGuid().ToString("N"))).FullName);
        try
        {
            result.ExtractFrom(input, maxBytes);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private void ExtractFrom(Stream input, long maxBytes)
    {
        long total = 0;
        try
        {
            // docker load also takes a gzip or zstd compressed archive (docker save | gzip).
            using var reader = new TarReader(Decompression.Open(input, "load", leaveOpen: true));
            while (reader.GetNextEntry() is { } e)
            {
                if (e.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                string name = e.Name.TrimStart('.', '/');
                if (name.Length == 0 || name.Split('/').Any(p => p is ".." or "") || name.Contains('\0'))
                    throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: bad entry name \"{e.Name}\"");
                total += e.Length;
                if (total > maxBytes) throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: larger than {maxBytes} bytes");
                string path = Path.Combine(_dir, _files.Count.ToString(CultureInfo.InvariantCulture));
                using (var f = File.Create(path)) e.DataStream?.CopyTo(f);
                _files[name] = path;
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: not a tar file ({e.Message})");
        }
    }

    public bool Has(string name) => _files.ContainsKey(name);

    /// <summary>The file's path on disk; InvalidArgument naming what refers to it when it is missing.</summary>
    public string PathOf(string name, string referrer)
    {
        string key = name.TrimStart('.', '/');
        return _files.TryGetValue(key, out var f) ? f
            : throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: {name} is named in {referrer} but missing");
    }

    /// <summary>A small JSON document, read whole (bounded).</summary>
    public byte[] ReadJson(string name, string referrer)
    {
        string path = PathOf(name, referrer);
        long length = new FileInfo(path).Length;
        if (length > MaxJsonBytes) throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: {name} is {length} bytes, too large for a JSON document");
        return File.ReadAllBytes(path);
    }

    /// <summary>
    /// A file's digest, checked against the digest its name claims ("blobs/sha256/&lt;hex&gt;", or the older
    /// "&lt;hex&gt;.json"): a corrupted blob is refused here, before anything is stored.
    /// </summary>
    public Digest VerifiedDigest(string name, string referrer, Digest? expected = null)
    {
        string path = PathOf(name, referrer);
        Digest actual;
        using (var f = File.OpenRead(path)) actual = Digest.Sha256(f);
        var claimed = expected ?? DigestInName(name);
        if (claimed is { } c && c != actual)
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid archive: {name} is corrupt: its digest is {actual}, expected {c}");
        return actual;
    }

    private static Digest? DigestInName(string name)
    {
        string[] parts = name.TrimStart('.', '/').Split('/');
        if (parts.Length == 3 && parts[0] == "blobs" && Digest.TryParse($"{parts[1]}:{parts[2]}", out var d)) return d;
        string file = parts[^1];
        if (file.EndsWith(".json", StringComparison.Ordinal) && Digest.TryParse("sha256:" + file[..^5], out var legacy)) return legacy;
        return null;
    }
}
