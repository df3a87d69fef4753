using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using Berth.Core;
using Berth.Oci.Image;

namespace Berth.Distribution.Tests.Real;

/// <summary>The client against Debian's docker-registry, filled by skopeo from a locally built busybox image.</summary>
public sealed class RealRegistryTests(RealRegistryFixture fixture) : IClassFixture<RealRegistryFixture>
{
    private const string Repo = "test/busybox";

    private static string Sha256Of(string path)
    {
        using FileStream f = File.OpenRead(path);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(f));
    }

    private static string ConfigArchitecture(byte[] config)
    {
        using var doc = JsonDocument.Parse(config);
        return doc.RootElement.GetProperty("architecture").GetString()!;
    }

    [RegistryFact]
    public async Task AnonymousPull_ManifestConfigAndLayers_WithDigestVerification()
    {
        RunningRegistry reg = fixture.Anonymous;
        using RegistryClient client = TestClients.Create();

        ResolvedImage image = await client.ResolveAsync(reg.Name, Repo, "latest");
        Assert.Equal(MediaTypes.DockerManifest, image.Manifest.Descriptor.MediaType);
        Assert.Same(image.Root, image.Manifest);
        Assert.Equal(MediaTypes.DockerConfig, image.Config.MediaType);
        Descriptor layer = Assert.Single(image.Layers);
        Assert.Equal(MediaTypes.DockerLayerGzip, layer.MediaType);

        byte[] config = await client.ReadBlobAsync(reg.Name, Repo, image.Config);
        Assert.Equal(image.Config.Digest, Digest.Sha256(config));
        Assert.Equal(Platform.Current.Architecture, ConfigArchitecture(config));

        string file = Path.GetTempFileName();
        try
        {
            await using (FileStream dest = File.Create(file))
                await client.FetchBlobAsync(reg.Name, Repo, layer, dest);
            Assert.Equal(layer.Size, new FileInfo(file).Length);
            Assert.Equal(layer.Digest.ToString(), Sha256Of(file));
        }
        finally
        {
            File.Delete(file);
        }

        // HEAD agrees with GET, and the manifest can be fetched by its digest.
        Assert.Equal(image.Manifest.Descriptor, await client.HeadManifestAsync(reg.Name, Repo, "latest"));
        FetchedManifest byDigest = await client.GetManifestAsync(reg.Name, Repo, image.Manifest.Descriptor.Digest.ToString());
        Assert.Equal(image.Manifest.Bytes, byDigest.Bytes);
    }

    [RegistryFact]
    public async Task AnonymousPull_OciManifest()
    {
        using RegistryClient client = TestClients.Create();
        ResolvedImage image = await client.ResolveAsync(fixture.Anonymous.Name, Repo, "oci");
        Assert.Equal(MediaTypes.OciManifest, image.Manifest.Descriptor.MediaType);
        Assert.Equal(MediaTypes.OciLayerGzip, Assert.Single(image.Layers).MediaType);
        byte[] config = await client.ReadBlobAsync(fixture.Anonymous.Name, Repo, image.Config);
        Assert.Equal(Platform.Current.Architecture, ConfigArchitecture(config));
    }

    [RegistryFact]
    public async Task ManifestList_ChoosesThePlatform()
    {
        RunningRegistry reg = fixture.Anonymous;
        using RegistryClient client = TestClients.Create();
        ResolvedImage latest = await client.ResolveAsync(reg.Name, Repo, "latest");

        ResolvedImage here = await client.ResolveAsync(reg.Name, Repo, "multi");
        Assert.Equal(MediaTypes.DockerManifestList, here.Root.Descriptor.MediaType);
        Assert.Equal(latest.Manifest.Descriptor.Digest, here.Manifest.Descriptor.Digest); // this machine's entry is :latest
        Assert.Equal(Platform.Current.Architecture, here.Platform!.Architecture);

        ResolvedImage arm = await client.ResolveAsync(reg.Name, Repo, "multi", Platform.Parse("linux/arm64/v8"));
        Assert.NotEqual(latest.Manifest.Descriptor.Digest, arm.Manifest.Descriptor.Digest);
        Assert.Equal("arm64", ConfigArchitecture(await client.ReadBlobAsync(reg.Name, Repo, arm.Config)));
        Assert.Equal(latest.Layers, arm.Layers);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(reg.Name, Repo, "multi", Platform.Parse("linux/riscv64")));
        Assert.Equal(ErrorKind.NotFound, e.Kind);
    }

    [RegistryFact]
    public async Task ListTags_And_NotFoundErrors()
    {
        RunningRegistry reg = fixture.Anonymous;
        using RegistryClient client = TestClients.Create();
        IReadOnlyList<string> tags = await client.ListTagsAsync(reg.Name, Repo);
        Assert.Contains("latest", tags);
        Assert.Contains("oci", tags);
        Assert.Contains("multi", tags);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(reg.Name, Repo, "no-such-tag"));
        Assert.Equal(ErrorKind.NotFound, e.Kind);
        Assert.Contains($"{reg.Name}/{Repo}:no-such-tag", e.Message);
        Assert.Contains("MANIFEST_UNKNOWN", e.Message);

        var b = await Assert.ThrowsAsync<RegistryException>(() =>
            client.FetchBlobAsync(reg.Name, Repo, new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256("nope"u8), 4), new MemoryStream()));
        Assert.Equal(ErrorKind.NotFound, b.Kind);
        Assert.False(await client.BlobExistsAsync(reg.Name, Repo, Digest.Sha256("nope"u8)));
    }

    [RegistryFact]
    public async Task BasicAuth_Htpasswd_SucceedsWithThePassword()
    {
        RunningRegistry reg = fixture.Basic;
        using RegistryClient client = TestClients.WithBasic(reg.Name, RealRegistryFixture.User, RealRegistryFixture.Password);
        ResolvedImage image = await client.ResolveAsync(reg.Name, Repo, "latest");
        using var layer = new MemoryStream();
        await client.FetchBlobAsync(reg.Name, Repo, image.Layers[0], layer);
        Assert.Equal(image.Layers[0].Digest, Digest.Sha256(layer.ToArray()));
        Assert.Contains("latest", await client.ListTagsAsync(reg.Name, Repo));
    }

    [RegistryFact]
    public async Task BasicAuth_Htpasswd_FailsWithAWrongPasswordOrNone()
    {
        RunningRegistry reg = fixture.Basic;
        using RegistryClient wrong = TestClients.WithBasic(reg.Name, RealRegistryFixture.User, "not-the-password");
        var e = await Assert.ThrowsAsync<RegistryException>(() => wrong.ResolveAsync(reg.Name, Repo, "latest"));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("(HTTP 401)", e.Message);
        Assert.DoesNotContain("not-the-password", e.Message);

        using RegistryClient none = TestClients.Create();
        e = await Assert.ThrowsAsync<RegistryException>(() => none.ResolveAsync(reg.Name, Repo, "latest"));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("requires Basic authentication", e.Message);
    }

    /// <summary>Writes to a file and cancels the download once <c>stopAfter</c> bytes went through.</summary>
    private sealed class InterruptingStream(Stream inner, long stopAfter, CancellationTokenSource cancel) : Stream
    {
        public long Written;
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
            if (Written >= stopAfter) cancel.Cancel();
        }
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }

    [RegistryFact]
    public async Task InterruptedDownload_ResumesFromTheOffset_AndTheDigestIsStillVerified()
    {
        RunningRegistry reg = fixture.Anonymous;
        using RegistryClient client = TestClients.Create();
        ResolvedImage image = await client.ResolveAsync(reg.Name, Repo, "latest");
        Descriptor layer = image.Layers[0];
        Assert.True(layer.Size > 256 * 1024, $"the test layer is only {layer.Size} bytes");
        string file = Path.GetTempFileName();
        try
        {
            // 1. Download about half, then cancel.
            long half = layer.Size / 2;
            using (var cancel = new CancellationTokenSource())
            await using (FileStream f = File.Create(file))
            {
                var interrupting = new InterruptingStream(f, half, cancel);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.FetchBlobAsync(reg.Name, Repo, layer, interrupting, 0, cancel.Token));
            }
            long have = new FileInfo(file).Length;
            Assert.InRange(have, half, layer.Size - 1);

            // 2. Resume from what is on disk: only the rest travels, and the whole file verifies.
            await using (var f = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
            {
                using var never = new CancellationTokenSource();
                var counting = new InterruptingStream(f, long.MaxValue, never);
                await client.FetchBlobAsync(reg.Name, Repo, layer, counting, have);
                Assert.Equal(layer.Size - have, counting.Written);
            }
            Assert.Equal(layer.Size, new FileInfo(file).Length);
            Assert.Equal(layer.Digest.ToString(), Sha256Of(file));

            // 3. A corrupted prefix is caught by the digest even though it was never re-downloaded.
            await using (var f = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
            {
                f.Position = 10;
                f.WriteByte(0xAA ^ 0x55);
                f.SetLength(have);
                f.Position = have;
                var e = await Assert.ThrowsAsync<RegistryException>(() => client.FetchBlobAsync(reg.Name, Repo, layer, f, have));
                Assert.Contains("digest mismatch", e.Message);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [RegistryFact]
    public async Task Push_BlobsAndManifest_ToANewRepository_AndReadBack()
    {
        RunningRegistry reg = fixture.Anonymous;
        // Small chunks, so the layer goes up in PATCHes and the config in one PUT.
        using RegistryClient client = TestClients.Create(o => o.UploadChunkSize = 64 * 1024);
        string repo = $"berth/push-{Guid.NewGuid():N}";

        byte[] layerBytes = RandomNumberGenerator.GetBytes(300_000);
        var layer = new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256(layerBytes), layerBytes.Length);
        byte[] configBytes = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
        var config = new Descriptor(MediaTypes.OciConfig, Digest.Sha256(configBytes), configBytes.Length);

        Assert.False(await client.BlobExistsAsync(reg.Name, repo, layer.Digest));
        Assert.Equal(BlobPushResult.Uploaded, await client.PushBlobAsync(reg.Name, repo, layer, new MemoryStream(layerBytes)));
        Assert.Equal(BlobPushResult.Uploaded, await client.PushBlobAsync(reg.Name, repo, config, new MemoryStream(configBytes)));
        Assert.True(await client.BlobExistsAsync(reg.Name, repo, layer.Digest));
        Assert.Equal(BlobPushResult.AlreadyExists, await client.PushBlobAsync(reg.Name, repo, layer, new MemoryStream(layerBytes)));

        byte[] manifest = RegistryClient.Serialize(new ImageManifest { MediaType = MediaTypes.OciManifest, Config = config, Layers = [layer] });
        Descriptor pushed = await client.PushManifestAsync(reg.Name, repo, "v1", manifest, MediaTypes.OciManifest);
        Assert.Equal(Digest.Sha256(manifest), pushed.Digest);

        ResolvedImage back = await client.ResolveAsync(reg.Name, repo, "v1");
        Assert.Equal(pushed, back.Manifest.Descriptor);
        Assert.Equal(manifest, back.Manifest.Bytes);
        Assert.Equal(configBytes, await client.ReadBlobAsync(reg.Name, repo, back.Config));
        using (var got = new MemoryStream())
        {
            await client.FetchBlobAsync(reg.Name, repo, back.Layers[0], got);
            Assert.Equal(layerBytes, got.ToArray());
        }

        // An index over it, pushed by tag, resolves to the same manifest.
        byte[] index = RegistryClient.Serialize(new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = [pushed with { Platform = new Platform("linux", "amd64") }],
        });
        await client.PushManifestAsync(reg.Name, repo, "multi", index, MediaTypes.OciIndex);
        ResolvedImage viaIndex = await client.ResolveAsync(reg.Name, repo, "multi", Platform.Parse("linux/amd64"));
        Assert.Equal(pushed.Digest, viaIndex.Manifest.Descriptor.Digest);
        Assert.Equal(["multi", "v1"], (await client.ListTagsAsync(reg.Name, repo)).Order(StringComparer.Ordinal));

        // Pushing by digest works too, and a digest that does not match is refused before sending.
        await client.PushManifestAsync(reg.Name, repo, pushed.Digest.ToString(), manifest, MediaTypes.OciManifest);
        await Assert.ThrowsAsync<RegistryException>(() => client.PushManifestAsync(reg.Name, repo, Digest.Sha256("x"u8).ToString(), manifest, MediaTypes.OciManifest));

        // Cross-repository mount: the registry links the layer without an upload.
        string other = $"berth/mount-{Guid.NewGuid():N}";
        Assert.Equal(BlobPushResult.Mounted, await client.PushBlobAsync(reg.Name, other, layer, new MemoryStream(layerBytes), mountFrom: repo));
        Assert.True(await client.BlobExistsAsync(reg.Name, other, layer.Digest));
    }

    [RegistryFact]
    public async Task Push_ContentThatDoesNotMatchTheDescriptor_IsNotCommitted()
    {
        RunningRegistry reg = fixture.Anonymous;
        using RegistryClient chunked = TestClients.Create(o => o.UploadChunkSize = 64 * 1024);
        using RegistryClient monolithic = TestClients.Create();
        string repo = $"berth/bad-{Guid.NewGuid():N}";
        byte[] bytes = RandomNumberGenerator.GetBytes(200_000);
        var claimed = new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256(bytes), bytes.Length);
        byte[] other = RandomNumberGenerator.GetBytes(200_000);

        await Assert.ThrowsAnyAsync<BerthException>(() => chunked.PushBlobAsync(reg.Name, repo, claimed, new MemoryStream(other)));
        await Assert.ThrowsAnyAsync<BerthException>(() => monolithic.PushBlobAsync(reg.Name, repo, claimed, new MemoryStream(other)));
        var shortErr = await Assert.ThrowsAnyAsync<BerthException>(() => monolithic.PushBlobAsync(reg.Name, repo, claimed, new MemoryStream(bytes[..1000])));
        Assert.Contains("ended after 1000 of 200000 bytes", shortErr.Message);
        Assert.False(await monolithic.BlobExistsAsync(reg.Name, repo, claimed.Digest));

        // A manifest must be well formed before it is sent.
        byte[] hybrid = Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{"mediaType":"x","digest":"{{claimed.Digest}}","size":1},"layers":[],"manifests":[]}""");
        var e = await Assert.ThrowsAsync<RegistryException>(() => monolithic.PushManifestAsync(reg.Name, repo, "bad", hybrid, MediaTypes.OciManifest));
        Assert.Contains("ambiguous", e.Message);
    }

    [RegistryFact]
    public async Task Push_WithBasicAuth()
    {
        RunningRegistry reg = fixture.Basic;
        using RegistryClient client = TestClients.WithBasic(reg.Name, RealRegistryFixture.User, RealRegistryFixture.Password);
        string repo = $"berth/auth-{Guid.NewGuid():N}";
        byte[] configBytes = """{"architecture":"amd64","os":"linux"}"""u8.ToArray();
        var config = new Descriptor(MediaTypes.OciConfig, Digest.Sha256(configBytes), configBytes.Length);
        ResolvedImage source = await client.ResolveAsync(reg.Name, Repo, "oci");
        Descriptor layer = source.Layers[0];
        Assert.Equal(BlobPushResult.Uploaded, await client.PushBlobAsync(reg.Name, repo, config, new MemoryStream(configBytes)));
        Assert.Equal(BlobPushResult.Mounted, await client.PushBlobAsync(reg.Name, repo, layer, Stream.Null, mountFrom: Repo));
        byte[] manifest = RegistryClient.Serialize(new ImageManifest { MediaType = MediaTypes.OciManifest, Config = config, Layers = [layer] });
        await client.PushManifestAsync(reg.Name, repo, "latest", manifest, MediaTypes.OciManifest);
        Assert.Equal(manifest, (await client.ResolveAsync(reg.Name, repo, "latest")).Manifest.Bytes);

        using RegistryClient anonymous = TestClients.Create();
        await Assert.ThrowsAsync<RegistryException>(() => anonymous.PushManifestAsync(reg.Name, repo, "latest", manifest, MediaTypes.OciManifest));
    }
}
