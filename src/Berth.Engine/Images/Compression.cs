using System.IO.Compression;
using Berth.Archive;
using Berth.Core;

namespace Berth.Engine.Images;

/// <summary>Opens a tar that may be plain, gzip or zstd compressed, told apart by its first bytes.</summary>
internal static class Compression
{
    /// <summary>With <paramref name="leaveOpen"/>, disposing the result leaves <paramref name="input"/> open (a request body).</summary>
    public static Stream Decompressed(Stream input, bool leaveOpen = false)
    {
        var buffered = new BufferedStream(input, 1 << 16);
        byte[] magic = new byte[4];
        int n = 0;
        while (n < magic.Length && buffered.Read(magic, n, magic.Length - n) is var read and > 0) n += read;
        Stream whole = new ConcatStream(new MemoryStream(magic, 0, n), buffered, disposeSecond: !leaveOpen);
        if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return new GZipStream(whole, CompressionMode.Decompress);
        if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) return new ZstdDecompressionStream(whole);
        if (n >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h' || n == 4 && magic[0] == 0xfd && magic[1] == 0x37 && magic[2] == 0x7a && magic[3] == 0x58)
            throw new BerthException(ErrorKind.InvalidArgument, "bzip2 and xz archives are not supported (use a plain, gzip or zstd tar)");
        return whole;
    }

    /// <summary>Two streams read one after the other (the sniffed magic bytes, then the rest).</summary>
    private sealed class ConcatStream(Stream first, Stream second, bool disposeSecond) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = first.Read(buffer, offset, count);
            return n > 0 ? n : second.Read(buffer, offset, count);
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                first.Dispose();
                if (disposeSecond) second.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
