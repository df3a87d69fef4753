using System.Diagnostics;

namespace Berth.Daemon.Tests;

/// <summary>A real berthd on a private socket and roots, and the real docker CLI pointed at it.</summary>
public sealed class Daemon : IDisposable
{
    public static string BinDir { get; } = Environment.GetEnvironmentVariable("BERTH_BIN") is { Length: > 0 } d ? d : RepoBin();

    private static string RepoBin()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Makefile"))) return Path.Combine(dir.FullName, "out", "bin");
        return "out/bin";
    }

    public static string? SkipReason =>
        !File.Exists(Path.Combine(BinDir, "berthd")) ? $"berthd not found in {BinDir}: run `make build` or set BERTH_BIN"
        : !File.Exists("/usr/local/bin/docker") && !File.Exists("/usr/bin/docker") ? "docker CLI not installed"
        : null;

    private Process _process;
    public string Dir { get; } = Directory.CreateTempSubdirectory("berthd-test-").FullName;
    public string Socket => Path.Combine(Dir, "berth.sock");
    public string Host => "unix://" + Socket;

    private readonly string[] _extraArgs;

    /// <param name="extraArgs">more berthd flags, e.g. "--storage-driver", "copy"</param>
    public Daemon(params string[] extraArgs)
    {
        _extraArgs = extraArgs;
        _process = Start();
    }

    /// <summary>kill -9 (no shutdown code runs, as in a crash), then a new berthd on the same roots.</summary>
    public void CrashAndRestart()
    {
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
        _process = Start();
    }

    private Process Start()
    {
        if (File.Exists(Socket)) File.Delete(Socket); // left by a killed daemon: wait for the new one's
        var process = Process.Start(new ProcessStartInfo(Path.Combine(BinDir, "berthd"),
            ["-H", Host, "--root", Path.Combine(Dir, "root"), "--exec-root", Path.Combine(Dir, "run"), .. _extraArgs])
        {
            RedirectStandardError = true, RedirectStandardOutput = true,
        })!;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        // The socket file appears at bind(), a moment before listen(): wait until a connection is accepted.
        while (!Accepts(Socket))
        {
            if (process.HasExited) throw new InvalidOperationException($"berthd exited: {process.StandardError.ReadToEnd()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("berthd did not listen on its socket");
            Thread.Sleep(20);
        }
        return process;
    }

    private static bool Accepts(string socket)
    {
        if (!File.Exists(socket)) return false;
        using var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            s.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(socket));
            return true;
        }
        catch (System.Net.Sockets.SocketException) { return false; }
    }

    public (int Exit, string Out, string Err) Docker(params string[] args) => DockerWithConfig(Path.Combine(Dir, "docker-config"), args);

    /// <summary>The docker CLI with its own config dir (credentials in config.json become X-Registry-Auth).</summary>
    public (int Exit, string Out, string Err) DockerWithConfig(string configDir, params string[] args)
    {
        var psi = new ProcessStartInfo("docker", ["-H", Host, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["DOCKER_CONFIG"] = configDir;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        Directory.Delete(Dir, recursive: true);
    }
}

public sealed class DaemonFactAttribute : FactAttribute
{
    public DaemonFactAttribute() { if (Daemon.SkipReason is { } r) Skip = r; }
}
