using System.Diagnostics;

namespace Berth.Daemon.Tests;

/// <summary>Debian's docker-registry on 127.0.0.1, filled with busybox images by scripts/registry-start.sh --fill.</summary>
public sealed class Registry : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("berth-registry-").FullName;
    public string HostPort { get; }

    public Registry(params string[] extraArgs)
    {
        string script = Path.Combine(RepoRoot(), "scripts", "registry-start.sh");
        var psi = new ProcessStartInfo("bash", [script, "--dir", Dir, "--fill", .. extraArgs]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"registry-start.sh failed: {stderr.Result}");
        string url = stdout.Trim().Split('\n').Last();
        HostPort = url["http://".Length..];
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Makefile"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    public void Dispose()
    {
        using var p = Process.Start("bash", [Path.Combine(RepoRoot(), "scripts", "registry-stop.sh"), Dir, "--remove"]);
        p.WaitForExit();
    }
}
