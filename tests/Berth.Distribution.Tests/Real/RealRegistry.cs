using System.Diagnostics;

namespace Berth.Distribution.Tests.Real;

/// <summary>
/// Debian's docker-registry (distribution 2.x), started by scripts/registry-start.sh in a temp
/// directory on 127.0.0.1 and filled with the busybox test images (test/busybox:latest, :oci, :multi).
/// </summary>
public sealed class RunningRegistry : IDisposable
{
    public required string Dir { get; init; }
    public required Uri Url { get; init; }
    /// <summary>127.0.0.1:port, as references name it.</summary>
    public string Name => Url.Authority;

    public void Dispose()
    {
        RealRegistry.Run(Path.Combine(RealRegistry.RepoRoot, "scripts", "registry-stop.sh"), [Dir, "--remove"], TimeSpan.FromSeconds(30));
    }
}

public static class RealRegistry
{
    private static readonly Lazy<string?> Skip = new(Probe);

    /// <summary>Why the real-registry tests cannot run here, or null when they can.</summary>
    public static string? SkipReason => Skip.Value;

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Berth.slnx"))) return d.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (Berth.slnx) above " + AppContext.BaseDirectory);
    }

    private static readonly string[] Tools = ["docker-registry", "skopeo", "htpasswd", "curl", "jq"];

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));

    private static string? Probe()
    {
        if (!File.Exists("/bin/busybox")) return "needs /bin/busybox (busybox-static) to build the test image";
        if (Tools.All(OnPath)) return null;
        bool root = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            ?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is { Length: > 2 } f && f[2] == "0";
        if (!root) return $"needs {string.Join(", ", Tools.Where(t => !OnPath(t)))} (apt: docker-registry skopeo apache2-utils curl jq); not installed and not root to install them";
        (int rc, string _, string err) = Run(Path.Combine(RepoRoot, "scripts", "registry-start.sh"), ["--install-only"], TimeSpan.FromMinutes(10));
        if (rc != 0 || !Tools.All(OnPath))
            return $"docker-registry/skopeo could not be installed with apt (exit {rc}): {err.Trim()}";
        return null;
    }

    /// <summary>Starts a registry; <paramref name="extraArgs"/> go to registry-start.sh (e.g. --fill, --htpasswd u:p).</summary>
    public static RunningRegistry Start(params string[] extraArgs)
    {
        string dir = Directory.CreateTempSubdirectory("berth-dist-registry.").FullName;
        (int rc, string output, string err) = Run(Path.Combine(RepoRoot, "scripts", "registry-start.sh"), ["--dir", dir, .. extraArgs], TimeSpan.FromMinutes(5));
        if (rc != 0)
            throw new InvalidOperationException($"registry-start.sh failed (exit {rc}): {err}\n{output}");
        string url = output.Trim().Split('\n').Last().Trim();
        return new RunningRegistry { Dir = dir, Url = new Uri(url) };
    }

    internal static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A fact that needs a real docker-registry; skipped with the reason when it cannot be had.</summary>
public sealed class RegistryFactAttribute : FactAttribute
{
    public RegistryFactAttribute()
    {
        if (RealRegistry.SkipReason is { } reason) Skip = reason;
    }
}

/// <summary>
/// Two filled registries shared by a test class, started on first use: one anonymous, one behind
/// htpasswd Basic auth (alice / wonderland).
/// </summary>
public sealed class RealRegistryFixture : IDisposable
{
    public const string User = "alice";
    public const string Password = "wonderland";

    private readonly Lazy<RunningRegistry> _anonymous = new(() => RealRegistry.Start("--fill"));
    private readonly Lazy<RunningRegistry> _basic = new(() => RealRegistry.Start("--fill", "--htpasswd", $"{User}:{Password}"));

    public RunningRegistry Anonymous => _anonymous.Value;
    public RunningRegistry Basic => _basic.Value;

    public void Dispose()
    {
        if (_anonymous.IsValueCreated) _anonymous.Value.Dispose();
        if (_basic.IsValueCreated) _basic.Value.Dispose();
    }
}
