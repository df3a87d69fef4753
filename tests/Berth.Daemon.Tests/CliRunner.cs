using System.Diagnostics;

namespace Berth.Daemon.Tests;

/// <summary>Runs out/bin/berth with a clean environment (no DOCKER_HOST/BERTH_HOST unless given) and its own config dir.</summary>
public static class CliRunner
{
    public static string Berth => Path.Combine(Daemon.BinDir, "berth");

    public static string? SkipReason => Daemon.SkipReason ?? (!File.Exists(Berth) ? $"berth not found in {Daemon.BinDir}: run `make build`" : null);

    public static (int Exit, string Out, string Err) Run(IEnumerable<string> args, IDictionary<string, string>? env = null, string? stdin = null, string? stdinFile = null)
    {
        var psi = new ProcessStartInfo(Berth, args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null || stdinFile is not null,
        };
        psi.Environment.Remove("DOCKER_HOST");
        psi.Environment.Remove("BERTH_HOST");
        psi.Environment.Remove("DOCKER_CONFIG");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        else if (stdinFile is not null)
        {
            using (var f = File.OpenRead(stdinFile)) f.CopyTo(p.StandardInput.BaseStream);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }
}

public sealed class CliFactAttribute : FactAttribute
{
    public CliFactAttribute() { if (CliRunner.SkipReason is { } r) Skip = r; }
}
