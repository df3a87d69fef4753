using System.Security.Cryptography;
using System.Text;
using Berth.Core;

namespace Berth.Content.Tests;

public sealed class DigestTests
{
    private const string EmptySha256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void Sha256_of_known_inputs()
    {
        Assert.Equal(EmptySha256, Digest.Sha256(ReadOnlySpan<byte>.Empty).ToString());
        Assert.Equal("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Digest.Sha256("abc"u8).ToString());
        Assert.Equal(Digest.Sha256("abc"u8), Digest.Sha256(new MemoryStream("abc"u8.ToArray())));
    }

    [Theory]
    [InlineData(EmptySha256)]
    [InlineData("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")]
    public void Parse_round_trips(string s)
    {
        Digest d = Digest.Parse(s);
        Assert.Equal(s, d.ToString());
        Assert.True(d.IsValid);
        Assert.True(Digest.TryParse(s, out Digest again));
        Assert.Equal(d, again);
        Assert.Equal(s[..6], d.Algorithm);
        Assert.Equal(s[7..], d.Encoded);
    }

    // SECURITY-CASES 3B.10: malformed digests are refused before they can become paths or URLs.
    [Theory]
    [InlineData("")]
    [InlineData("sha256")]
    [InlineData("sha256:")]
    [InlineData(":e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("sha256:../../../../etc/x")]
    [InlineData("sha256:../../../../../../../../../../../../../../../../../../../../../../etc/passwd")]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555")]
    [InlineData("sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha384:38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b")]
    [InlineData("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData(" sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855:x")]
    public void Parse_rejects(string s)
    {
        var e = Assert.Throws<BerthException>(() => Digest.Parse(s));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal($"invalid digest \"{s}\"", e.Message);
        Assert.False(Digest.TryParse(s, out _));
    }

    [Fact]
    public void TryParse_null_and_default()
    {
        Assert.False(Digest.TryParse(null, out _));
        Assert.False(default(Digest).IsValid);
        Assert.Equal("", default(Digest).ToString());
        Assert.False(new Digest("sha256", "../x").IsValid);
    }

    [Fact]
    public void FromHash_checks_algorithm_and_length()
    {
        byte[] h = SHA256.HashData("abc"u8);
        Assert.Equal(Digest.Sha256("abc"u8), Digest.FromHash("sha256", h));
        Assert.Equal("sha512:" + Convert.ToHexStringLower(SHA512.HashData("abc"u8)), Digest.FromHash("sha512", SHA512.HashData("abc"u8)).ToString());
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => Digest.FromHash("md5", h)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => Digest.FromHash("sha512", h)).Kind);
    }

    [Fact]
    public void Value_equality()
    {
        Assert.Equal(Digest.Parse(EmptySha256), Digest.Sha256([]));
        Assert.NotEqual(Digest.Parse(EmptySha256), Digest.Sha256("x"u8));
        var set = new HashSet<Digest> { Digest.Parse(EmptySha256), Digest.Sha256(Encoding.UTF8.GetBytes("")) };
        Assert.Single(set);
    }
}

public sealed class DigestingStreamTests
{
    private static readonly byte[] Data = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public void Hashes_bytes_read()
    {
        using var s = new DigestingStream(new MemoryStream(Data));
        s.CopyTo(Stream.Null);
        Assert.Equal(Data.Length, s.BytesHashed);
        Assert.Equal(Digest.Sha256(Data), s.Digest);
        Assert.Equal(Digest.Sha256(Data), s.Digest);   // stable once taken
    }

    [Fact]
    public async Task Hashes_bytes_read_async()
    {
        await using var s = new DigestingStream(new MemoryStream(Data));
        await s.CopyToAsync(Stream.Null);
        Assert.Equal(Digest.Sha256(Data), s.Digest);
    }

    [Fact]
    public async Task Hashes_bytes_written()
    {
        var sink = new MemoryStream();
        using (var s = new DigestingStream(sink, leaveOpen: true))
        {
            s.Write(Data.AsSpan(0, 10));
            s.WriteByte(Data[10]);
            await s.WriteAsync(Data.AsMemory(11));
            Assert.Equal(Data.Length, s.BytesHashed);
            Assert.Equal(Digest.Sha256(Data), s.Digest);
        }
        Assert.Equal(Data, sink.ToArray());
    }

    [Fact]
    public void Sha512()
    {
        using var s = new DigestingStream(new MemoryStream(Data), algorithm: "sha512");
        s.CopyTo(Stream.Null);
        Assert.Equal(Digest.FromHash("sha512", SHA512.HashData(Data)), s.Digest);
    }

    [Fact]
    public void Exactly_the_limit_is_allowed()
    {
        using var s = new DigestingStream(new MemoryStream(Data), limit: Data.Length);
        s.CopyTo(Stream.Null);
        Assert.Equal(Digest.Sha256(Data), s.Digest);
    }

    // SECURITY-CASES 3B.12: a body longer than its descriptor says is cut off while streaming.
    [Fact]
    public void Reading_past_the_limit_throws()
    {
        using var s = new DigestingStream(new MemoryStream(Data), limit: 1000);
        var e = Assert.Throws<BerthException>(() => s.CopyTo(Stream.Null));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal("content exceeds its declared size 1000", e.Message);
        Assert.True(s.BytesHashed <= 1000);
    }

    [Fact]
    public async Task Reading_past_the_limit_throws_async()
    {
        await using var s = new DigestingStream(new MemoryStream(Data), limit: 0);
        var e = await Assert.ThrowsAsync<BerthException>(() => s.CopyToAsync(Stream.Null));
        Assert.Equal("content exceeds its declared size 0", e.Message);
    }

    [Fact]
    public void Writing_past_the_limit_throws_before_passing_the_excess_on()
    {
        var sink = new MemoryStream();
        using var s = new DigestingStream(sink, limit: 10);
        s.Write(Data.AsSpan(0, 6));
        Assert.Throws<BerthException>(() => s.Write(Data.AsSpan(6, 5)));
        Assert.Equal(6, sink.Length);
        s.Write(Data.AsSpan(6, 4));
        Assert.Equal(10, s.BytesHashed);
        Assert.Equal(Digest.Sha256(Data.AsSpan(0, 10)), s.Digest);
    }

    [Fact]
    public void An_endless_source_stops_at_the_limit()
    {
        using var s = new DigestingStream(new EndlessStream(), limit: 1 << 20);
        Assert.Throws<BerthException>(() => s.CopyTo(Stream.Null));
    }

    [Fact]
    public void No_bytes_after_the_digest_is_taken()
    {
        using var s = new DigestingStream(new MemoryStream(), leaveOpen: false);
        _ = s.Digest;
        Assert.Throws<InvalidOperationException>(() => s.Write([1]));
    }

    [Fact]
    public void Not_seekable()
    {
        using var s = new DigestingStream(new MemoryStream(Data));
        Assert.False(s.CanSeek);
        Assert.Throws<NotSupportedException>(() => s.Seek(0, SeekOrigin.Begin));
    }

    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) { Array.Fill(buffer, (byte)'z', offset, count); return count; }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
