using System.Text;
using Berth.Core;
using Berth.Distribution.Tests.Fakes;
using Berth.Oci.Image;

namespace Berth.Distribution.Tests;

/// <summary>Manifest fetching against an in-process registry that misbehaves on demand.</summary>
public sealed class FakeManifestTests : IDisposable
{
    private readonly FakeRegistry _reg = new();
    private readonly RegistryClient _client = TestClients.Create();

    public void Dispose()
    {
        _client.Dispose();
        _reg.Dispose();
    }

    [Fact]
    public async Task Resolve_SingleManifest_VerifiesAndParses()
    {
        var (manifest, config, layers) = _reg.AddImage("test/app", "v1", layers: [FakeRegistry.RandomBytes(100)]);
        ResolvedImage r = await _client.ResolveAsync(_reg.Name, "test/app", "v1");
        Assert.Equal(manifest, r.Root.Descriptor);
        Assert.Same(r.Root, r.Manifest);
        Assert.Null(r.Platform);
        Assert.Equal(config, r.Config);
        Assert.Equal(layers, r.Layers);
        SeenRequest get = Assert.Single(_reg.Server.Requests);
        Assert.Equal("GET", get.Method);
        Assert.Equal("/v2/test/app/manifests/v1", get.PathAndQuery);
        foreach (string t in new[] { MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList })
            Assert.Contains(t, get.Accept);
    }

    [Fact]
    public async Task Resolve_Index_PicksThePlatform_AndFetchesThatManifestByDigest()
    {
        var amd = _reg.AddImage("test/multi", "amd", "amd64");
        var arm = _reg.AddImage("test/multi", "arm", "arm64", "v8");
        byte[] index = RegistryClient.Serialize(new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests =
            [
                amd.Manifest with { Platform = new Platform("linux", "amd64") },
                arm.Manifest with { Platform = new Platform("linux", "arm64", "v8") },
            ],
        });
        Descriptor indexDesc = _reg.AddManifest("test/multi", "latest", index, MediaTypes.OciIndex);

        ResolvedImage r = await _client.ResolveAsync(_reg.Name, "test/multi", "latest", Platform.Parse("linux/arm64"));
        Assert.Equal(indexDesc, r.Root.Descriptor);
        Assert.True(r.Root.Parsed.IsIndex);
        Assert.Equal(arm.Manifest.Digest, r.Manifest.Descriptor.Digest);
        Assert.Equal(arm.Config, r.Config);
        Assert.Equal("linux/arm64/v8", r.Platform!.ToString());
        Assert.Contains(_reg.Server.Requests, q => q.PathAndQuery == $"/v2/test/multi/manifests/{arm.Manifest.Digest}");

        ResolvedImage d = await _client.ResolveAsync(_reg.Name, "test/multi", "latest"); // default: this machine
        Assert.Equal(Platform.Current.Architecture, d.Platform!.Architecture);

        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.ResolveAsync(_reg.Name, "test/multi", "latest", Platform.Parse("linux/s390x")));
        Assert.Equal(ErrorKind.NotFound, e.Kind);
        Assert.Contains("no manifest for platform linux/s390x", e.Message);
        Assert.Contains("linux/amd64, linux/arm64", e.Message);
    }

    [Fact]
    public async Task Index_EntryWithWrongSizeOrType_IsRefused()
    {
        var amd = _reg.AddImage("test/multi", "amd", "amd64");
        byte[] index = RegistryClient.Serialize(new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = [amd.Manifest with { Size = amd.Manifest.Size + 1, Platform = new Platform("linux", "amd64") }],
        });
        _reg.AddManifest("test/multi", "bad", index, MediaTypes.OciIndex);
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.ResolveAsync(_reg.Name, "test/multi", "bad", Platform.Parse("linux/amd64")));
        Assert.Contains("the index said", e.Message);
    }

    [Fact]
    public async Task WrongDockerContentDigest_IsAnError()
    {
        var (manifest, _, _) = _reg.AddImage("test/app", "v1");
        _reg.Intercept = async (ctx, seen) =>
        {
            if (!seen.PathAndQuery.Contains("/manifests/", StringComparison.Ordinal)) return false;
            var m = _reg.Manifests["test/app:v1"];
            await FakeServer.Send(ctx, 200, m.Bytes, m.ContentType, ("Docker-Content-Digest", "sha256:" + new string('0', 64)));
            return true;
        };
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.GetManifestAsync(_reg.Name, "test/app", "v1"));
        Assert.Equal(ErrorKind.FailedPrecondition, e.Kind);
        Assert.Contains("Docker-Content-Digest", e.Message);
        Assert.Contains($"{_reg.Name}/test/app:v1", e.Message);
        Assert.Contains(manifest.Digest.ToString(), e.Message); // what the bytes really hash to
    }

    [Fact]
    public async Task MalformedDockerContentDigest_IsAnError()
    {
        _reg.AddImage("test/app", "v1");
        _reg.Intercept = async (ctx, seen) =>
        {
            var m = _reg.Manifests["test/app:v1"];
            await FakeServer.Send(ctx, 200, m.Bytes, m.ContentType, ("Docker-Content-Digest", "sha256:../../etc/passwd"));
            return true;
        };
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.GetManifestAsync(_reg.Name, "test/app", "v1"));
        Assert.Contains("malformed Docker-Content-Digest", e.Message);
    }

    [Fact]
    public async Task ByDigest_ContentMustHashToTheRequestedDigest()
    {
        var (manifest, _, _) = _reg.AddImage("test/app", "v1");
        var (other, _, _) = _reg.AddImage("test/app", "v2", layers: [new byte[] { 1 }]);
        // The registry answers the digest request with different bytes (and no digest header to give it away).
        _reg.Intercept = async (ctx, seen) =>
        {
            var m = _reg.Manifests["test/app:v2"];
            await FakeServer.Send(ctx, 200, m.Bytes, m.ContentType);
            return true;
        };
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.GetManifestAsync(_reg.Name, "test/app", manifest.Digest.ToString()));
        Assert.Contains($"hash to {other.Digest}, not the requested digest", e.Message);
    }

    // Security cases 3B-12 and 3E-26: a 5 MiB manifest is refused without reading it all.
    [Fact]
    public async Task OversizedManifest_WithContentLength_IsRefusedUnread()
    {
        byte[] huge = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"pad\":\"" + new string('x', 5 * 1024 * 1024) + "\"}");
        _reg.Intercept = async (ctx, seen) =>
        {
            try
            {
                await FakeServer.Send(ctx, 200, huge, MediaTypes.OciManifest);
            }
            catch (Exception ex) when (ex is System.Net.HttpListenerException or IOException or ObjectDisposedException)
            {
            }
            return true;
        };
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.GetManifestAsync(_reg.Name, "test/app", "big"));
        Assert.Equal(ErrorKind.FailedPrecondition, e.Kind);
        Assert.Contains($"is larger than the {4 * 1024 * 1024} byte limit", e.Message);
        Assert.Contains($"({huge.Length} bytes)", e.Message);
    }

    [Fact]
    public async Task OversizedManifest_Chunked_IsRefused()
    {
        byte[] huge = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"pad\":\"" + new string('x', 5 * 1024 * 1024) + "\"}");
        _reg.Intercept = async (ctx, seen) =>
        {
            await FakeServer.SendChunked(ctx, 200, huge, MediaTypes.OciManifest);
            return true;
        };
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.GetManifestAsync(_reg.Name, "test/app", "big"));
        Assert.Contains("is larger than the 4194304 byte limit", e.Message);
    }

    [Fact]
    public async Task Schema1_IsRefusedClearly()
    {
        _reg.AddManifest("test/old", "v1", """{"schemaVersion":1,"name":"test/old","tag":"v1","fsLayers":[],"history":[]}"""u8.ToArray(), MediaTypes.DockerSchema1SignedManifest);
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.ResolveAsync(_reg.Name, "test/old", "v1"));
        Assert.Contains($"unsupported manifest media type \"{MediaTypes.DockerSchema1SignedManifest}\" (docker schema 1)", e.Message);
        Assert.Contains($"{_reg.Name}/test/old:v1", e.Message);
    }

    [Fact]
    public async Task HeadManifest_ReturnsDescriptor_OrNullWhenMissing()
    {
        var (manifest, _, _) = _reg.AddImage("test/app", "v1");
        Descriptor? d = await _client.HeadManifestAsync(_reg.Name, "test/app", "v1");
        Assert.Equal(manifest, d);
        Assert.Null(await _client.HeadManifestAsync(_reg.Name, "test/app", "nope"));
    }

    [Fact]
    public async Task RegistryErrors_BecomeKindsWithContext()
    {
        var e = await Assert.ThrowsAsync<RegistryException>(() => _client.GetManifestAsync(_reg.Name, "test/app", "nope"));
        Assert.Equal(ErrorKind.NotFound, e.Kind);
        Assert.Equal($"fetching manifest {_reg.Name}/test/app:nope: manifest unknown (MANIFEST_UNKNOWN) (HTTP 404)", e.Message);
        Assert.Equal("MANIFEST_UNKNOWN", Assert.Single(e.Errors).Code);
        Assert.Equal(_reg.Name, e.Registry);
        Assert.Equal("test/app", e.Repository);
        Assert.Equal("nope", e.Reference);

        _reg.Intercept = async (ctx, seen) =>
        {
            await FakeServer.SendError(ctx, 403, "DENIED", "requested access to the resource is denied");
            return true;
        };
        e = await Assert.ThrowsAsync<RegistryException>(() => _client.GetManifestAsync(_reg.Name, "test/app", "v1"));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("requested access to the resource is denied (DENIED)", e.Message);
    }

    // Security case 3B-10: malformed names and digests never reach the wire.
    [Theory]
    [InlineData("test/app", "sha256:../../../../etc/x")]
    [InlineData("test/app", "../../v2/_catalog")]
    [InlineData("../etc", "latest")]
    [InlineData("test/app?x=1", "latest")]
    public async Task MalformedNames_AreRefusedBeforeAnyRequest(string repository, string reference)
    {
        var e = await Assert.ThrowsAsync<BerthException>(() => _client.GetManifestAsync(_reg.Name, repository, reference));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Empty(_reg.Server.Requests);
    }

    [Fact]
    public async Task ListTags_FollowsLinkPages()
    {
        _reg.Intercept = async (ctx, seen) =>
        {
            if (seen.PathAndQuery == "/v2/test/app/tags/list")
            {
                await FakeServer.SendJson(ctx, 200, """{"name":"test/app","tags":["a","b"]}""", ("Link", "</v2/test/app/tags/list?last=b&n=2>; rel=\"next\""));
                return true;
            }
            if (seen.PathAndQuery == "/v2/test/app/tags/list?last=b&n=2")
            {
                await FakeServer.SendJson(ctx, 200, """{"name":"test/app","tags":["c"]}""");
                return true;
            }
            return false;
        };
        Assert.Equal(["a", "b", "c"], await _client.ListTagsAsync(_reg.Name, "test/app"));
    }
}
