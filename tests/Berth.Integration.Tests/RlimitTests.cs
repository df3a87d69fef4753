using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>process.rlimits.</summary>
public sealed class RlimitTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    /// <summary>
    /// The runtime, and the init it starts, which inherits the caller's limits, start .NET under an address-space
    /// limit (ulimit -v): the GC must size its reservation to fit it.
    /// </summary>
    [RootFact]
    public void Run_works_under_the_callers_address_space_limit()
    {
        var c = _sb.NewContainer("sh", "-c", "ulimit -v");
        var r = Runtime.Bash($"ulimit -v 1000000; exec \"$BERTH_RUNTIME\" --root {_sb.Root} run --bundle {c.Bundle} {c.Id}").Ok();
        Assert.Equal("1000000", r.Out);
    }

    private Container WithNofile(ulong soft, ulong hard, params string[] args) => _sb.NewContainer(args)
        .Edit(s => s.Process!.Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = soft, Hard = hard }]);

    /// <summary>"soft hard" of a /proc/self/limits line as the container printed it.</summary>
    private static string Limits(string procLimits, string name)
    {
        string line = procLimits.Split('\n').Single(l => l.StartsWith(name, StringComparison.Ordinal));
        var fields = line[name.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return $"{fields[0]} {fields[1]}";
    }

    [RootFact]
    public void Nofile_1024_gives_ulimit_n_1024()
    {
        Assert.Equal("1024", WithNofile(1024, 1024, "sh", "-c", "ulimit -n").Run().Ok().Out);
    }

    [RootFact]
    public void Different_soft_and_hard_limits()
    {
        var r = WithNofile(512, 2048, "cat", "/proc/self/limits").Run().Ok();
        Assert.Equal("512 2048", Limits(r.Stdout, "Max open files"));
    }

    [RootFact]
    public void Several_rlimits_apply_together()
    {
        var c = _sb.NewContainer("cat", "/proc/self/limits").Edit(s => s.Process!.Rlimits =
        [
            new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = 100, Hard = 200 },
            new PosixRlimit { Type = "RLIMIT_NPROC", Soft = 300, Hard = 400 },
            new PosixRlimit { Type = "RLIMIT_CORE", Soft = 0, Hard = 0 },
        ]);
        string limits = c.Run().Ok().Stdout;
        Assert.Equal("100 200", Limits(limits, "Max open files"));
        Assert.Equal("300 400", Limits(limits, "Max processes"));
        Assert.Equal("0 0", Limits(limits, "Max core file size"));
    }

    [RootFact(NeedsCallerWithoutCapSysResource = true)]
    public void Hard_limit_above_the_callers_fails_create_cleanly()
    {
        ulong callerHard = ulong.Parse(Limits(File.ReadAllText("/proc/self/limits"), "Max open files").Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        ulong nrOpen = ulong.Parse(File.ReadAllText("/proc/sys/fs/nr_open").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(callerHard < nrOpen, $"the test process's hard NOFILE limit ({callerHard}) is already nr_open");
        var c = WithNofile(nrOpen, nrOpen, "true");
        c.Create().FailsWith("RLIMIT_NOFILE");
        c.AssertNothingLeft();
    }
}
