namespace Berth.Distribution.Tests;

// Security case 3E-26: small documents are read with a hard cap, never to the end of an endless body.
public sealed class BodyReaderTests
{
    /// <summary>An endless stream of 'x' that counts what was read from it.</summary>
    private sealed class EndlessStream : Stream
    {
        public long BytesRead;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'x');
            BytesRead += count;
            return count;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task EndlessBody_StopsAfterLimitPlusOne()
    {
        var endless = new EndlessStream();
        var content = new StreamContent(endless);
        await Assert.ThrowsAsync<BodyTooLargeException>(() => BodyReader.ReadBoundedAsync(content, 4 * 1024 * 1024, TimeSpan.FromSeconds(5), default));
        Assert.True(endless.BytesRead <= 4 * 1024 * 1024 + 1, $"read {endless.BytesRead} bytes");
    }

    [Fact]
    public async Task DeclaredTooLarge_ReadsNothing()
    {
        var endless = new EndlessStream();
        var content = new StreamContent(endless);
        content.Headers.ContentLength = 5 * 1024 * 1024;
        await Assert.ThrowsAsync<BodyTooLargeException>(() => BodyReader.ReadBoundedAsync(content, 4 * 1024 * 1024, TimeSpan.FromSeconds(5), default));
        Assert.Equal(0, endless.BytesRead);
    }

    [Fact]
    public async Task ExactlyTheLimit_IsAccepted()
    {
        byte[] body = new byte[1000];
        Assert.Equal(1000, (await BodyReader.ReadBoundedAsync(new ByteArrayContent(body), 1000, TimeSpan.FromSeconds(5), default)).Length);
        await Assert.ThrowsAsync<BodyTooLargeException>(() => BodyReader.ReadBoundedAsync(new StreamContent(new MemoryStream(new byte[1001])), 1000, TimeSpan.FromSeconds(5), default));
    }

    [Fact]
    public void ErrorBodies_ParseCodesMessagesAndAnyDetail()
    {
        var errors = ErrorBodies.Parse("""{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}},{"code":"DENIED","message":"no","detail":"s"}]}"""u8);
        Assert.Equal(2, errors.Count);
        Assert.Equal(new RegistryError("MANIFEST_UNKNOWN", "manifest unknown", "{\"Tag\":\"x\"}"), errors[0]);
        Assert.Equal("s", errors[1].Detail);
        Assert.Empty(ErrorBodies.Parse("<html>bad gateway</html>"u8));
        Assert.Empty(ErrorBodies.Parse(""u8));
    }
}
