using System.Diagnostics;
using System.Net.Sockets;

namespace Berth.Cli;

/// <summary>
/// When nothing answers on the default socket, berth starts berthd itself with the default roots, detached
/// in its own session with its output in a log, waits for the socket to answer, and says so once on stderr.
/// A lock file keeps two berth processes from starting two daemons.
/// </summary>
public static class DaemonStarter
{
    public const string ExecRoot = "/run/berth";
    public const string Root = "/var/lib/berth";
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static async Task StartAsync(DaemonHost host, CliIO io, CancellationToken ct)
    {
        string berthd = FindBerthd() ?? throw new CliException(
            $"Cannot connect to the Berth daemon at {host}, and berthd was not found next to berth or in PATH to start one");
        try { Directory.CreateDirectory(ExecRoot); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot connect to the Berth daemon at {host}, and cannot start berthd: {e.Message}");
        }
        string log = Path.Combine(ExecRoot, "berthd.log");
        using var lockFile = await LockAsync(Path.Combine(ExecRoot, "berth-autostart.lock"), ct);
        if (await AnswersAsync(host.Address, ct)) return; // another berth started it while we waited for the lock

        // setsid(1) makes the new session in place (the child is not a group leader), so the pid stays berthd's.
        var psi = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            ArgumentList = { "sh", "-c", "exec \"$0\" \"$@\" </dev/null >>\"$BERTH_AUTOSTART_LOG\" 2>&1", berthd,
                "-H", host.ToString(), "--root", Root, "--exec-root", ExecRoot },
            Environment = { ["BERTH_AUTOSTART_LOG"] = log },
        };
        using var p = Process.Start(psi) ?? throw new CliException("could not start berthd");
        var deadline = DateTime.UtcNow + Wait;
        while (!await AnswersAsync(host.Address, ct))
        {
            if (p.HasExited)
                throw new CliException($"berthd exited with status {p.ExitCode} before answering; see {log}:\n{Tail(log)}");
            if (DateTime.UtcNow > deadline)
                throw new CliException($"berthd (pid {p.Id}) did not answer on {host} within {Wait.TotalSeconds:0} seconds; see {log}");
            await Task.Delay(25, ct);
        }
        await io.Err.WriteLineAsync($"berth: started berthd (pid {p.Id}, log {log})");
    }

    public static string? FindBerthd()
    {
        if (Environment.ProcessPath is { } self && Path.GetDirectoryName(self) is { } dir
            && Path.Combine(dir, "berthd") is var next && File.Exists(next)) return next;
        foreach (string d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (Path.Combine(d, "berthd") is var candidate && File.Exists(candidate)) return candidate;
        return null;
    }

    private static async Task<bool> AnswersAsync(string socketPath, CancellationToken ct)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await s.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
            return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>An exclusive lock (FileShare.None is an advisory lock on Linux), retried until the deadline.</summary>
    private static async Task<FileStream> LockAsync(string path, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (DateTime.UtcNow < deadline) { await Task.Delay(25, ct); }
        }
    }

    private static string Tail(string path)
    {
        try { return string.Join('\n', File.ReadLines(path).TakeLast(10)); }
        catch (IOException) { return ""; }
    }
}
