using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using System.Web;
using Berth.Core;
using Berth.Distribution.Tests.Fakes;
using Berth.Oci.Image;

namespace Berth.Distribution.Tests.Real;

/// <summary>
/// A token service in the test (HttpListener) that signs JWTs the way docker-registry's token auth
/// expects (RS256, x5c chain to the configured root bundle), and a real docker-registry that trusts it.
/// User alice (password "wonderland") gets whatever she asks for; anonymous callers get pull only.
/// </summary>
public sealed class JwtTokenService : IDisposable
{
    public const string Issuer = "berth-test-issuer";
    public const string Service = "berth-test-registry";

    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _cert;

    public FakeServer Server { get; } = new();
    public string Realm => new Uri(Server.BaseUri, "token").ToString();
    public string RootCertFile { get; }
    public int Issued;

    public JwtTokenService()
    {
        var req = new CertificateRequest("CN=berth-test-token-signer", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        RootCertFile = Path.Combine(Directory.CreateTempSubdirectory("berth-token-ca.").FullName, "root.pem");
        File.WriteAllText(RootCertFile, _cert.ExportCertificatePem() + "\n");
        Server.Handler = HandleAsync;
    }

    private async Task HandleAsync(System.Net.HttpListenerContext ctx, SeenRequest seen)
    {
        var q = HttpUtility.ParseQueryString(ctx.Request.Url!.Query);
        bool alice = seen.Authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:wonderland"));
        if (seen.Authorization is not null && !alice)
        {
            await FakeServer.SendJson(ctx, 401, """{"details":"wrong password"}""");
            return;
        }
        var access = new List<(string Type, string Name, string[] Actions)>();
        foreach (string scope in q.GetValues("scope") ?? [])
        {
            foreach (string one in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                int first = one.IndexOf(':'), last = one.LastIndexOf(':');
                if (first < 0 || last <= first) continue;
                string[] actions = one[(last + 1)..].Split(',');
                if (!alice) actions = actions.Where(a => a == "pull").ToArray();
                access.Add((one[..first], one[(first + 1)..last], actions));
            }
        }
        string token = Sign(alice ? "alice" : "", q["service"] ?? "", access);
        Interlocked.Increment(ref Issued);
        await FakeServer.SendJson(ctx, 200, $$"""{"token":"{{token}}","expires_in":300}""");
    }

    private string Sign(string subject, string audience, List<(string Type, string Name, string[] Actions)> access)
    {
        static string B64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        byte[] Json(Action<Utf8JsonWriter> write)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartObject();
                write(w);
                w.WriteEndObject();
            }
            return ms.ToArray();
        }
        byte[] header = Json(w =>
        {
            w.WriteString("typ", "JWT");
            w.WriteString("alg", "RS256");
            w.WriteStartArray("x5c");
            w.WriteStringValue(Convert.ToBase64String(_cert.RawData));
            w.WriteEndArray();
        });
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        byte[] claims = Json(w =>
        {
            w.WriteString("iss", Issuer);
            w.WriteString("sub", subject);
            w.WriteString("aud", audience);
            w.WriteNumber("exp", now + 300);
            w.WriteNumber("nbf", now - 10);
            w.WriteNumber("iat", now);
            w.WriteString("jti", Guid.NewGuid().ToString("N"));
            w.WriteStartArray("access");
            foreach ((string type, string name, string[] actions) in access)
            {
                w.WriteStartObject();
                w.WriteString("type", type);
                w.WriteString("name", name);
                w.WriteStartArray("actions");
                foreach (string a in actions) w.WriteStringValue(a);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
        string signingInput = B64Url(header) + "." + B64Url(claims);
        byte[] signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + B64Url(signature);
    }

    public void Dispose()
    {
        Server.Dispose();
        _cert.Dispose();
        _key.Dispose();
        Directory.Delete(Path.GetDirectoryName(RootCertFile)!, recursive: true);
    }
}

public sealed class TokenRegistryFixture : IDisposable
{
    private readonly Lazy<(JwtTokenService Tokens, RunningRegistry Registry)> _started = new(() =>
    {
        var tokens = new JwtTokenService();
        RunningRegistry reg = RealRegistry.Start("--token-realm", tokens.Realm, "--token-service", JwtTokenService.Service,
            "--token-issuer", JwtTokenService.Issuer, "--token-rootcert", tokens.RootCertFile);
        return (tokens, reg);
    });

    public JwtTokenService Tokens => _started.Value.Tokens;
    public RunningRegistry Registry => _started.Value.Registry;

    public void Dispose()
    {
        if (!_started.IsValueCreated) return;
        _started.Value.Registry.Dispose();
        _started.Value.Tokens.Dispose();
    }
}

/// <summary>Bearer token auth against the real docker-registry (distribution's own token verification).</summary>
public sealed class RealTokenAuthTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>
{
    [RegistryFact]
    public async Task PushWithCredentials_PullAnonymously_PushAnonymouslyRefused()
    {
        RunningRegistry reg = fixture.Registry;
        string repo = $"berth/token-{Guid.NewGuid():N}";
        byte[] configBytes = """{"architecture":"amd64","os":"linux"}"""u8.ToArray();
        var config = new Descriptor(MediaTypes.OciConfig, Digest.Sha256(configBytes), configBytes.Length);
        byte[] layerBytes = RandomNumberGenerator.GetBytes(100_000);
        var layer = new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256(layerBytes), layerBytes.Length);
        byte[] manifest = RegistryClient.Serialize(new ImageManifest { MediaType = MediaTypes.OciManifest, Config = config, Layers = [layer] });

        using (RegistryClient alice = TestClients.WithBasic(reg.Name, "alice", "wonderland"))
        {
            Assert.Equal(BlobPushResult.Uploaded, await alice.PushBlobAsync(reg.Name, repo, config, new MemoryStream(configBytes)));
            Assert.Equal(BlobPushResult.Uploaded, await alice.PushBlobAsync(reg.Name, repo, layer, new MemoryStream(layerBytes)));
            await alice.PushManifestAsync(reg.Name, repo, "v1", manifest, MediaTypes.OciManifest);
            Assert.Equal(1, alice.TokensFetched); // one pull,push token served every request of the push
        }

        using (RegistryClient anonymous = TestClients.Create())
        {
            ResolvedImage image = await anonymous.ResolveAsync(reg.Name, repo, "v1");
            using var got = new MemoryStream();
            await anonymous.FetchBlobAsync(reg.Name, repo, image.Layers[0], got);
            Assert.Equal(layerBytes, got.ToArray());
            Assert.Equal(1, anonymous.TokensFetched);

            var e = await Assert.ThrowsAsync<RegistryException>(() => anonymous.PushManifestAsync(reg.Name, repo, "v2", manifest, MediaTypes.OciManifest));
            Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
            Assert.Contains($"pushing manifest {reg.Name}/{repo}:v2", e.Message);
        }

        using RegistryClient wrong = TestClients.WithBasic(reg.Name, "alice", "queen-of-hearts");
        var w = await Assert.ThrowsAsync<RegistryException>(() => wrong.ResolveAsync(reg.Name, repo, "v1"));
        Assert.Equal(ErrorKind.PermissionDenied, w.Kind);
        Assert.Contains("credentials (user alice) refused", w.Message);
    }
}
