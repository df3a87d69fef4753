using System.Diagnostics;

namespace Berth.Daemon.Tests;

/// <summary>berthd --storage-driver, as docker info shows it.</summary>
public sealed class StorageDriverTests
{
    private static string StorageDriver(Daemon d)
    {
        var (exit, stdout, stderr) = d.Docker("info", "--format", "{{.Driver}}|{{json .DriverStatus}}");
        Assert.True(exit == 0, stderr);
        return stdout.Trim();
    }

    [DaemonFact]
    public void Auto_is_the_default_and_picks_overlay_where_a_trial_mount_works()
    {
        using var d = new Daemon();
        string expected = Environment.UserName == "root" ? "overlay" : "copy"; // the trial mount needs root
        Assert.StartsWith($"{expected}|[[\"Root Dir\",\"{Path.Combine(d.Dir, "root", "snapshots")}\"]", StorageDriver(d));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(d.Dir, "root", "snapshots"))); // the trial mount is gone
    }

    [DaemonFact]
    public void The_copy_driver_can_be_forced()
    {
        using var d = new Daemon("--storage-driver", "copy");
        Assert.Equal($"copy|[[\"Root Dir\",\"{Path.Combine(d.Dir, "root", "snapshots")}\"]]", StorageDriver(d));
    }

    [DaemonFact]
    public void An_unknown_driver_is_refused_at_start()
    {
        using var p = Process.Start(new ProcessStartInfo(Path.Combine(Daemon.BinDir, "berthd"), ["--storage-driver", "zfs"]) { RedirectStandardError = true })!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(2, p.ExitCode);
        Assert.Equal("berthd: unknown storage driver \"zfs\" (overlay, copy or auto)", err.Trim());
    }
}
