using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using Berth.Core;
using Berth.Interop;

namespace Berth.Content;

/// <summary>What <see cref="ContentStore.Sweep"/> removed.</summary>
public sealed record GcResult(IReadOnlyList<Digest> RemovedBlobs, long BytesFreed, IReadOnlyList<string> RemovedIngests);

/// <summary>An ingest on disk, finished or not.</summary>
public sealed record IngestStatus(string Key, Digest Expected, long Offset, long Total, DateTime UpdatedAtUtc);

/// <summary>
/// A content-addressable blob store, containerd's local store re-expressed:
/// <c>&lt;root&gt;/content/blobs/&lt;algorithm&gt;/&lt;hex&gt;</c> holds verified, read-only (0444) blobs;
/// <c>&lt;root&gt;/content/ingest/&lt;sha256(key)&gt;/</c> holds one in-progress write each
/// (<c>lock</c>, <c>meta</c>, <c>data</c>).
/// </summary>
/// <remarks>
/// A blob becomes visible only by link(2) of fsynced data whose size and digest were checked, so a
/// crash at any point leaves either no blob or a complete one. Every digest is validated before it
/// is turned into a path (SECURITY-CASES 3B.10). Size limits on what is worth storing are the caller's;
/// the store only enforces each ingest's declared size.
/// </remarks>
public sealed class ContentStore
{
    private const UnixFileMode BlobMode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode PrivateDirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The default age after which <see cref="Sweep"/> removes an abandoned ingest.</summary>
    public static readonly TimeSpan DefaultStaleIngestAge = TimeSpan.FromHours(24);

    public ContentStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        ContentDir = Path.Combine(Root, "content");
        BlobsDir = Path.Combine(ContentDir, "blobs");
        IngestDir = Path.Combine(ContentDir, "ingest");
        Directory.CreateDirectory(ContentDir, DirMode);
        Directory.CreateDirectory(BlobsDir, DirMode);
        Directory.CreateDirectory(IngestDir, PrivateDirMode);
    }

    public string Root { get; }
    internal string ContentDir { get; }
    internal string BlobsDir { get; }
    internal string IngestDir { get; }

    /// <summary>The path a blob lives at. Throws InvalidArgument for a malformed digest.</summary>
    public string BlobPath(Digest digest)
    {
        RequireValid(digest);
        return Path.Combine(BlobsDir, digest.Algorithm, digest.Encoded);
    }

    public bool Exists(Digest digest) => File.Exists(BlobPath(digest));

    /// <summary>The blob's size in bytes, or null if it is not stored.</summary>
    public long? SizeOf(Digest digest)
    {
        var info = new FileInfo(BlobPath(digest));
        return info.Exists ? info.Length : null;
    }

    /// <summary>Opens a blob for reading; NotFound if it is not stored.</summary>
    public Stream OpenRead(Digest digest)
    {
        string path = BlobPath(digest);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NotFound(digest);
        }
    }

    /// <summary>
    /// Reads a whole blob that is expected to be small (a manifest, an index, a config): InvalidArgument if it is
    /// larger than <paramref name="maxSize"/>, so an oversized document is refused before it is read (3E.26).
    /// </summary>
    public byte[] ReadAllBytes(Digest digest, long maxSize)
    {
        using Stream s = OpenRead(digest);
        long length = s.Length;
        if (length > maxSize)
            throw new BerthException(ErrorKind.InvalidArgument, $"content {digest} is {length} bytes, more than the {maxSize} allowed");
        byte[] bytes = new byte[length];
        s.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Re-hashes a stored blob and reports whether it still matches its name.</summary>
    public bool Verify(Digest digest)
    {
        using Stream s = OpenRead(digest);
        using var hash = Digest.CreateHasher(digest.Algorithm);
        byte[] buffer = new byte[1 << 16];
        int n;
        while ((n = s.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
        return Digest.FromHash(digest.Algorithm, hash.GetHashAndReset()) == digest;
    }

    /// <summary>
    /// Starts or resumes the ingest named <paramref name="key"/> of a blob expected to have
    /// <paramref name="expected"/> digest and <paramref name="expectedSize"/> bytes.
    /// Partial data from an interrupted ingest of the same key and expectation is kept, rehashed,
    /// and reported as <see cref="IngestWriter.Offset"/>; partial data for a different expectation is discarded.
    /// Unavailable if another writer (in any process) holds the key.
    /// </summary>
    public IngestWriter OpenIngest(string key, Digest expected, long expectedSize)
    {
        ValidateKey(key);
        RequireValid(expected);
        if (expectedSize < 0)
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid expected size {expectedSize} for {expected}");

        string dir = IngestPath(key);
        IngestLock lck = IngestLock.TryAcquire(dir, create: true)
            ?? throw new BerthException(ErrorKind.Unavailable, $"ingest \"{key}\" is locked by another writer");
        try
        {
            return IngestWriter.Open(this, lck, key, expected, expectedSize);
        }
        catch
        {
            lck.Dispose();
            throw;
        }
    }

    /// <summary>Stores <paramref name="data"/> as a blob, verifying it is <paramref name="expected"/>. False if it was already stored.</summary>
    public bool Put(Digest expected, ReadOnlySpan<byte> data)
    {
        using IngestWriter w = OpenIngest($"put-{expected}-{Guid.NewGuid():N}", expected, data.Length);
        w.Write(data);
        return w.Commit();
    }

    /// <summary>Removes a blob; NotFound if it is not stored.</summary>
    public void Delete(Digest digest)
    {
        string path = BlobPath(digest);
        if (!File.Exists(path)) throw NotFound(digest);
        File.Delete(path);
    }

    /// <summary>Every stored blob and its size. Files whose names are not digests are ignored.</summary>
    public IEnumerable<(Digest Digest, long Size)> List()
    {
        foreach (string algorithm in (string[])[Digest.Sha256Algorithm, Digest.Sha512Algorithm])
        {
            string dir = Path.Combine(BlobsDir, algorithm);
            if (!Directory.Exists(dir)) continue;
            foreach (FileInfo f in new DirectoryInfo(dir).EnumerateFiles())
            {
                if (!Digest.TryParse($"{algorithm}:{f.Name}", out Digest d)) continue;
                long size;
                try { size = f.Length; }
                catch (FileNotFoundException) { continue; }   // deleted while listing
                yield return (d, size);
            }
        }
    }

    /// <summary>Every ingest on disk, locked or not.</summary>
    public IEnumerable<IngestStatus> ListIngests()
    {
        foreach (string dir in Directory.EnumerateDirectories(IngestDir))
        {
            if (ReadMeta(dir) is not { } meta) continue;
            var data = new FileInfo(Path.Combine(dir, "data"));
            yield return new IngestStatus(meta.Key, meta.Expected, data.Exists ? data.Length : 0, meta.Total, LastUpdateUtc(dir));
        }
    }

    /// <summary>
    /// Removes every blob not in <paramref name="reachable"/>, and every ingest nobody holds that has not been
    /// written for <paramref name="staleIngestAge"/> (default 24 hours). Blobs younger than
    /// <paramref name="minBlobAge"/> (default zero) are kept, to spare content committed by a pull whose image
    /// record is not yet written; callers that hold their own lock against pulls can leave it at zero.
    /// </summary>
    public GcResult Sweep(IReadOnlySet<Digest> reachable, TimeSpan? staleIngestAge = null, TimeSpan? minBlobAge = null)
    {
        ArgumentNullException.ThrowIfNull(reachable);
        DateTime now = DateTime.UtcNow;
        var removed = new List<Digest>();
        long freed = 0;
        foreach ((Digest digest, long size) in List().ToList())
        {
            if (reachable.Contains(digest)) continue;
            string path = BlobPath(digest);
            if (minBlobAge is { } age && now - File.GetLastWriteTimeUtc(path) < age) continue;
            try
            {
                File.Delete(path);
                removed.Add(digest);
                freed += size;
            }
            catch (FileNotFoundException) { }
        }

        TimeSpan stale = staleIngestAge ?? DefaultStaleIngestAge;
        var removedIngests = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories(IngestDir).ToList())
        {
            if (now - LastUpdateUtc(dir) < stale) continue;
            // create: a crash between removing the lock file and the directory leaves a directory without one
            using IngestLock? lck = IngestLock.TryAcquire(dir, create: true);
            if (lck is null) continue;   // held by a writer, or already gone
            string key = ReadMeta(dir)?.Key ?? Path.GetFileName(dir);
            lck.DeleteDirectoryAndRelease();
            removedIngests.Add(key);
        }
        return new GcResult(removed, freed, removedIngests);
    }

    internal string IngestPath(string key) =>
        Path.Combine(IngestDir, Digest.Sha256(Encoding.UTF8.GetBytes(key)).Encoded);

    internal static UnixFileMode BlobFileMode => BlobMode;

    /// <summary>Publishes verified, fsynced data: link(2) never replaces an existing blob. False if the blob was already there.</summary>
    internal bool Publish(string dataPath, Digest digest)
    {
        string dir = Path.Combine(BlobsDir, digest.Algorithm);
        Directory.CreateDirectory(dir, DirMode);
        string blob = Path.Combine(dir, digest.Encoded);
        bool created;
        if (Libc.LinkAt(Libc.AT_FDCWD, dataPath, Libc.AT_FDCWD, blob, 0) == 0)
        {
            created = true;
        }
        else
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errnos.EEXIST)
            {
                created = false;
            }
            else if (errno is Errnos.EPERM or Errnos.ENOTSUP or 18 /* EXDEV */)
            {
                // a filesystem without hard links: rename, which is also atomic (an identical blob may be replaced)
                created = !File.Exists(blob);
                if (created) File.Move(dataPath, blob, overwrite: true);
            }
            else
            {
                throw new ErrnoException("link", errno, blob);
            }
        }
        if (created) FsyncDirectory(dir);
        return created;
    }

    private static void FsyncDirectory(string dir)
    {
        using SafeFd fd = Check.Io(new SafeFd(Libc.Open(dir, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC), ownsHandle: true), "open", dir);
        Check.Io(Libc.Fsync(fd.Value), "fsync", dir);
    }

    internal readonly record struct Meta(string Key, Digest Expected, long Total);

    internal static Meta? ReadMeta(string ingestDir)
    {
        string text;
        try { text = File.ReadAllText(Path.Combine(ingestDir, "meta")); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
        string[] lines = text.Split('\n');
        if (lines.Length < 3 || !Digest.TryParse(lines[1], out Digest d) || !long.TryParse(lines[2], out long total) || total < 0)
            return null;
        return new Meta(lines[0], d, total);
    }

    internal static void WriteMeta(string ingestDir, Meta meta) =>
        AtomicFile.WriteText(Path.Combine(ingestDir, "meta"), $"{meta.Key}\n{meta.Expected}\n{meta.Total}\n");

    private static DateTime LastUpdateUtc(string dir)
    {
        DateTime latest = Directory.GetLastWriteTimeUtc(dir);
        foreach (string name in (string[])["data", "meta"])
        {
            var f = new FileInfo(Path.Combine(dir, name));
            if (f.Exists && f.LastWriteTimeUtc > latest) latest = f.LastWriteTimeUtc;
        }
        return latest;
    }

    private static void ValidateKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length is 0 or > 1024 || key.Contains('\n') || key.Contains('\0'))
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid ingest key \"{key}\"");
    }

    private static void RequireValid(Digest digest)
    {
        if (!digest.IsValid) ThrowInvalid(digest);
    }

    [DoesNotReturn]
    private static void ThrowInvalid(Digest digest) =>
        throw new BerthException(ErrorKind.InvalidArgument, $"invalid digest \"{digest}\"");

    private static BerthException NotFound(Digest digest) => new(ErrorKind.NotFound, $"content {digest}: not found");
}
