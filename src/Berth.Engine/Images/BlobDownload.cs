using Berth.Core;
using Microsoft.Win32.SafeHandles;

namespace Berth.Engine.Images;

/// <summary>
/// One blob being downloaded into a content-store ingest, as a reader that follows it sees it: where the
/// bytes go, how many are there, and how it ended. Lets a layer be unpacked while it is still arriving.
/// </summary>
internal sealed class BlobDownload(long total)
{
    private readonly TaskCompletionSource<SafeFileHandle?> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _lock = new(); // Monitor.Wait and PulseAll need a plain object
    private long _written;
    private bool _done;
    private Exception? _failed;

    public long Total => total;

    /// <summary>
    /// A read handle of the ingest's data file once writing starts (opened before any write, so that the
    /// commit's rename cannot pull it away from a late reader); null when the blob was already stored.
    /// </summary>
    public Task<SafeFileHandle?> Started => _started.Task;

    public void Start(string? dataPath, long offset)
    {
        lock (_lock) _written = offset;
        _started.TrySetResult(dataPath is null ? null
            : File.OpenHandle(dataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
    }

    public void Written(long offset)
    {
        lock (_lock)
        {
            _written = offset;
            Monitor.PulseAll(_lock);
        }
    }

    public void Finish(Exception? failure)
    {
        lock (_lock)
        {
            _done = true;
            _failed = failure;
            Monitor.PulseAll(_lock);
        }
        if (failure is null) _started.TrySetResult(null);
        else _started.TrySetException(failure);
    }

    /// <summary>Waits until more than <paramref name="position"/> bytes are there; returns how many are, or -1 at a clean end.</summary>
    public long WaitBeyond(long position, CancellationToken ct)
    {
        lock (_lock)
        {
            while (true)
            {
                if (_written > position) return _written;
                if (_failed is not null) throw new BerthException(ErrorKind.Unavailable, $"download failed: {_failed.Message}", _failed);
                if (_done) return -1;
                ct.ThrowIfCancellationRequested();
                Monitor.Wait(_lock, 200); // a timeout too, so that cancellation is noticed
            }
        }
    }
}

/// <summary>Reads a blob's ingest file while it is being written, up to its declared size.</summary>
internal sealed class FollowingReader(BlobDownload download, SafeFileHandle file, CancellationToken ct) : ReadOnlyStream
{
    private long _position;

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || _position >= download.Total) return 0;
        long available = download.WaitBeyond(_position, ct);
        if (available < 0) return 0;
        int n = RandomAccess.Read(file, buffer[..(int)Math.Min(buffer.Length, available - _position)], _position);
        _position += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) file.Dispose();
        base.Dispose(disposing);
    }
}
