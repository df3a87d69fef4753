using System.Diagnostics;
using System.Text;

namespace Berth.Integration.Tests.Infrastructure;

/// <summary>What a command printed and how it exited.</summary>
public sealed record RunResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>Non-empty stderr lines.</summary>
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string Out => Stdout.Trim();

    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalMilliseconds:F0} ms\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    /// <summary>Asserts exit 0 and returns this for chaining.</summary>
    public RunResult Ok()
    {
        Assert.True(ExitCode == 0, $"expected success, got {this}");
        return this;
    }

    /// <summary>Asserts a non-zero exit with exactly one error line on stderr that contains <paramref name="fragment"/>.</summary>
    public RunResult FailsWith(string fragment)
    {
        Assert.True(ExitCode != 0, $"expected failure, got {this}");
        Assert.True(StderrLines.Length == 1, $"expected exactly one error line, got {this}");
        Assert.True(StderrLines[0].Contains(fragment, StringComparison.Ordinal), $"expected the error line to contain \"{fragment}\", got {this}");
        return this;
    }
}

/// <summary>
/// Runs the real berth-runtime binary (env BERTH_RUNTIME) as a subprocess. stdout and stderr go to
/// files, not pipes: a container started by create/run -d inherits them and would otherwise hold
/// a pipe open long after the runtime itself has exited.
/// </summary>
public static class Runtime
{
    public const string DefaultPath = "/work/main/out/bin/berth-runtime";

    /// <summary>Set in the environment of every runtime invocation; must never reach a container.</summary>
    public const string LeakCanary = "BERTH_IT_HOST_ONLY";

    public static string BinaryPath { get; } = Environment.GetEnvironmentVariable("BERTH_RUNTIME") is { Length: > 0 } p ? p : DefaultPath;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Why the integration tests cannot run here, or null when they can.</summary>
    public static string? SkipReason { get; } =
        !OperatingSystem.IsLinux() ? "integration tests need Linux"
        : !Environment.IsPrivilegedProcess ? "integration tests need root (real namespaces, mounts and cgroups)"
        : !File.Exists(BinaryPath) ? $"berth-runtime not found at {BinaryPath}: run `make build` or set BERTH_RUNTIME"
        : null;

    /// <summary>Whether capability <paramref name="bit"/> is in this process's effective set.</summary>
    public static bool CallerHasCapability(int bit)
    {
        string line = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        ulong mask = Convert.ToUInt64(line["CapEff:".Length..].Trim(), 16);
        return (mask & (1UL << bit)) != 0;
    }

    /// <summary><c>berth-runtime args...</c></summary>
    public static RunResult Run(IEnumerable<string> args, string? workingDirectory = null, TimeSpan? timeout = null) =>
        Command(BinaryPath, [.. args], workingDirectory, timeout);

    /// <summary>A bash script with $BERTH_RUNTIME set to the binary, for fd games the runtime should see.</summary>
    public static RunResult Bash(string script, string? workingDirectory = null, TimeSpan? timeout = null) =>
        Command("/bin/bash", ["-c", script], workingDirectory, timeout);

    /// <summary>Any program, with stdin from /dev/null and stdout/stderr captured through files.</summary>
    public static RunResult Command(string program, IReadOnlyList<string> args, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        string io = Directory.CreateTempSubdirectory("berth-it-io-").FullName;
        try
        {
            string outFile = Path.Combine(io, "stdout"), errFile = Path.Combine(io, "stderr");
            // The outer sh only sets up the redirections, then execs the real program.
            var psi = new ProcessStartInfo("/bin/sh")
            {
                WorkingDirectory = workingDirectory ?? io,
                UseShellExecute = false,
            };
            foreach (string a in (string[])["-c", "exec \"$@\" >\"$BERTH_IT_OUT\" 2>\"$BERTH_IT_ERR\" </dev/null", "sh", program, .. args])
                psi.ArgumentList.Add(a);
            psi.Environment["BERTH_IT_OUT"] = outFile;
            psi.Environment["BERTH_IT_ERR"] = errFile;
            psi.Environment["BERTH_RUNTIME"] = BinaryPath;
            psi.Environment[LeakCanary] = "1";

            var clock = Stopwatch.StartNew();
            using var process = System.Diagnostics.Process.Start(psi)!;
            var limit = timeout ?? DefaultTimeout;
            if (!process.WaitForExit(limit))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                process.WaitForExit();
                Assert.Fail($"{program} {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s\n--- stdout ---\n{Read(outFile)}\n--- stderr ---\n{Read(errFile)}");
            }
            return new RunResult(process.ExitCode, Read(outFile), Read(errFile), clock.Elapsed);
        }
        finally
        {
            try { Directory.Delete(io, recursive: true); } catch (IOException) { }
        }
    }

    private static string Read(string path)
    {
        if (!File.Exists(path)) return "";
        // The file may still be open in a container process that writes to it; share it.
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(fs, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
