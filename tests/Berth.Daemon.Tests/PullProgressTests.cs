using System.Net.Sockets;
using System.Text.Json;

namespace Berth.Daemon.Tests;

/// <summary>
/// What a client draws while a pull runs, read from the raw /images/create stream: layers download side by
/// side, and each reports its progress while it arrives, not only when it is done.
/// </summary>
public sealed class PullProgressTests : IDisposable
{
    private const int LayerBytes = 1 << 20;
    private readonly Daemon _d = new();

    public void Dispose() => _d.Dispose();

    [DaemonFact]
    public async Task Layers_download_side_by_side_and_report_progress_as_they_arrive()
    {
        using var registry = new Registry();
        string archive = TestImages.DockerArchive(Path.Combine(_d.Dir, "three.tar"),
            TestImages.RootFsTar("one", LayerBytes), TestImages.RootFsTar("two", LayerBytes), TestImages.RootFsTar("three", LayerBytes));
        Tool.Ok("skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false", "docker-archive:" + archive,
            $"docker://{registry.HostPort}/test/three:latest");
        // Per connection: one layer alone takes about two seconds.
        using var proxy = new ThrottlingProxy(registry.HostPort) { BytesPerSecond = 500_000 };

        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(_d.Socket), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        }) { Timeout = TimeSpan.FromMinutes(2) };
        var response = await http.PostAsync($"http://berthd/v1.44/images/create?fromImage={proxy.HostPort}/test/three&tag=latest", null);
        string body = await response.Content.ReadAsStringAsync();
        var messages = body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.DoesNotContain(messages, m => m.TryGetProperty("error", out _));

        // Downloading messages with partial progress, for every layer.
        var layers = messages.Where(m => Status(m) == "Pulling fs layer").Select(m => Id(m)!).ToList();
        Assert.Equal(3, layers.Count);
        foreach (string id in layers)
            Assert.Contains(messages, m => Status(m) == "Downloading" && Id(m) == id && Current(m) is > 0 and < LayerBytes);

        // Side by side: some layer is still downloading when another one's download has begun.
        (int First, int Done) Span(string id) => (
            messages.FindIndex(m => Status(m) == "Downloading" && Id(m) == id),
            messages.FindIndex(m => Status(m) == "Download complete" && Id(m) == id));
        var spans = layers.Select(Span).ToList();
        Assert.All(spans, s => Assert.True(s.First >= 0 && s.Done > s.First));
        Assert.True(spans.Any(a => spans.Any(b => a != b && b.First < a.Done && a.First < b.Done)),
            $"no two layers downloaded at the same time:\n{body}");
    }

    [DaemonFact]
    public async Task A_layer_is_unpacked_while_it_is_still_arriving()
    {
        using var registry = new Registry();
        string archive = TestImages.DockerArchive(Path.Combine(_d.Dir, "one.tar"), TestImages.RootFsTar("streamed", LayerBytes));
        Tool.Ok("skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false", "docker-archive:" + archive,
            $"docker://{registry.HostPort}/test/one:latest");
        using var proxy = new ThrottlingProxy(registry.HostPort) { BytesPerSecond = 400_000 };
        string snapshots = Path.Combine(_d.Dir, "root", "snapshots");
        string ingests = Path.Combine(_d.Dir, "root", "content", "content", "ingest");

        var pull = Task.Run(() => _d.Docker("pull", $"{proxy.HostPort}/test/one:latest"));
        bool seen = false;
        while (!pull.IsCompleted && !seen)
        {
            // The layer's first file is already in its (not yet published) snapshot while its blob is still an ingest.
            bool unpacking = Directory.Exists(snapshots) && Directory.EnumerateDirectories(snapshots, ".tmp-*")
                .Any(d => File.Exists(Path.Combine(d, "fs", "etc", "hello")));
            bool downloading = Directory.Exists(ingests) && Directory.EnumerateFiles(ingests, "data", SearchOption.AllDirectories)
                .Any(f => new FileInfo(f).Length is > 0 and < LayerBytes);
            seen = unpacking && downloading;
            await Task.Delay(20);
        }
        var (exit, _, stderr) = await pull;
        Assert.True(exit == 0, stderr);
        Assert.True(seen, "the layer was unpacked only after its download");
    }

    private static string? Status(JsonElement m) => m.TryGetProperty("status", out var s) ? s.GetString() : null;
    private static string? Id(JsonElement m) => m.TryGetProperty("id", out var s) ? s.GetString() : null;
    private static long Current(JsonElement m) =>
        m.TryGetProperty("progressDetail", out var p) && p.TryGetProperty("current", out var c) ? c.GetInt64() : 0;
}
