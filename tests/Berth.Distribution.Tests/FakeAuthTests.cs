using System.Text;
using System.Web;
using Berth.Core;
using Berth.Distribution.Tests.Fakes;

namespace Berth.Distribution.Tests;

/// <summary>Token and Basic authentication against an in-process registry and token server.</summary>
public sealed class FakeAuthTests : IDisposable
{
    private readonly FakeRegistry _reg = new();
    private readonly FakeTokenServer _tokens = new();

    public FakeAuthTests()
    {
        _reg.TokenAuth = _tokens;
        _reg.AddImage("test/app", "v1", layers: [FakeRegistry.RandomBytes(1000)]);
    }

    public void Dispose()
    {
        _reg.Dispose();
        _tokens.Dispose();
    }

    private static System.Collections.Specialized.NameValueCollection Query(SeenRequest r)
        => HttpUtility.ParseQueryString(new Uri("http://x" + r.PathAndQuery).Query);

    [Fact]
    public async Task BearerChallenge_FetchesATokenWithServiceAndScope_AndRetries()
    {
        using RegistryClient client = TestClients.Create();
        ResolvedImage r = await client.ResolveAsync(_reg.Name, "test/app", "v1");
        Assert.Single(r.Layers);

        SeenRequest tokenRequest = Assert.Single(_tokens.Server.Requests);
        Assert.Equal("GET", tokenRequest.Method);
        var q = Query(tokenRequest);
        Assert.Equal("fake-registry", q["service"]);
        Assert.Equal("repository:test/app:pull", q["scope"]);
        Assert.Null(tokenRequest.Authorization); // anonymous token

        SeenRequest[] seen = [.. _reg.Server.Requests];
        Assert.Equal(2, seen.Length);          // 401, then the retry
        Assert.Null(seen[0].Authorization);
        Assert.Equal("Bearer tok-1", seen[1].Authorization);
    }

    [Fact]
    public async Task Tokens_AreCachedPerScope_AndSentUpFront()
    {
        using RegistryClient client = TestClients.Create();
        ResolvedImage r = await client.ResolveAsync(_reg.Name, "test/app", "v1");
        await client.ReadBlobAsync(_reg.Name, "test/app", r.Config);
        await client.FetchBlobAsync(_reg.Name, "test/app", r.Layers[0], new MemoryStream());
        Assert.Equal(1, client.TokensFetched);
        Assert.Equal(1, _reg.Server.Requests.Count(q => q.Authorization is null)); // one 401 in all
        Assert.Equal(4, _reg.Server.Requests.Count);

        // Another repository is another scope: a new token, fetched up front (no second 401).
        _reg.AddImage("test/other", "v1");
        await client.ResolveAsync(_reg.Name, "test/other", "v1");
        Assert.Equal(2, client.TokensFetched);
        Assert.Equal(1, _reg.Server.Requests.Count(q => q.Authorization is null));
        Assert.Equal("repository:test/other:pull", Query(_tokens.Server.Requests.Last())["scope"]);
    }

    [Fact]
    public async Task ConcurrentRequests_ShareOneTokenFetch()
    {
        using RegistryClient client = TestClients.Create();
        await client.ResolveAsync(_reg.Name, "test/app", "v1"); // learn the challenge
        _reg.AddImage("test/burst", "v1");
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.ResolveAsync(_reg.Name, "test/burst", "v1")));
        Assert.Equal(2, client.TokensFetched);
    }

    [Fact]
    public async Task ExpiredToken_IsRefreshedBeforeUse()
    {
        _tokens.ExpiresIn = 1;
        using RegistryClient client = TestClients.Create();
        await client.ResolveAsync(_reg.Name, "test/app", "v1");
        await Task.Delay(1200);
        await client.ResolveAsync(_reg.Name, "test/app", "v1");
        Assert.Equal(2, client.TokensFetched);
        Assert.Equal(1, _reg.Server.Requests.Count(q => q.Authorization is null));
        Assert.Equal("Bearer tok-2", _reg.Server.Requests.Last().Authorization);
    }

    [Fact]
    public async Task TokenRejectedByTheRegistry_IsRefetchedOnce()
    {
        using RegistryClient client = TestClients.Create();
        await client.ResolveAsync(_reg.Name, "test/app", "v1");
        _tokens.Revoke("tok-1"); // the registry stops accepting it before its expiry
        await client.ResolveAsync(_reg.Name, "test/app", "v1");
        Assert.Equal(2, client.TokensFetched);
        Assert.Equal("Bearer tok-2", _reg.Server.Requests.Last().Authorization);
    }

    [Fact]
    public async Task TokenNeverAccepted_IsPermissionDenied_AfterOneRetry()
    {
        using RegistryClient client = TestClients.Create();
        _reg.Intercept = async (ctx, seen) =>
        {
            if (!seen.PathAndQuery.StartsWith("/v2/test/app/manifests", StringComparison.Ordinal)) return false;
            await FakeServer.SendError(ctx, 401, "UNAUTHORIZED", "authentication required",
                ("WWW-Authenticate", $"Bearer realm=\"{_tokens.Realm}\",service=\"fake-registry\",scope=\"repository:test/app:pull\""));
            return true;
        };
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(_reg.Name, "test/app", "v1"));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.Contains($"fetching manifest {_reg.Name}/test/app:v1: authentication required (UNAUTHORIZED) (HTTP 401)", e.Message);
        Assert.Equal(2, _reg.Server.Requests.Count);
    }

    [Fact]
    public async Task TokenServer_GetsBasicCredentials_AndTheAccountName()
    {
        _tokens.RequiredBasic = ("alice", "s3cret");
        using RegistryClient client = TestClients.WithBasic(_reg.Name, "alice", "s3cret");
        await client.ResolveAsync(_reg.Name, "test/app", "v1");
        SeenRequest t = Assert.Single(_tokens.Server.Requests);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret")), t.Authorization);
        Assert.Equal("alice", Query(t)["account"]);
        // The registry itself only ever sees the token.
        Assert.DoesNotContain(_reg.Server.Requests, q => q.Authorization?.StartsWith("Basic", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task TokenServer_RefusingCredentials_IsPermissionDenied()
    {
        _tokens.RequiredBasic = ("alice", "s3cret");
        using RegistryClient client = TestClients.WithBasic(_reg.Name, "alice", "wrong");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(_reg.Name, "test/app", "v1"));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("credentials (user alice) refused (HTTP 401)", e.Message);
        Assert.DoesNotContain("wrong", e.Message);
    }

    [Fact]
    public async Task AccessTokenField_IsAccepted()
    {
        _tokens.UseAccessTokenField = true;
        using RegistryClient client = TestClients.Create();
        await client.ResolveAsync(_reg.Name, "test/app", "v1");
        Assert.Equal("Bearer tok-1", _reg.Server.Requests.Last().Authorization);
    }

    [Fact]
    public async Task IdentityToken_UsesTheOAuth2RefreshGrant()
    {
        using RegistryClient client = TestClients.Create(o =>
            o.Registries[_reg.Name] = new RegistryHostSettings { Credentials = RegistryCredentials.Token("refresh-me") });
        await client.ResolveAsync(_reg.Name, "test/app", "v1");
        SeenRequest t = Assert.Single(_tokens.Server.Requests);
        Assert.Equal("POST", t.Method);
        var form = HttpUtility.ParseQueryString(Encoding.UTF8.GetString(t.Body));
        Assert.Equal("refresh_token", form["grant_type"]);
        Assert.Equal("refresh-me", form["refresh_token"]);
        Assert.Equal("fake-registry", form["service"]);
        Assert.Equal("repository:test/app:pull", form["scope"]);
    }

    [Fact]
    public async Task CredentialProvider_IsAskedByRegistryName()
    {
        _tokens.RequiredBasic = ("bob", "pw");
        var provider = new StaticCredentialProvider().Add(_reg.Name, RegistryCredentials.Basic("bob", "pw"));
        using RegistryClient client = TestClients.Create(o => o.Credentials = provider);
        await client.ResolveAsync(_reg.Name, "test/app", "v1");
        Assert.Equal(1, client.TokensFetched);
    }

    // Security case 3E-26: a token response is capped at 1 MiB.
    [Fact]
    public async Task HugeTokenResponse_IsRefused()
    {
        _tokens.Server.Handler = (ctx, seen) => FakeServer.SendChunked(ctx, 200, Encoding.UTF8.GetBytes("{\"token\":\"" + new string('t', 2 * 1024 * 1024) + "\"}"), "application/json");
        using RegistryClient client = TestClients.Create();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(_reg.Name, "test/app", "v1"));
        Assert.Contains("larger than 1048576 bytes", e.Message);
    }

    [Fact]
    public async Task CredentialsOverPlainHttp_ToANonLoopbackRealm_AreRefused()
    {
        _reg.Intercept = async (ctx, seen) =>
        {
            if (seen.Authorization is not null) return false;
            await FakeServer.SendError(ctx, 401, "UNAUTHORIZED", "authentication required",
                ("WWW-Authenticate", "Bearer realm=\"http://token.berth-test.invalid/token\",service=\"x\""));
            return true;
        };
        using RegistryClient client = TestClients.WithBasic(_reg.Name, "alice", "s3cret");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(_reg.Name, "test/app", "v1"));
        Assert.Equal(ErrorKind.FailedPrecondition, e.Kind);
        Assert.Contains("refusing to send credentials", e.Message);
        Assert.Contains("token.berth-test.invalid", e.Message);

        // Marked insecure, the same realm is allowed (and then fails only because the name does not resolve).
        using RegistryClient insecure = TestClients.WithBasic(_reg.Name, "alice", "s3cret", o => o.InsecureRegistries.Add(_reg.Name));
        var e2 = await Assert.ThrowsAsync<RegistryException>(() => insecure.ResolveAsync(_reg.Name, "test/app", "v1"));
        Assert.DoesNotContain("refusing", e2.Message);
    }

    [Fact]
    public async Task UnusableRealm_IsRefused()
    {
        _reg.Intercept = async (ctx, seen) =>
        {
            await FakeServer.SendError(ctx, 401, "UNAUTHORIZED", "x", ("WWW-Authenticate", "Bearer realm=\"file:///etc/passwd\",service=\"x\""));
            return true;
        };
        using RegistryClient client = TestClients.Create();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(_reg.Name, "test/app", "v1"));
        Assert.Contains("unusable token realm", e.Message);
    }

    [Fact]
    public async Task Basic_Challenge_SendsCredentials_ThenUpFront()
    {
        using var reg = new FakeRegistry { BasicAuth = ("alice", "pw") };
        reg.AddImage("test/app", "v1");
        using RegistryClient client = TestClients.WithBasic(reg.Name, "alice", "pw");
        await client.ResolveAsync(reg.Name, "test/app", "v1");
        await client.ResolveAsync(reg.Name, "test/app", "v1");
        SeenRequest[] seen = [.. reg.Server.Requests];
        Assert.Equal(3, seen.Length); // 401, retry, then straight in
        Assert.Null(seen[0].Authorization);
        Assert.All(seen[1..], q => Assert.StartsWith("Basic ", q.Authorization));
    }

    [Fact]
    public async Task Basic_WrongPassword_IsPermissionDenied()
    {
        using var reg = new FakeRegistry { BasicAuth = ("alice", "pw") };
        reg.AddImage("test/app", "v1");
        using RegistryClient client = TestClients.WithBasic(reg.Name, "alice", "nope");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(reg.Name, "test/app", "v1"));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("credentials were refused", e.Message);
        Assert.Equal(2, reg.Server.Requests.Count);
    }

    [Fact]
    public async Task Basic_WithoutCredentials_SaysSo()
    {
        using var reg = new FakeRegistry { BasicAuth = ("alice", "pw") };
        reg.AddImage("test/app", "v1");
        using RegistryClient client = TestClients.Create();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(reg.Name, "test/app", "v1"));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("requires Basic authentication and no user name and password are configured", e.Message);
    }

    [Fact]
    public async Task Basic_OverPlainHttp_ToANonLoopbackHost_IsRefused()
    {
        // A real, non-loopback address of this machine, if it has one.
        System.Net.IPAddress? address = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a));
        if (address is null) return; // nothing to test against on this machine
        using var server = new FakeServer(address.ToString());
        server.Handler = (ctx, seen) => FakeServer.SendError(ctx, 401, "UNAUTHORIZED", "x", ("WWW-Authenticate", "Basic realm=\"r\""));
        using RegistryClient client = TestClients.Create(o =>
            o.Registries[server.Authority] = new RegistryHostSettings { Scheme = "http", Credentials = RegistryCredentials.Basic("alice", "pw") });
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(server.Authority, "test/app", "v1"));
        Assert.Contains("refusing to send credentials", e.Message);
        Assert.All(server.Requests, q => Assert.Null(q.Authorization));
    }
}
