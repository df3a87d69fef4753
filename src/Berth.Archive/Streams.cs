using System.Security.Cryptography;
using Berth.Core;

namespace Berth.Archive;

/// <summary>Replays bytes already peeked from a stream (the compression magic), then reads on; counts what it read.</summary>
internal sealed class PrefixStream(byte[] prefix, int prefixLength, Stream inner, bool ownsInner) : ReadOnlyStream
{
    private int _pos;

    public long BytesRead { get; private set; } = prefixLength;

    /// <summary>The peeked bytes.</summary>
    public ReadOnlySpan<byte> Prefix => prefix.AsSpan(0, prefixLength);

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        if (_pos < prefixLength)
        {
            int n = Math.Min(buffer.Length, prefixLength - _pos);
            prefix.AsSpan(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }
        int read = inner.Read(buffer);
        BytesRead += read;
        return read;
    }

    /// <summary>Reads up to <paramref name="count"/> bytes for magic detection, fewer only at end of stream.</summary>
    public static PrefixStream Peek(Stream inner, int count, bool ownsInner = false)
    {
        byte[] buf = new byte[count];
        int filled = 0;
        while (filled < count)
        {
            int n = inner.Read(buf, filled, count - filled);
            if (n == 0) break;
            filled += n;
        }
        return new PrefixStream(buf, filled, inner, ownsInner);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsInner) inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Hashes (sha256) and counts the uncompressed tar bytes as they pass, and enforces the decompression
/// budget: the read that would cross <c>limit</c> throws before any of its bytes reach the tar reader.
/// </summary>
internal sealed class DigestingStream(Stream inner, long limit, CancellationToken ct) : ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    public long Remaining => limit - BytesRead;

    public override int Read(Span<byte> buffer)
    {
        ct.ThrowIfCancellationRequested();
        if (buffer.IsEmpty) return 0;
        // Never ask for more than one byte past the budget, so a bomb is caught without inflating it further.
        long room = limit - BytesRead + 1;
        if (room < buffer.Length) buffer = buffer[..(int)room];
        int n = inner.Read(buffer);
        if (n <= 0) return 0;
        if (BytesRead + n > limit)
            throw new BerthException(ErrorKind.InvalidArgument, $"layer: uncompressed size exceeds the limit of {limit} bytes");
        BytesRead += n;
        _hash.AppendData(buffer[..n]);
        return n;
    }

    public string Digest() => "sha256:" + Convert.ToHexStringLower(_hash.GetHashAndReset());

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
