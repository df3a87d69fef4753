using System.Net.Http;
using System.Net.Sockets;

namespace Berth.Daemon.Tests;

/// <summary>The docker CLI talks to berthd: version negotiation, version and info.</summary>
public sealed class SystemTests : IDisposable
{
    private readonly Daemon _d = new();

    public void Dispose() => _d.Dispose();

    private HttpClient Http() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(_d.Socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    }) { BaseAddress = new Uri("http://berth") };

    [DaemonFact]
    public void Docker_version_negotiates_1_44_and_shows_the_engine()
    {
        var (exit, stdout, stderr) = _d.Docker("version", "--format", "{{.Server.APIVersion}} {{.Server.Version}} {{.Client.APIVersion}}");
        Assert.True(exit == 0, stderr);
        Assert.Equal("1.44 0.1.0 1.44", stdout.Trim());
    }

    [DaemonFact]
    public void Docker_info_reads_the_host_facts()
    {
        var (exit, stdout, stderr) = _d.Docker("info", "--format", "{{.OSType}} {{.NCPU}} {{.DockerRootDir}} {{.Swarm.LocalNodeState}}");
        Assert.True(exit == 0, stderr);
        Assert.Equal($"linux {Environment.ProcessorCount} {Path.Combine(_d.Dir, "root")} inactive", stdout.Trim());
    }

    [DaemonFact]
    public async Task Ping_answers_HEAD_and_GET_with_the_version_headers()
    {
        using var http = Http();
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/_ping"));
        Assert.Equal(200, (int)head.StatusCode);
        Assert.Equal("1.44", head.Headers.GetValues("Api-Version").Single());
        Assert.Equal("linux", head.Headers.GetValues("Ostype").Single());
        Assert.Equal("inactive", head.Headers.GetValues("Swarm").Single());
        Assert.Equal("OK", await http.GetStringAsync("/v1.41/_ping"));
    }

    [DaemonFact]
    public async Task Errors_are_json_with_the_exact_content_type()
    {
        using var http = Http();
        using var tooOld = await http.GetAsync("/v1.12/version");
        Assert.Equal(400, (int)tooOld.StatusCode);
        Assert.Equal("application/json", tooOld.Content.Headers.ContentType!.ToString());
        Assert.Contains("too old", await tooOld.Content.ReadAsStringAsync());
        using var missing = await http.GetAsync("/v1.44/no/such/route");
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal("{\"message\":\"page not found\"}", await missing.Content.ReadAsStringAsync());
    }
}
