using System.Buffers;
using Berth.Core;
using Berth.Interop;

namespace Berth.Archive;

/// <summary>
/// Streaming zstd decompression through the system libzstd (libzstd.so.1). Concatenated and skippable
/// frames are handled; a frame declaring a window larger than 2^windowLogMax is refused before libzstd
/// allocates it; a stream that ends inside a frame is an error, not a short read.
/// </summary>
public sealed class ZstdDecompressionStream : ReadOnlyStream
{
    private const int InputSize = 128 * 1024; // ZSTD_DStreamInSize()

    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly Zstd.Decoder _decoder;
    private byte[]? _input;
    private int _inPos, _inLen;
    private bool _eof;
    private bool _midFrame;

    /// <summary>Whether libzstd.so.1 is present on this host.</summary>
    public static bool IsSupported => Zstd.IsAvailable;

    /// <exception cref="DllNotFoundException">libzstd.so.1 is not installed.</exception>
    public ZstdDecompressionStream(Stream inner, bool leaveOpen = false, int windowLogMax = 27)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _leaveOpen = leaveOpen;
        _decoder = new Zstd.Decoder(windowLogMax);
        _input = ArrayPool<byte>.Shared.Rent(InputSize);
    }


    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_input is null, this);
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            if (_inPos == _inLen && !_eof)
            {
                _inLen = _inner.Read(_input, 0, _input.Length);
                _inPos = 0;
                if (_inLen == 0) _eof = true;
            }
            bool hadInput = _inPos < _inLen;
            nuint hint = _decoder.Decompress(_input.AsSpan(_inPos, _inLen - _inPos), buffer, out int consumed, out int written);
            _inPos += consumed;
            if (consumed > 0 || written > 0) _midFrame = hint != 0;
            if (written > 0) return written;
            if (_eof && _inPos == _inLen)
            {
                if (_midFrame) throw new InvalidDataException("zstd: stream ends inside a frame");
                return 0;
            }
            if (hadInput && consumed == 0) throw new InvalidDataException("zstd: decoder made no progress");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _input is not null)
        {
            _decoder.Dispose();
            ArrayPool<byte>.Shared.Return(_input);
            _input = null;
            if (!_leaveOpen) _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
