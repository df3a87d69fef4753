using System.Security.Cryptography;

namespace Berth.Core;

/// <summary>
/// Wraps a stream and hashes every byte that passes through it, in whichever direction the
/// caller uses it: bytes read from the inner stream, or bytes written to it.
/// With <see cref="Limit"/> set, passing more than that many bytes throws
/// <see cref="BerthException"/> (InvalidArgument) before the excess is handed on.
/// </summary>
public sealed class DigestingStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly string _algorithm;
    private IncrementalHash? _hash;
    private Digest? _digest;

    public DigestingStream(Stream inner, long? limit = null, string algorithm = Digest.Sha256Algorithm, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (limit < 0) throw new ArgumentOutOfRangeException(nameof(limit), "limit must not be negative");
        _inner = inner;
        _leaveOpen = leaveOpen;
        _hash = Digest.CreateHasher(algorithm);
        _algorithm = algorithm;
        Limit = limit;
    }

    /// <summary>The most bytes allowed to pass; null for no limit.</summary>
    public long? Limit { get; }

    /// <summary>How many bytes have been hashed so far.</summary>
    public long BytesHashed { get; private set; }

    /// <summary>
    /// The digest of every byte that passed. Reading it finishes the hash: no more bytes may pass after.
    /// </summary>
    public Digest Digest
    {
        get
        {
            if (_digest is { } d) return d;
            IncrementalHash hash = _hash ?? throw new ObjectDisposedException(nameof(DigestingStream));
            _digest = Digest.FromHash(_algorithm, hash.GetHashAndReset());
            hash.Dispose();
            _hash = null;
            return _digest.Value;
        }
    }

    public override bool CanRead => _inner.CanRead;
    public override bool CanWrite => _inner.CanWrite;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position
    {
        get => BytesHashed;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        Account(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Account(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Account(buffer);
        _inner.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Account(buffer.Span);
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush() => _inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private void Account(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        if (Limit is { } limit && BytesHashed + data.Length > limit)
            throw new BerthException(ErrorKind.InvalidArgument, $"content exceeds its declared size {limit}");
        IncrementalHash hash = _hash ?? throw new InvalidOperationException("the digest was already taken; no more bytes may pass");
        hash.AppendData(data);
        BytesHashed += data.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
            _hash = null;
            if (!_leaveOpen) _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _hash?.Dispose();
        _hash = null;
        if (!_leaveOpen) await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
