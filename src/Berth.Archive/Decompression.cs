using System.IO.Compression;
using Berth.Core;

namespace Berth.Archive;

/// <summary>Plain, gzip or zstd tar streams (layers, docker's archives, imports), told apart by their first bytes.</summary>
public static class Decompression
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];
    private static ReadOnlySpan<byte> ZstdMagic => [0x28, 0xb5, 0x2f, 0xfd];

    /// <summary>
    /// The tar inside <paramref name="input"/>. With <paramref name="leaveOpen"/>, disposing the result leaves
    /// <paramref name="input"/> open (a request body). <paramref name="what"/> names the input in errors.
    /// </summary>
    public static Stream Open(Stream input, string what, bool leaveOpen = false)
    {
        // Buffered: a plain tar is read 512 bytes at a time, and request bodies are slow to read in small pieces.
        PrefixStream source = PrefixStream.Peek(new BufferedStream(input, 1 << 16), 4, ownsInner: !leaveOpen);
        return Decompressor(source, Detect(source.Prefix, what), LayerApplyOptions.Default.ZstdWindowLogMax, leaveOpen: false);
    }

    internal static LayerCompression Detect(ReadOnlySpan<byte> head, string what)
    {
        if (head.StartsWith(GzipMagic)) return LayerCompression.Gzip;
        if (head.StartsWith(ZstdMagic)) return LayerCompression.Zstd;
        if (head.StartsWith("BZh"u8) || head.StartsWith((ReadOnlySpan<byte>)[0xfd, 0x37, 0x7a, 0x58]))
            throw new BerthException(ErrorKind.InvalidArgument, $"{what}: bzip2 and xz are not supported (use a plain, gzip or zstd tar)");
        return LayerCompression.None;
    }

    internal static Stream Decompressor(Stream source, LayerCompression compression, int zstdWindowLogMax, bool leaveOpen) => compression switch
    {
        LayerCompression.Gzip => new GZipStream(source, CompressionMode.Decompress, leaveOpen),
        LayerCompression.Zstd => new ZstdDecompressionStream(source, leaveOpen, zstdWindowLogMax),
        _ => source,
    };
}
