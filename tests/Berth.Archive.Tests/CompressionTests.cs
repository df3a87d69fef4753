using Berth.Core;

namespace Berth.Archive.Tests;

/// <summary>Plain, gzip and zstd layers are told apart by their magic, and all give the tar's diffID.</summary>
public sealed class CompressionTests
{
    private static byte[] SampleTar()
    {
        var tb = new TarBuilder().Dir("etc").File("etc/os-release", "ID=berth\n");
        for (int i = 0; i < 50; i++) tb.File($"data/{i}", new string((char)('a' + i % 26), 10_000));
        return tb.Bytes();
    }

    private static void AssertApplied(byte[] tar, byte[] blob, LayerCompression expected)
    {
        using var sb = new Sandbox();
        LayerApplyResult r = T.Apply(blob, sb.Root);
        Assert.Equal(expected, r.Compression);
        Assert.Equal(T.Sha256(tar), r.DiffId);
        Assert.Equal(tar.Length, r.TarBytes);
        Assert.Equal(blob.Length, r.CompressedBytes);
        Assert.Equal(52, r.Entries);
        Assert.Equal("ID=berth\n", File.ReadAllText(Path.Combine(sb.Root, "etc/os-release")));
        Assert.Equal(10_000, new FileInfo(Path.Combine(sb.Root, "data/49")).Length);
    }

    [Fact]
    public void Plain()
    {
        byte[] tar = SampleTar();
        AssertApplied(tar, tar, LayerCompression.None);
    }

    [Fact]
    public void Gzip()
    {
        byte[] tar = SampleTar();
        AssertApplied(tar, MaliciousCorpusTests.Gzip(tar), LayerCompression.Gzip);
    }

    [Fact]
    public void GzipMultiMember()
    {
        byte[] tar = SampleTar();
        byte[] gz = [.. MaliciousCorpusTests.Gzip(tar[..5000]), .. MaliciousCorpusTests.Gzip(tar[5000..])];
        AssertApplied(tar, gz, LayerCompression.Gzip);
    }

    [ZstdFact]
    public void Zstd()
    {
        byte[] tar = SampleTar();
        AssertApplied(tar, T.Pipe("zstd", "-q -c", tar), LayerCompression.Zstd);
    }

    [ZstdFact]
    public void ZstdConcatenatedFrames()
    {
        byte[] tar = SampleTar();
        byte[] zst = [.. T.Pipe("zstd", "-q -c", tar[..7000]), .. T.Pipe("zstd", "-q -c -19", tar[7000..])];
        AssertApplied(tar, zst, LayerCompression.Zstd);
    }

    /// <summary>SECURITY-CASES 3E: a frame that declares a 2 GiB window is refused before libzstd allocates it.</summary>
    [ZstdFact]
    public void ZstdHugeWindowRefused()
    {
        using var sb = new Sandbox();
        byte[] zst = T.Pipe("zstd", "-q -c --long=31", SampleTar());
        Assert.Equal(0xa8, zst[5]); // window descriptor: 2^31
        var e = Assert.Throws<BerthException>(() => T.Apply(zst, sb.Root));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("zstd", e.Message);
    }

    [ZstdFact]
    public void ZstdTruncatedRefused()
    {
        using var sb = new Sandbox();
        byte[] zst = T.Pipe("zstd", "-q -c", SampleTar());
        var e = Assert.Throws<BerthException>(() => T.Apply(zst[..(zst.Length - 10)], sb.Root));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [ZstdFact]
    public void ZstdBombExceedsBudget()
    {
        using var sb = new Sandbox();
        byte[] zst = T.Pipe("zstd", "-q -c", new TarBuilder().File("bomb", new byte[32 << 20]).Bytes());
        Assert.True(zst.Length < 64 << 10);
        var e = Assert.Throws<BerthException>(() => T.Apply(zst, sb.Root, LayerApplyOptions.Default with { MaxUncompressedBytes = 1 << 20 }));
        Assert.Contains("limit", e.Message);
    }

    [ZstdFact]
    public void ZstdDecompressionStream_ReadsInSmallPieces()
    {
        byte[] data = new byte[300_000];
        new Random(7).NextBytes(data.AsSpan(0, 100_000));
        byte[] zst = T.Pipe("zstd", "-q -c", data);
        using var z = new ZstdDecompressionStream(new MemoryStream(zst));
        var output = new MemoryStream();
        byte[] small = new byte[777];
        int n;
        while ((n = z.Read(small, 0, small.Length)) > 0) output.Write(small, 0, n);
        Assert.Equal(data, output.ToArray());
    }

    [Fact]
    public void Xz_Refused()
    {
        using var sb = new Sandbox();
        var e = Assert.Throws<BerthException>(() => T.Apply([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0], sb.Root));
        Assert.Contains("not supported", e.Message);
    }
}
