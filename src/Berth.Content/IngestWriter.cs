using System.Buffers;
using System.Security.Cryptography;
using Berth.Core;

namespace Berth.Content;

/// <summary>
/// One in-progress write into the <see cref="ContentStore"/>, holding its key's lock until it is
/// committed, aborted or disposed. Disposing without committing keeps the partial data, so a later
/// <see cref="ContentStore.OpenIngest"/> of the same key resumes at <see cref="Offset"/>.
/// Not thread-safe: one caller writes at a time.
/// </summary>
public sealed class IngestWriter : IDisposable, IAsyncDisposable
{
    private readonly ContentStore _store;
    private readonly IngestLock _lock;
    private readonly string _dataPath;
    private FileStream? _data;
    private IncrementalHash? _hash;

    private IngestWriter(ContentStore store, IngestLock lck, string key, Digest expected, long total, FileStream data, IncrementalHash hash, long offset)
    {
        _store = store;
        _lock = lck;
        _dataPath = Path.Combine(lck.Directory, "data");
        Key = key;
        Expected = expected;
        Total = total;
        _data = data;
        _hash = hash;
        Offset = offset;
    }

    public string Key { get; }
    public Digest Expected { get; }
    /// <summary>The declared size.</summary>
    public long Total { get; }
    /// <summary>Bytes written so far, including those found on disk from an interrupted ingest.</summary>
    public long Offset { get; private set; }

    /// <summary>
    /// The file being written, for a reader that follows the download (writes are unbuffered: every byte
    /// counted in <see cref="Offset"/> is in it). It stays readable through an open handle after Commit.
    /// </summary>
    public string DataPath => _dataPath;

    internal static IngestWriter Open(ContentStore store, IngestLock lck, string key, Digest expected, long total)
    {
        string dir = lck.Directory;
        var wanted = new ContentStore.Meta(key, expected, total);
        bool resume = ContentStore.ReadMeta(dir) == wanted;
        if (!resume) ContentStore.WriteMeta(dir, wanted);

        string dataPath = Path.Combine(dir, "data");
        if (File.Exists(dataPath))
        {
            // A crash between Commit's chmod and its link leaves read-only data behind; make it ours to write again.
            File.SetUnixFileMode(dataPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var data = new FileStream(dataPath, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            BufferSize = 0,
        });
        IncrementalHash hash = Digest.CreateHasher(expected.Algorithm);
        try
        {
            long offset = data.Length;
            if (!resume || offset > total)
            {
                data.SetLength(0);   // someone else's partial data, or more than can be right
                offset = 0;
            }
            else if (offset > 0)
            {
                // Rehash what an earlier writer left: the hash state is not on disk, the bytes are.
                byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
                try
                {
                    data.Position = 0;
                    long left = offset;
                    while (left > 0)
                    {
                        int n = data.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                        if (n == 0) break;
                        hash.AppendData(buffer, 0, n);
                        left -= n;
                    }
                    if (left != 0) throw new BerthException(ErrorKind.Internal, $"ingest \"{key}\" data shrank while being read");
                }
                finally { ArrayPool<byte>.Shared.Return(buffer); }
            }
            data.Position = offset;
            return new IngestWriter(store, lck, key, expected, total, data, hash, offset);
        }
        catch
        {
            hash.Dispose();
            data.Dispose();
            throw;
        }
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        FileStream data = EnsureOpen();
        CheckRoom(bytes.Length);
        data.Write(bytes);
        _hash!.AppendData(bytes);
        Offset += bytes.Length;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        FileStream data = EnsureOpen();
        CheckRoom(bytes.Length);
        await data.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        _hash!.AppendData(bytes.Span);
        Offset += bytes.Length;
    }

    /// <summary>Copies <paramref name="source"/> to its end into the ingest; fails as soon as it exceeds <see cref="Total"/>.</summary>
    public async Task CopyFromAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>
    /// Syncs the data, checks its size and digest, and publishes it as a read-only blob.
    /// Returns true when this writer created the blob, false when it was already stored (not an error).
    /// A short write is FailedPrecondition and keeps the ingest (write more, or dispose and resume later);
    /// a digest mismatch is FailedPrecondition and discards the ingest.
    /// </summary>
    public bool Commit()
    {
        FileStream data = EnsureOpen();
        data.Flush(flushToDisk: true);
        if (Offset != Total)
            throw new BerthException(ErrorKind.FailedPrecondition, $"unexpected commit size {Offset}, expected {Total}");

        Digest actual = Digest.FromHash(Expected.Algorithm, _hash!.GetCurrentHash());
        if (actual != Expected)
        {
            Abort();
            throw new BerthException(ErrorKind.FailedPrecondition, $"unexpected commit digest {actual}, expected {Expected}");
        }

        File.SetUnixFileMode(data.SafeFileHandle, ContentStore.BlobFileMode);
        CloseData();
        try
        {
            return _store.Publish(_dataPath, Expected);
        }
        finally
        {
            _lock.DeleteDirectoryAndRelease();
        }
    }

    /// <summary>Discards the ingest and its data and releases the key.</summary>
    public void Abort()
    {
        if (_data is null) return;
        CloseData();
        _lock.DeleteDirectoryAndRelease();
    }

    /// <summary>Releases the key, keeping any partial data for a later resume.</summary>
    public void Dispose()
    {
        if (_data is null) return;
        CloseData();
        _lock.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private FileStream EnsureOpen() =>
        _data ?? throw new InvalidOperationException($"ingest \"{Key}\" is closed");

    private void CheckRoom(int count)
    {
        if (Offset + count > Total)
            throw new BerthException(ErrorKind.InvalidArgument, $"content exceeds its declared size {Total}");
    }

    private void CloseData()
    {
        _data?.Dispose();
        _data = null;
        _hash?.Dispose();
        _hash = null;
    }
}
