using System.Text;
using Berth.Core;
using Berth.Interop;

namespace Berth.Archive;

/// <summary>The pax records of one entry that <see cref="System.Formats.Tar.TarReader"/> cannot give back faithfully.</summary>
internal sealed class PaxRecords
{
    /// <summary>"SCHILY.xattr.NAME" records as (NAME, raw value). TarReader decodes values as UTF-8, which mangles binary xattrs.</summary>
    public List<KeyValuePair<string, byte[]>> Xattrs { get; } = [];

    /// <summary>The entry carries GNU sparse (pax 0.x/1.0) records.</summary>
    public bool Sparse { get; set; }

    /// <summary>The pax "mtime" to the nanosecond (TarEntry.ModificationTime keeps 100 ns ticks).</summary>
    public Libc.Timespec? Mtime { get; set; }
}

/// <summary>
/// Sits between the uncompressed stream and TarReader and follows the tar framing as bytes pass through.
/// It (1) refuses pax and GNU long-name blocks larger than a bound before TarReader buffers them whole,
/// (2) refuses data on header-only entry types, and (3) takes the "SCHILY.xattr.*" records out of each
/// pax block, keeping their raw bytes for the entry: TarReader decodes pax values as UTF-8 (mangling
/// binary xattrs such as security.capability) and cuts records at the first newline, not by their length,
/// so a binary value containing 0x0a would make it reject the archive. The rest of the block is passed on,
/// re-framed. It never reads past the unit (header, data, pax block) it is in.
/// </summary>
internal sealed class TarInspector(Stream inner, int maxHeaderBytes) : ReadOnlyStream
{
    private const int Block = 512;
    private enum State { Header, Data, Capture, Ended }

    private State _state = State.Header;
    private readonly byte[] _header = new byte[Block];
    private int _headerFill;
    private long _skip;              // data + padding bytes of the current entry still to pass
    private byte[] _out = [];        // bytes produced for the consumer and not yet handed out
    private int _outPos;
    private byte[]? _paxHeader;      // the 'x' header being held back with its data
    private byte[]? _capture;
    private int _captureFill;
    private int _captureSize;
    private PaxRecords? _pendingPax; // parsed 'x' block, waiting for the header it describes
    private long? _pendingSize;      // pax "size" override for that header
    private bool _afterPax;

    /// <summary>The pax records of the entry whose header passed last (null when it had none).</summary>
    public PaxRecords? CurrentPax { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            if (_outPos < _out.Length)
            {
                int n = Math.Min(buffer.Length, _out.Length - _outPos);
                _out.AsSpan(_outPos, n).CopyTo(buffer);
                _outPos += n;
                return n;
            }
            switch (_state)
            {
                case State.Ended:
                    return inner.Read(buffer);
                case State.Data:
                {
                    int n = inner.Read(buffer[..(int)Math.Min(_skip, buffer.Length)]);
                    if (n == 0) return 0;
                    _skip -= n;
                    if (_skip == 0) _state = State.Header;
                    return n;
                }
                case State.Header:
                {
                    int n = inner.Read(_header.AsSpan(_headerFill));
                    if (n == 0)
                    {
                        if (_headerFill == 0) return 0;
                        Emit(_header.AsSpan(0, _headerFill).ToArray()); // a torn header: let TarReader report it
                        _headerFill = 0;
                        continue;
                    }
                    _headerFill += n;
                    if (_headerFill == Block)
                    {
                        _headerFill = 0;
                        OnHeader();
                    }
                    continue;
                }
                case State.Capture:
                {
                    int n = inner.Read(_capture.AsSpan(_captureFill));
                    if (n == 0) throw new EndOfStreamException("the archive ends inside a pax extended header");
                    _captureFill += n;
                    if (_captureFill == _capture!.Length) FinishCapture();
                    continue;
                }
            }
        }
    }

    private void Emit(byte[] bytes)
    {
        _out = bytes;
        _outPos = 0;
    }

    private void OnHeader()
    {
        ReadOnlySpan<byte> hdr = _header;
        // TarReader's end-of-archive test: an all-NUL or zero checksum field. It stops reading there.
        ReadOnlySpan<byte> checksum = hdr.Slice(148, 8);
        if (!checksum.ContainsAnyExcept((byte)0) || ParseNumeric(checksum) == 0)
        {
            Emit(_header.ToArray());
            _state = State.Ended;
            return;
        }
        byte type = hdr[156];
        long size = ParseNumeric(hdr.Slice(124, 12));
        bool metadata = type is (byte)'x' or (byte)'g' or (byte)'L' or (byte)'K';
        if (metadata)
        {
            if (_afterPax) throw new InvalidDataException("a pax extended header is followed by another metadata header");
            if (size > maxHeaderBytes)
                throw new BerthException(ErrorKind.InvalidArgument,
                    $"layer: a tar '{(char)type}' metadata block of {size} bytes exceeds the limit of {maxHeaderBytes} bytes");
            if (type == (byte)'x')
            {
                _paxHeader = _header.ToArray();
                _captureSize = (int)size;
                _capture = new byte[Padded(size)];
                _captureFill = 0;
                _afterPax = true;
                if (size == 0) FinishCapture();
                else _state = State.Capture;
                return;
            }
            if (type == (byte)'g') CurrentPax = null; // TarReader returns a global header as an entry of its own
            PassEntry(size);
            return;
        }

        if (type == (byte)'S') throw new BerthException(ErrorKind.InvalidArgument, "layer: GNU sparse files are not supported");
        long dataSize = _pendingSize ?? size;
        CurrentPax = _pendingPax;
        _pendingPax = null;
        _pendingSize = null;
        _afterPax = false;
        bool headerOnly = type is (byte)'1' or (byte)'2' or (byte)'3' or (byte)'4' or (byte)'5' or (byte)'6';
        if (headerOnly && dataSize != 0)
            throw new InvalidDataException($"a tar entry of type '{(char)type}' declares {dataSize} bytes of data");
        PassEntry(headerOnly ? 0 : dataSize);
    }

    private void PassEntry(long dataSize)
    {
        Emit(_header.ToArray());
        _skip = Padded(dataSize);
        _state = _skip > 0 ? State.Data : State.Header;
    }

    private void FinishCapture()
    {
        ReadOnlySpan<byte> rest = _capture.AsSpan(0, _captureSize);
        var pax = new PaxRecords();
        var kept = new MemoryStream();
        while (!rest.IsEmpty)
        {
            // "%d %s=%s\n", the length counting the whole record; values may hold any byte, newlines included
            int space = rest.IndexOf((byte)' ');
            if (space <= 0 || space > 10) throw new InvalidDataException("malformed pax record length");
            int length = 0;
            foreach (byte b in rest[..space])
            {
                if (b is < (byte)'0' or > (byte)'9') throw new InvalidDataException("malformed pax record length");
                length = length * 10 + (b - '0');
            }
            if (length <= space + 2 || length > rest.Length || rest[length - 1] != (byte)'\n')
                throw new InvalidDataException("malformed pax record");
            ReadOnlySpan<byte> record = rest[..length];
            ReadOnlySpan<byte> body = record[(space + 1)..^1];
            int eq = body.IndexOf((byte)'=');
            if (eq <= 0) throw new InvalidDataException("malformed pax record");
            ReadOnlySpan<byte> key = body[..eq];
            ReadOnlySpan<byte> value = body[(eq + 1)..];
            if (key.StartsWith("SCHILY.xattr."u8))
            {
                pax.Xattrs.Add(new(Encoding.UTF8.GetString(key["SCHILY.xattr.".Length..]), value.ToArray()));
            }
            else
            {
                if (key.StartsWith("GNU.sparse."u8)) pax.Sparse = true;
                else if (key.SequenceEqual("size"u8)) _pendingSize = ParseDecimal(value);
                else if (key.SequenceEqual("mtime"u8)) pax.Mtime = ParseTime(value);
                kept.Write(record);
            }
            rest = rest[length..];
        }
        _pendingPax = pax;

        // Hand TarReader the block without the xattr records: same header, new size and checksum.
        byte[] data = kept.ToArray();
        byte[] header = _paxHeader!;
        WriteOctal(header.AsSpan(124, 12), data.Length);
        header.AsSpan(148, 8).Fill((byte)' ');
        int sum = 0;
        foreach (byte b in header) sum += b;
        WriteOctal(header.AsSpan(148, 7), sum);
        byte[] output = new byte[Block + Padded(data.Length)];
        header.CopyTo(output, 0);
        data.CopyTo(output, Block);
        Emit(output);
        _paxHeader = null;
        _capture = null;
        _state = State.Header;
    }

    /// <summary>Zero-padded octal digits filling all but the last byte of the field, then NUL.</summary>
    private static void WriteOctal(Span<byte> field, long value)
    {
        field[^1] = 0;
        for (int i = field.Length - 2; i >= 0; i--, value >>= 3) field[i] = (byte)('0' + (value & 7));
        if (value != 0) throw new InvalidDataException("value does not fit its tar field");
    }

    private static long Padded(long size) => (size + (Block - 1)) & ~(long)(Block - 1);

    /// <summary>A pax time, "[-]SECONDS[.FRACTION]"; null when malformed (TarReader then decides).</summary>
    internal static Libc.Timespec? ParseTime(ReadOnlySpan<byte> value)
    {
        bool negative = !value.IsEmpty && value[0] == (byte)'-';
        if (negative) value = value[1..];
        int dot = value.IndexOf((byte)'.');
        ReadOnlySpan<byte> whole = dot < 0 ? value : value[..dot];
        ReadOnlySpan<byte> fraction = dot < 0 ? default : value[(dot + 1)..];
        if (whole.IsEmpty || whole.Length > 18) return null;
        long sec = 0, nsec = 0;
        foreach (byte b in whole)
        {
            if (b is < (byte)'0' or > (byte)'9') return null;
            sec = sec * 10 + (b - '0');
        }
        for (int i = 0; i < 9; i++)
        {
            byte b = i < fraction.Length ? fraction[i] : (byte)'0';
            if (b is < (byte)'0' or > (byte)'9') return null;
            nsec = nsec * 10 + (b - '0');
        }
        if (negative)
        {
            sec = -sec;
            if (nsec > 0)
            {
                sec--;
                nsec = 1_000_000_000 - nsec;
            }
        }
        return new Libc.Timespec { Sec = sec, Nsec = nsec };
    }

    private static long ParseDecimal(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || value.Length > 18) throw new InvalidDataException("malformed pax size");
        long v = 0;
        foreach (byte b in value)
        {
            if (b is < (byte)'0' or > (byte)'9') throw new InvalidDataException("malformed pax size");
            v = v * 10 + (b - '0');
        }
        return v;
    }

    /// <summary>A tar numeric field: octal text (space/NUL padded), or GNU base-256 when the top bit is set.</summary>
    internal static long ParseNumeric(ReadOnlySpan<byte> field)
    {
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            if (field[0] == 0xff) throw new InvalidDataException("negative tar numeric field");
            long v = field[0] & 0x7f;
            foreach (byte b in field[1..])
            {
                if (v > (long.MaxValue >> 8)) throw new InvalidDataException("tar numeric field overflows");
                v = (v << 8) | b;
            }
            return v;
        }
        field = field.Trim((byte)' ').Trim((byte)0).Trim((byte)' ');
        long r = 0;
        foreach (byte b in field)
        {
            if (b is < (byte)'0' or > (byte)'7') throw new InvalidDataException("malformed tar numeric field");
            if (r > (long.MaxValue >> 3)) throw new InvalidDataException("tar numeric field overflows");
            r = (r << 3) | (uint)(b - '0');
        }
        return r;
    }
}
