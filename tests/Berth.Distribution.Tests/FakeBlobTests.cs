using System.Diagnostics;
using Berth.Core;
using Berth.Distribution.Tests.Fakes;
using Berth.Oci.Image;

namespace Berth.Distribution.Tests;

/// <summary>Blob downloads against an in-process registry: resume, retries, limits and redirects.</summary>
public sealed class FakeBlobTests : IDisposable
{
    private readonly FakeRegistry _reg = new();
    private readonly RegistryClient _client = TestClients.Create();

    public void Dispose()
    {
        _client.Dispose();
        _reg.Dispose();
    }

    private async Task<byte[]> Fetch(Descriptor d, long resumeFrom = 0, byte[]? prefix = null)
    {
        using var dest = new MemoryStream();
        if (prefix is not null) dest.Write(prefix);
        await _client.FetchBlobAsync(_reg.Name, "test/app", d, dest, resumeFrom);
        return dest.ToArray();
    }

    [Fact]
    public async Task Fetch_Plain()
    {
        byte[] blob = FakeRegistry.RandomBytes(300_000);
        Descriptor d = _reg.AddBlob(blob);
        Assert.Equal(blob, await Fetch(d));
        Assert.Null(Assert.Single(_reg.Server.Requests).Range);
    }

    [Fact]
    public async Task Fetch_EmptyBlob_NeedsNoRequest()
    {
        Descriptor d = _reg.AddBlob([]);
        Assert.Empty(await Fetch(d));
    }

    [Fact]
    public async Task Resume_AsksForTheRest_AndVerifiesTheWholeDigest()
    {
        byte[] blob = FakeRegistry.RandomBytes(200_000);
        Descriptor d = _reg.AddBlob(blob);
        Assert.Equal(blob, await Fetch(d, 70_000, blob[..70_000]));
        Assert.Equal("bytes=70000-", Assert.Single(_reg.Server.Requests).Range);
    }

    [Fact]
    public async Task Resume_WithACorruptPrefix_FailsTheDigest()
    {
        byte[] blob = FakeRegistry.RandomBytes(200_000);
        Descriptor d = _reg.AddBlob(blob);
        byte[] prefix = blob[..70_000];
        prefix[5] ^= 0xff;
        var e = await Assert.ThrowsAsync<RegistryException>(() => Fetch(d, 70_000, prefix));
        Assert.Equal(ErrorKind.FailedPrecondition, e.Kind);
        Assert.Contains("digest mismatch", e.Message);
    }

    [Fact]
    public async Task Resume_WhenTheServerIgnoresRange_SkipsTheBytesAlreadyHeld()
    {
        _reg.SupportsRange = false;
        byte[] blob = FakeRegistry.RandomBytes(200_000);
        Descriptor d = _reg.AddBlob(blob);
        Assert.Equal(blob, await Fetch(d, 123_457, blob[..123_457]));
        Assert.Equal("bytes=123457-", Assert.Single(_reg.Server.Requests).Range);
    }

    [Fact]
    public async Task Resume_NeedsAReadableSeekableDestination()
    {
        Descriptor d = _reg.AddBlob(FakeRegistry.RandomBytes(10));
        var e = await Assert.ThrowsAsync<BerthException>(() => _client.FetchBlobAsync(_reg.Name, "test/app", d, new WriteOnlyStream(), 5));
        Assert.Contains("readable, seekable", e.Message);
    }

    [Fact]
    public async Task FetchRange_LeavesTheDigestToTheCaller()
    {
        byte[] blob = FakeRegistry.RandomBytes(50_000);
        Descriptor d = _reg.AddBlob(blob);
        using var tail = new WriteOnlyStream();
        await _client.FetchBlobRangeAsync(_reg.Name, "test/app", d, tail, 20_000);
        Assert.Equal(blob[20_000..], tail.Written.ToArray());
    }

    [Fact]
    public async Task WrongBytes_FailTheDigest()
    {
        byte[] blob = FakeRegistry.RandomBytes(1000);
        Descriptor d = _reg.AddBlob(blob);
        byte[] evil = (byte[])blob.Clone();
        evil[999] ^= 1;
        _reg.Blobs[d.Digest.ToString()] = evil;
        var e = await Assert.ThrowsAsync<RegistryException>(() => Fetch(d));
        Assert.Contains("digest mismatch: the content hashes to sha256:", e.Message);
        Assert.Contains($"{_reg.Name}/test/app@{d.Digest}", e.Message);
    }

    // Security case 3B-12: never accept more bytes than the descriptor's size.
    [Fact]
    public async Task BlobBiggerThanDescriptor_WithContentLength_IsRefusedBeforeReading()
    {
        byte[] blob = FakeRegistry.RandomBytes(1000);
        Descriptor d = _reg.AddBlob(blob);
        _reg.Blobs[d.Digest.ToString()] = [.. blob, .. FakeRegistry.RandomBytes(100)];
        using var dest = new MemoryStream();
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.FetchBlobAsync(_reg.Name, "test/app", d, dest));
        Assert.Contains("more than the descriptor's 1000 bytes (1100)", e.Message);
        Assert.Equal(0, dest.Length);
    }

    [Fact]
    public async Task BlobBiggerThanDescriptor_Streamed_StopsAtTheSize()
    {
        byte[] blob = FakeRegistry.RandomBytes(300_000);
        Descriptor d = _reg.AddBlob(blob);
        _reg.Intercept = async (ctx, seen) =>
        {
            await FakeServer.SendChunked(ctx, 200, [.. blob, .. FakeRegistry.RandomBytes(500_000)]);
            return true;
        };
        using var dest = new MemoryStream();
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.FetchBlobAsync(_reg.Name, "test/app", d, dest));
        Assert.Contains("more than the descriptor's 300000 bytes", e.Message);
        Assert.True(dest.Length <= d.Size);
    }

    [Fact]
    public async Task EndlessBlob_StopsAtTheSize()
    {
        Descriptor d = _reg.AddBlob(FakeRegistry.RandomBytes(100));
        _reg.Intercept = async (ctx, seen) =>
        {
            ctx.Response.SendChunked = true;
            byte[] chunk = new byte[64 * 1024];
            try
            {
                for (int i = 0; i < 100_000; i++) await ctx.Response.OutputStream.WriteAsync(chunk);
            }
            catch (Exception ex) when (ex is System.Net.HttpListenerException or IOException or ObjectDisposedException)
            {
            }
            return true;
        };
        using var dest = new MemoryStream();
        await Assert.ThrowsAsync<RegistryException>(() => _client.FetchBlobAsync(_reg.Name, "test/app", d, dest));
        Assert.True(dest.Length <= 100);
    }

    [Fact]
    public async Task Truncated_ThenWhole_ResumesWithRange()
    {
        byte[] blob = FakeRegistry.RandomBytes(400_000);
        Descriptor d = _reg.AddBlob(blob);
        int calls = 0;
        _reg.Intercept = async (ctx, seen) =>
        {
            if (Interlocked.Increment(ref calls) > 1) return false;
            await FakeServer.SendTruncated(ctx, 200, blob[..150_000], blob.Length);
            return true;
        };
        Assert.Equal(blob, await Fetch(d));
        SeenRequest[] seen = [.. _reg.Server.Requests];
        Assert.Equal(2, seen.Length);
        Assert.Null(seen[0].Range);
        Assert.NotNull(seen[1].Range);
        Assert.StartsWith("bytes=", seen[1].Range);
        long from = long.Parse(seen[1].Range!["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(from > 0 && from <= 150_000, $"resumed from {from}");
    }

    [Fact]
    public async Task AlwaysTruncated_FailsAsUnavailable_AfterMaxAttempts()
    {
        byte[] blob = FakeRegistry.RandomBytes(100_000);
        Descriptor d = _reg.AddBlob(blob);
        _reg.Intercept = async (ctx, seen) =>
        {
            await FakeServer.SendTruncated(ctx, 200, blob[..10], blob.Length);
            return true;
        };
        var e = await Assert.ThrowsAsync<RegistryException>(() => Fetch(d));
        Assert.Equal(ErrorKind.Unavailable, e.Kind);
        Assert.Contains("after 4 attempts", e.Message);
        Assert.Equal(4, _reg.Server.Requests.Count);
    }

    [Fact]
    public async Task CleanlyShortBody_IsRetried_ThenReportedTruncated()
    {
        byte[] blob = FakeRegistry.RandomBytes(100_000);
        Descriptor d = _reg.AddBlob(blob);
        _reg.Intercept = async (ctx, seen) =>
        {
            await FakeServer.SendChunked(ctx, seen.Range is null ? 200 : 206, seen.Range is null ? blob[..1000] : [],
                headers: seen.Range is null ? [] : [("Content-Range", $"bytes 1000-{blob.Length - 1}/{blob.Length}")]);
            return true;
        };
        var e = await Assert.ThrowsAsync<RegistryException>(() => Fetch(d));
        Assert.Contains("sent 1000 of 100000 bytes (truncated", e.Message);
    }

    [Fact]
    public async Task Status500_ThenSuccess()
    {
        byte[] blob = FakeRegistry.RandomBytes(5000);
        Descriptor d = _reg.AddBlob(blob);
        int calls = 0;
        _reg.Intercept = async (ctx, seen) =>
        {
            if (Interlocked.Increment(ref calls) > 2) return false;
            await FakeServer.SendError(ctx, 500, "UNKNOWN", "boom");
            return true;
        };
        Assert.Equal(blob, await Fetch(d));
        Assert.Equal(3, _reg.Server.Requests.Count);
    }

    [Fact]
    public async Task Status503_Always_IsUnavailable()
    {
        Descriptor d = _reg.AddBlob(FakeRegistry.RandomBytes(10));
        _reg.Intercept = async (ctx, seen) =>
        {
            await FakeServer.SendError(ctx, 503, "UNAVAILABLE", "maintenance");
            return true;
        };
        var e = await Assert.ThrowsAsync<RegistryException>(() => Fetch(d));
        Assert.Equal(ErrorKind.Unavailable, e.Kind);
        Assert.Equal(4, _reg.Server.Requests.Count);
        Assert.Contains("maintenance (UNAVAILABLE) (HTTP 503)", e.Message);
    }

    [Fact]
    public async Task Status429_HonoursRetryAfter()
    {
        byte[] blob = FakeRegistry.RandomBytes(5000);
        Descriptor d = _reg.AddBlob(blob);
        int calls = 0;
        _reg.Intercept = async (ctx, seen) =>
        {
            if (Interlocked.Increment(ref calls) > 1) return false;
            await FakeServer.SendError(ctx, 429, "TOOMANYREQUESTS", "slow down", ("Retry-After", "1"));
            return true;
        };
        var sw = Stopwatch.StartNew();
        Assert.Equal(blob, await Fetch(d));
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(950), $"retried after {sw.Elapsed}");
    }

    [Fact]
    public async Task Status429_WithALongRetryAfter_FailsAtOnce()
    {
        Descriptor d = _reg.AddBlob(FakeRegistry.RandomBytes(10));
        _reg.Intercept = async (ctx, seen) =>
        {
            await FakeServer.SendError(ctx, 429, "TOOMANYREQUESTS", "slow down", ("Retry-After", "3600"));
            return true;
        };
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<RegistryException>(() => Fetch(d));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(ErrorKind.Unavailable, e.Kind);
        Assert.Contains("retry after 3600 s", e.Message);
        Assert.Single(_reg.Server.Requests);
    }

    [Fact]
    public async Task ConnectionRefused_IsRetried_ThenUnavailable()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        Descriptor d = new(MediaTypes.OciLayerGzip, Digest.Sha256([1]), 1);
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.FetchBlobAsync($"127.0.0.1:{port}", "test/app", d, new MemoryStream()));
        Assert.Equal(ErrorKind.Unavailable, e.Kind);
        Assert.Contains("(after 4 attempts)", e.Message);
    }

    [Fact]
    public async Task StalledBody_TimesOut_AndResumes()
    {
        using RegistryClient client = TestClients.Create(o => o.ReadTimeout = TimeSpan.FromMilliseconds(500));
        byte[] blob = FakeRegistry.RandomBytes(200_000);
        Descriptor d = _reg.AddBlob(blob);
        int calls = 0;
        _reg.Intercept = async (ctx, seen) =>
        {
            if (Interlocked.Increment(ref calls) > 1) return false;
            ctx.Response.ContentLength64 = blob.Length;
            await ctx.Response.OutputStream.WriteAsync(blob.AsMemory(0, 50_000));
            await ctx.Response.OutputStream.FlushAsync();
            await Task.Delay(3000); // stall
            ctx.Response.Abort();
            return true;
        };
        using var dest = new MemoryStream();
        await client.FetchBlobAsync(_reg.Name, "test/app", d, dest);
        Assert.Equal(blob, dest.ToArray());
        Assert.Equal(2, _reg.Server.Requests.Count);
        Assert.NotNull(_reg.Server.Requests.Last().Range);
    }

    [Fact]
    public async Task BadContentRange_IsRefused()
    {
        byte[] blob = FakeRegistry.RandomBytes(1000);
        Descriptor d = _reg.AddBlob(blob);
        _reg.Intercept = async (ctx, seen) =>
        {
            await FakeServer.Send(ctx, 206, blob[100..], "application/octet-stream", ("Content-Range", $"bytes 100-999/1000"));
            return true;
        };
        var e = await Assert.ThrowsAsync<RegistryException>(() => Fetch(d, 500, blob[..500]));
        Assert.Contains("asked for bytes 500- of 1000", e.Message);
    }

    [Fact]
    public async Task Redirect_ToAnotherHost_IsFollowed_WithoutCredentials()
    {
        using var tokens = new FakeTokenServer();
        using var storage = new FakeServer("127.0.0.2");
        _reg.TokenAuth = tokens;
        _reg.Storage = storage;
        storage.Handler = _reg.ServeStorage;
        byte[] blob = FakeRegistry.RandomBytes(100_000);
        Descriptor d = _reg.AddBlob(blob);

        Assert.Equal(blob, await Fetch(d));
        Assert.All(_reg.Server.Requests.Where(r => r.Authorization is not null), r => Assert.StartsWith("Bearer tok-", r.Authorization));
        SeenRequest atStorage = Assert.Single(storage.Requests);
        Assert.StartsWith($"/storage/{d.Digest}?sig=abc", atStorage.PathAndQuery);
        Assert.Null(atStorage.Authorization);

        // Resuming through the redirect keeps the Range.
        Assert.Equal(blob, await Fetch(d, 60_000, blob[..60_000]));
        Assert.Equal("bytes=60000-", storage.Requests.Last().Range);
        Assert.Null(storage.Requests.Last().Authorization);
    }

    // Security case 3B-11 (CVE-2020-15157): a host we were redirected to cannot get our credentials
    // by answering 401 with a realm of its own.
    [Fact]
    public async Task CVE_2020_15157_ChallengeFromARedirectTarget_IsNotAnswered()
    {
        using var tokens = new FakeTokenServer { RequiredBasic = ("alice", "secret") };
        using var attackerTokens = new FakeTokenServer();
        using var storage = new FakeServer("127.0.0.2");
        _reg.TokenAuth = tokens;
        _reg.Storage = storage;
        storage.Handler = (ctx, seen) => FakeServer.SendError(ctx, 401, "UNAUTHORIZED", "auth please",
            ("WWW-Authenticate", $"Bearer realm=\"{attackerTokens.Realm}\",service=\"evil\""));
        Descriptor d = _reg.AddBlob(FakeRegistry.RandomBytes(100));
        using RegistryClient client = TestClients.WithBasic(_reg.Name, "alice", "secret");

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.FetchBlobAsync(_reg.Name, "test/app", d, new MemoryStream()));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("(from 127.0.0.2:", e.Message);
        Assert.Empty(attackerTokens.Server.Requests);
        Assert.All(storage.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task ForeignUrls_AreNeverFetched()
    {
        using var foreign = new FakeServer();
        byte[] blob = FakeRegistry.RandomBytes(1000);
        Descriptor d = _reg.AddBlob(blob) with { Urls = [new Uri(foreign.BaseUri, "layer.tar.gz").ToString()] };
        Assert.Equal(blob, await Fetch(d));
        Assert.Empty(foreign.Requests);
    }

    [Fact]
    public async Task MalformedDescriptorDigest_IsRefusedBeforeAnyRequest()
    {
        var d = new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = new Digest("sha256", "../../../../etc/passwd"), Size = 1 };
        var e = await Assert.ThrowsAsync<BerthException>(() => Fetch(d));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        await Assert.ThrowsAsync<BerthException>(() => Fetch(new Descriptor()));
        Assert.Empty(_reg.Server.Requests);
    }

    [Fact]
    public async Task ReadBlob_RefusesBlobsOverTheConfigLimit()
    {
        var d = new Descriptor(MediaTypes.OciConfig, Digest.Sha256([1]), 5 * 1024 * 1024);
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.ReadBlobAsync(_reg.Name, "test/app", d));
        Assert.Contains("limit for in-memory blobs", e.Message);
        Assert.Empty(_reg.Server.Requests);
    }

    [Fact]
    public async Task Cancellation_IsNotRetried()
    {
        Descriptor d = _reg.AddBlob(FakeRegistry.RandomBytes(100));
        using var cts = new CancellationTokenSource();
        _reg.Intercept = async (ctx, seen) =>
        {
            cts.Cancel(); // once the request is in flight, not at a time a loaded machine may not meet
            await Task.Delay(5000);
            return false;
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.FetchBlobAsync(_reg.Name, "test/app", d, new MemoryStream(), 0, cts.Token));
        Assert.Single(_reg.Server.Requests);
    }

    [Fact]
    public async Task DestinationFailure_IsTheCallers_AndNotRetried()
    {
        Descriptor d = _reg.AddBlob(FakeRegistry.RandomBytes(100_000));
        var e = await Assert.ThrowsAsync<IOException>(() => _client.FetchBlobAsync(_reg.Name, "test/app", d, new FailingStream()));
        Assert.Equal("No space left on device", e.Message);
        Assert.Single(_reg.Server.Requests);
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("No space left on device");
    }

    private sealed class WriteOnlyStream : Stream
    {
        public MemoryStream Written { get; } = new();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);
    }
}
