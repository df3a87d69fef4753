using System.Diagnostics;

namespace Berth.Daemon.Tests;

/// <summary>Runs a command-line tool (skopeo, tar) and captures its output.</summary>
public static class Tool
{
    public static (int Exit, string Out, string Err) Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }

    public static string Ok(string file, params string[] args)
    {
        var (exit, stdout, stderr) = Run(file, args);
        Assert.True(exit == 0, $"{file} {string.Join(' ', args)} failed: {stderr}");
        return stdout;
    }
}
