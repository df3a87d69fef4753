using System.Net;
using Berth.Core;

namespace Berth.Distribution.Tests;

public sealed class EndpointAndNamesTests
{
    private static RegistryEndpoint Ep(string registry, Action<RegistryClientOptions>? configure = null)
    {
        var o = new RegistryClientOptions();
        configure?.Invoke(o);
        return RegistryEndpoint.Create(registry, o);
    }

    [Theory]
    [InlineData("registry.example.com", "https://registry.example.com/")]
    [InlineData("registry.example.com:5000", "https://registry.example.com:5000/")]
    [InlineData("localhost:5000", "http://localhost:5000/")]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("127.1.2.3", "http://127.1.2.3/")]
    [InlineData("[::1]:5000", "http://[::1]:5000/")]
    [InlineData("docker.io", "https://registry-1.docker.io/")]
    [InlineData("index.docker.io", "https://registry-1.docker.io/")]
    public void Scheme_HttpsByDefault_HttpForLoopback(string registry, string baseUri)
    {
        Assert.Equal(baseUri, Ep(registry).BaseUri.ToString());
    }

    [Fact]
    public void InsecureRegistry_UsesHttp_AndMayCarryCredentials()
    {
        RegistryEndpoint ep = Ep("registry.lan:5000", o => o.InsecureRegistries.Add("registry.lan:5000"));
        Assert.Equal("http://registry.lan:5000/", ep.BaseUri.ToString());
        ep.EnsureCredentialsAllowed(ep.BaseUri); // no throw
    }

    [Fact]
    public void ExplicitScheme_Wins()
    {
        Assert.Equal("https://localhost:5000/", Ep("localhost:5000", o => o.Registries["localhost:5000"] = new RegistryHostSettings { Scheme = "https" }).BaseUri.ToString());
    }

    [Fact]
    public void Credentials_OverPlainHttp_ToNonLoopback_AreRefused()
    {
        RegistryEndpoint ep = Ep("registry.lan:5000", o => o.Registries["registry.lan:5000"] = new RegistryHostSettings { Scheme = "http" });
        var e = Assert.Throws<RegistryException>(() => ep.EnsureCredentialsAllowed(ep.BaseUri));
        Assert.Contains("refusing to send credentials for registry registry.lan:5000 over plain HTTP", e.Message);
        ep.EnsureCredentialsAllowed(new Uri("https://auth.lan/token"));
        ep.EnsureCredentialsAllowed(new Uri("http://127.0.0.1:1/token"));
        ep.EnsureCredentialsAllowed(new Uri("http://[::1]:1/token"));
        Assert.Throws<RegistryException>(() => ep.EnsureCredentialsAllowed(new Uri("http://auth.lan/token")));
    }

    [Fact]
    public void OwnOrigin_ComparesSchemeHostAndPort()
    {
        RegistryEndpoint ep = Ep("127.0.0.1:5000");
        Assert.True(ep.IsOwnOrigin(new Uri("http://127.0.0.1:5000/v2/x")));
        Assert.False(ep.IsOwnOrigin(new Uri("http://127.0.0.1:5001/v2/x")));
        Assert.False(ep.IsOwnOrigin(new Uri("https://127.0.0.1:5000/v2/x")));
        Assert.False(ep.IsOwnOrigin(new Uri("http://localhost:5000/v2/x")));
    }

    // Security case 3B-10: names are checked before they become part of a URL.
    [Theory]
    [InlineData("")]
    [InlineData("host/with/slash")]
    [InlineData("user@host")]
    [InlineData("host:port")]
    [InlineData("host:123456")]
    [InlineData("-bad.example")]
    [InlineData("a b")]
    public void BadRegistry_IsRefused(string registry)
    {
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => Names.CheckRegistry(registry)).Kind);
    }

    [Theory]
    [InlineData("library/busybox")]
    [InlineData("a")]
    [InlineData("a/b/c")]
    [InlineData("my-app__x.y/z--w")]
    public void GoodRepository_IsAccepted(string repository) => Names.CheckRepository(repository);

    [Theory]
    [InlineData("")]
    [InlineData("UPPER/case")]
    [InlineData("../etc")]
    [InlineData("a/../b")]
    [InlineData("a//b")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("a?b")]
    [InlineData("a%2fb")]
    [InlineData("a/manifests/x#")]
    public void BadRepository_IsRefused(string repository)
    {
        Assert.Throws<BerthException>(() => Names.CheckRepository(repository));
    }

    [Fact]
    public void Reference_IsTagOrDigest()
    {
        Assert.Null(Names.CheckReference("latest"));
        Assert.Null(Names.CheckReference("v1.2.3-rc_1"));
        Assert.NotNull(Names.CheckReference("sha256:" + new string('a', 64)));
        Assert.Throws<BerthException>(() => Names.CheckReference("sha256:../../x"));
        Assert.Throws<BerthException>(() => Names.CheckReference("../x"));
        Assert.Throws<BerthException>(() => Names.CheckReference(".hidden"));
        Assert.Throws<BerthException>(() => Names.CheckReference(new string('a', 129)));
    }

    [Theory]
    [InlineData(404, null, ErrorKind.NotFound)]
    [InlineData(401, null, ErrorKind.PermissionDenied)]
    [InlineData(403, null, ErrorKind.PermissionDenied)]
    [InlineData(500, null, ErrorKind.Unavailable)]
    [InlineData(503, null, ErrorKind.Unavailable)]
    [InlineData(429, null, ErrorKind.Unavailable)]
    [InlineData(409, null, ErrorKind.Conflict)]
    [InlineData(400, "MANIFEST_BLOB_UNKNOWN", ErrorKind.FailedPrecondition)]
    public void ErrorKinds(int status, string? code, ErrorKind kind)
    {
        ErrorKind actual = code is not null && RegistryException.KindForCode(code) is { } k ? k : RegistryException.KindForStatus((HttpStatusCode)status);
        Assert.Equal(kind, actual);
        Assert.Equal(ErrorKind.NotFound, RegistryException.KindForCode("MANIFEST_UNKNOWN"));
        Assert.Equal(ErrorKind.NotFound, RegistryException.KindForCode("BLOB_UNKNOWN"));
        Assert.Equal(ErrorKind.NotFound, RegistryException.KindForCode("NAME_UNKNOWN"));
        Assert.Equal(ErrorKind.PermissionDenied, RegistryException.KindForCode("DENIED"));
    }

    [Fact]
    public void Credentials_ToString_HidesSecrets()
    {
        Assert.DoesNotContain("hunter2", RegistryCredentials.Basic("bob", "hunter2").ToString());
        Assert.DoesNotContain("secret-token", RegistryCredentials.Token("secret-token").ToString());
    }

    [Fact]
    public void ImageReference_MapsToRegistryRepositoryAndReference()
    {
        var r = Berth.Images.ImageReference.ParseNormalized("127.0.0.1:5000/test/busybox");
        Assert.Equal("latest", RegistryClient.TagOrDigest(r));
        var d = Berth.Images.ImageReference.ParseNormalized("busybox@sha256:" + new string('b', 64));
        Assert.Equal("sha256:" + new string('b', 64), RegistryClient.TagOrDigest(d));
        Assert.Equal("docker.io", d.Domain);
        Assert.Equal("library/busybox", d.Path);
    }
}
