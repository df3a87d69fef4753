using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Berth.Daemon.Tests;

/// <summary>
/// With no host set and nothing on /run/berth/berth.sock, berth starts berthd itself. Run in a private mount
/// namespace with tmpfs over /run and /var/lib, so the host's /run/berth and /var/lib/berth are never touched;
/// the started daemon is killed before the test ends.
/// </summary>
public sealed partial class CliAutoStartTests
{
    [GeneratedRegex(@"^berth: started berthd \(pid (\d+), log /run/berth/berthd\.log\)$", RegexOptions.Multiline)]
    private static partial Regex Started();

    public static string? SkipReason => CliRunner.SkipReason ?? (Environment.UserName != "root" ? "needs root for unshare -m" : !File.Exists("/usr/bin/unshare") ? "unshare not installed" : null);

    [AutoStartFact]
    public void Without_a_daemon_berth_starts_berthd_once_and_uses_it()
    {
        string dir = Directory.CreateTempSubdirectory("berth-autostart-").FullName;
        string script = """
            set -e
            mount -t tmpfs tmpfs /run
            mount -t tmpfs tmpfs /var/lib
            "$BERTH" version --format '{{.Server.ApiVersion}}' >"$DIR/out1" 2>"$DIR/err1"
            "$BERTH" images -q >"$DIR/out2" 2>"$DIR/err2"
            ls /var/lib/berth >"$DIR/root"
            pid=$(sed -n 's/^berth: started berthd (pid \([0-9]*\),.*/\1/p' "$DIR/err1")
            kill "$pid"
            for _ in $(seq 1 100); do
                state=$(sed -n 's/^State:\s*\(.\).*/\1/p' /proc/"$pid"/status 2>/dev/null || true)
                [ -z "$state" ] || [ "$state" = Z ] && break
                sleep 0.05
            done
            """;
        int? pid = null;
        try
        {
            var psi = new ProcessStartInfo("unshare", ["-m", "bash", "-c", script]) { RedirectStandardError = true, RedirectStandardOutput = true };
            psi.Environment["BERTH"] = CliRunner.Berth;
            psi.Environment["DIR"] = dir;
            psi.Environment.Remove("DOCKER_HOST");
            psi.Environment.Remove("BERTH_HOST");
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            string err1 = File.Exists(Path.Combine(dir, "err1")) ? File.ReadAllText(Path.Combine(dir, "err1")) : "";
            var m = Started().Match(err1);
            if (m.Success) pid = int.Parse(m.Groups[1].Value);
            Assert.True(p.ExitCode == 0, $"script failed: {err}\nerr1: {err1}");
            Assert.True(m.Success, $"no start message: [{err1}]");
            Assert.Equal(err1.TrimEnd('\n'), m.Value); // said once, nothing else
            Assert.Equal("1.44\n", File.ReadAllText(Path.Combine(dir, "out1")));
            Assert.Equal("", File.ReadAllText(Path.Combine(dir, "err2"))); // the second run finds it answering
            Assert.Contains("content", File.ReadAllText(Path.Combine(dir, "root")));
        }
        finally
        {
            // belt and braces: never leave the daemon behind
            if (pid is { } id && File.Exists($"/proc/{id}/cmdline") && File.ReadAllText($"/proc/{id}/cmdline").Contains("berthd"))
            {
                try { Process.GetProcessById(id).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
            }
            Directory.Delete(dir, recursive: true);
        }
    }
}

public sealed class AutoStartFactAttribute : FactAttribute
{
    public AutoStartFactAttribute() { if (CliAutoStartTests.SkipReason is { } r) Skip = r; }
}
