using System.Text;
using Berth.Core;

namespace Berth.Archive;

/// <summary>The pax records of one entry that <see cref="System.Formats.Tar.TarReader"/> cannot give back faithfully.</summary>
internal sealed class PaxRecords
{
    /// <summary>"SCHILY.xattr.NAME" records as (NAME, raw value). TarReader decodes values as UTF-8, which mangles binary xattrs.</summary>
    public List<KeyValuePair<string, byte[]>> Xattrs { get; } = [];

    /// <summary>The entry carries GNU sparse (pax 0.x/1.0) records.</summary>
    public bool Sparse { get; set; }
}

/// <summary>
/// Sits between the uncompressed stream and TarReader and follows the tar framing as bytes pass through.
/// It (1) refuses pax and GNU long-name blocks larger than a bound before TarReader buffers them whole,
/// (2) refuses data on header-only entry types, and (3) keeps the raw bytes of each entry's pax records,
/// so that binary xattr values (security.capability) survive. It never reads ahead of its consumer.
/// </summary>
internal sealed class TarInspector(Stream inner, int maxHeaderBytes) : ReadOnlyStream
{
    private const int Block = 512;
    private readonly byte[] _header = new byte[Block];
    private int _headerFill;
    private long _skip;              // data + padding bytes still to pass before the next header
    private byte[]? _capture;        // data of the pax 'x' block being collected
    private int _captureFill;
    private PaxRecords? _pendingPax; // parsed 'x' block, waiting for the header it describes
    private long? _pendingSize;      // pax "size" override for that header
    private bool _afterPax;
    private bool _ended;

    /// <summary>The pax records of the entry whose header passed last (null when it had none).</summary>
    public PaxRecords? CurrentPax { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        if (n > 0) Inspect(buffer[..n]);
        return n;
    }

    private void Inspect(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && !_ended)
        {
            if (_skip > 0)
            {
                int take = (int)Math.Min(_skip, data.Length);
                if (_capture is not null && _captureFill < _capture.Length)
                {
                    int c = Math.Min(take, _capture.Length - _captureFill);
                    data[..c].CopyTo(_capture.AsSpan(_captureFill));
                    _captureFill += c;
                }
                _skip -= take;
                data = data[take..];
                if (_skip == 0 && _capture is not null) FinishCapture();
                continue;
            }
            int h = Math.Min(Block - _headerFill, data.Length);
            data[..h].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += h;
            data = data[h..];
            if (_headerFill == Block)
            {
                _headerFill = 0;
                OnHeader();
            }
        }
    }

    private void OnHeader()
    {
        ReadOnlySpan<byte> hdr = _header;
        // TarReader's end-of-archive test: an all-NUL or zero checksum field. It stops reading there.
        ReadOnlySpan<byte> checksum = hdr.Slice(148, 8);
        if (!checksum.ContainsAnyExcept((byte)0) || ParseNumeric(checksum) == 0)
        {
            _ended = true;
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
                _capture = new byte[size];
                _captureFill = 0;
                _afterPax = true;
                if (size == 0) FinishCapture();
            }
            else if (type == (byte)'g')
            {
                CurrentPax = null; // TarReader returns a global header as an entry of its own
            }
            _skip = Padded(size);
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
        _skip = headerOnly ? 0 : Padded(dataSize);
    }

    private void FinishCapture()
    {
        byte[] data = _capture!;
        _capture = null;
        var pax = new PaxRecords();
        ReadOnlySpan<byte> rest = data;
        while (!rest.IsEmpty)
        {
            // "%d %s=%s\n", the length counting the whole record
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
            ReadOnlySpan<byte> body = rest[(space + 1)..(length - 1)];
            int eq = body.IndexOf((byte)'=');
            if (eq <= 0) throw new InvalidDataException("malformed pax record");
            ReadOnlySpan<byte> key = body[..eq];
            ReadOnlySpan<byte> value = body[(eq + 1)..];
            if (key.StartsWith("SCHILY.xattr."u8))
                pax.Xattrs.Add(new(Encoding.UTF8.GetString(key["SCHILY.xattr.".Length..]), value.ToArray()));
            else if (key.StartsWith("GNU.sparse."u8))
                pax.Sparse = true;
            else if (key.SequenceEqual("size"u8))
                _pendingSize = ParseDecimal(value);
            rest = rest[length..];
        }
        _pendingPax = pax;
    }

    private static long Padded(long size) => (size + (Block - 1)) & ~(long)(Block - 1);

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
