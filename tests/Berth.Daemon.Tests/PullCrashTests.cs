using System.Diagnostics;
using System.Security.Cryptography;

namespace Berth.Daemon.Tests;

/// <summary>
/// berthd killed with SIGKILL in the middle of a pull: after a restart no part of the image is visible, the store
/// holds only verified blobs (the partial download stays in the ingest directory), and the next pull resumes it.
/// </summary>
public sealed class PullCrashTests : IDisposable
{
    private const int LayerBytes = 12 << 20;
    private readonly Daemon _d = new();

    public void Dispose() => _d.Dispose();

    private string Ok(params string[] args)
    {
        var (exit, stdout, stderr) = _d.Docker(args);
        Assert.True(exit == 0, $"docker {string.Join(' ', args)} failed: {stderr}");
        return stdout;
    }

    private string ContentDir => Path.Combine(_d.Dir, "root", "content");

    /// <summary>(key dir, bytes) of every partial download the content store holds.</summary>
    private List<long> IngestSizes() => Directory.EnumerateFiles(ContentDir, "data", SearchOption.AllDirectories)
        .Where(f => f.Contains("/ingest/", StringComparison.Ordinal)).Select(f => new FileInfo(f).Length).ToList();

    [DaemonFact]
    public void A_pull_killed_midway_leaves_nothing_visible_and_the_next_pull_resumes()
    {
        using var registry = new Registry();
        string archive = TestImages.DockerArchive(Path.Combine(_d.Dir, "big.tar"), TestImages.RootFsTar("big", randomBytes: LayerBytes));
        Tool.Ok("skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false", "docker-archive:" + archive,
            $"docker://{registry.HostPort}/test/big:latest");
        using var proxy = new ThrottlingProxy(registry.HostPort) { BytesPerSecond = 3_000_000 };
        string image = $"{proxy.HostPort}/test/big:latest";

        using (var pull = Process.Start(new ProcessStartInfo("docker", ["-H", _d.Host, "pull", image])
               { RedirectStandardOutput = true, RedirectStandardError = true })!)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (proxy.BytesToClient < LayerBytes / 3)
            {
                Assert.True(DateTime.UtcNow < deadline, "the pull never got a third of the way");
                if (pull.HasExited) Assert.Fail($"the pull ended early: {pull.StandardError.ReadToEnd()}");
                Thread.Sleep(50);
            }
            _d.CrashAndRestart();
            pull.WaitForExit();
            Assert.NotEqual(0, pull.ExitCode); // the CLI says "unexpected EOF"
        }

        // Nothing of the image is visible, and nothing half-made outside the ingest directory.
        Assert.Equal("", Ok("images", "-q").Trim());
        var (exit, _, stderr) = _d.Docker("inspect", image);
        Assert.NotEqual(0, exit);
        Assert.Contains("No such", stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_d.Dir, "root", "snapshots")));
        foreach (string blob in Directory.EnumerateFiles(ContentDir, "*", SearchOption.AllDirectories).Where(f => f.Contains("/blobs/sha256/", StringComparison.Ordinal)))
        {
            using var f = File.OpenRead(blob);
            Assert.Equal(Path.GetFileName(blob), Convert.ToHexStringLower(SHA256.HashData(f)));
        }
        long partial = Assert.Single(IngestSizes(), s => s > 0);
        Assert.InRange(partial, 1, LayerBytes - 1);

        // The next pull asks only for the rest, and the image is complete.
        proxy.BytesPerSecond = 0;
        proxy.ResetCounters();
        Assert.Contains("Pull complete", Ok("pull", image));
        Assert.Contains($"range: bytes={partial}-", proxy.Requests.ToLowerInvariant());
        Assert.True(proxy.BytesToClient < LayerBytes - partial + (1 << 20), $"{proxy.BytesToClient} bytes fetched after a restart at {partial}");
        Assert.StartsWith("sha256:", Ok("inspect", "--format", "{{.Id}}", image).Trim());
        Assert.Empty(IngestSizes());
    }
}
