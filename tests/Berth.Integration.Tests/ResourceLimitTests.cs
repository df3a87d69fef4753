using System.Diagnostics;
using System.Globalization;
using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>
/// linux.resources proven by what the process inside experiences (OOM kill, failing fork, throttled CPU),
/// not only by the numbers written to the cgroup files.
/// </summary>
public sealed class ResourceLimitTests : IDisposable
{
    private const long MiB = 1024 * 1024;

    /// <summary>Builds a 64 MB string in a shell variable: twice what a 32 MiB limit allows (and quick enough on a loaded machine).</summary>
    private const string Allocate64MB = "x=$(head -c 64000000 /dev/zero | tr '\\0' a)";

    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private static void Limit(RuntimeSpec s, Action<LinuxResources> set)
    {
        var r = new LinuxResources { Devices = s.Linux!.Resources?.Devices };
        set(r);
        s.Linux.Resources = r;
    }

    private static Container WithMemoryLimit(Container c, long bytes) =>
        c.Edit(s => Limit(s, r => r.Memory = new LinuxMemory { Limit = bytes, Swap = bytes }));

    private static long ReadLong(string path) => long.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);

    private static long OomKills(Container c) =>
        File.ReadAllLines(c.CgroupFile("memory", "memory.oom_control"))
            .Select(l => l.Split(' '))
            .Where(p => p[0] == "oom_kill")
            .Select(p => long.Parse(p[1], CultureInfo.InvariantCulture))
            .Single();

    /// <summary>Waits until <paramref name="path"/> exists and contains <paramref name="fragment"/>.</summary>
    private static string WaitForFileContaining(string path, string fragment, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        string text = "";
        while (clock.Elapsed < limit)
        {
            text = File.Exists(path) ? File.ReadAllText(path) : "";
            if (text.Contains(fragment, StringComparison.Ordinal)) return text;
            Thread.Sleep(20);
        }
        throw new Xunit.Sdk.XunitException($"{path} never contained \"{fragment}\" within {limit.TotalSeconds} s; it holds:\n{text}");
    }

    // --- memory ---------------------------------------------------------------------------------

    [RootFact]
    public void Memory_limit_lets_a_small_allocation_through_and_OOM_kills_a_big_one()
    {
        var c = WithMemoryLimit(_sb.NewContainer("sh", "-c",
            $"small=$(head -c 4000000 /dev/zero | tr '\\0' a); echo small ok ${{#small}}; {Allocate64MB}; echo survived ${{#x}}"), 32 * MiB);
        var r = c.Run();
        Assert.True(r.ExitCode == 137, $"expected the shell to be SIGKILLed by the OOM killer (137), got {r}");
        Assert.Equal("small ok 4000000", r.Out);
    }

    [RootFact]
    public void Memory_cgroup_records_the_oom_kill_before_delete()
    {
        var c = WithMemoryLimit(_sb.NewContainer("sh", "-c", $"{Allocate64MB}; echo survived"), 32 * MiB);
        c.CreateAndStart();
        c.WaitForStatus("stopped");
        Assert.Equal((32 * MiB).ToString(CultureInfo.InvariantCulture), File.ReadAllText(c.CgroupFile("memory", "memory.limit_in_bytes")).Trim());
        string memsw = c.CgroupFile("memory", "memory.memsw.limit_in_bytes");
        if (File.Exists(memsw)) Assert.Equal((32 * MiB).ToString(CultureInfo.InvariantCulture), File.ReadAllText(memsw).Trim());
        Assert.True(OomKills(c) > 0, $"memory.oom_control shows no oom_kill:\n{File.ReadAllText(c.CgroupFile("memory", "memory.oom_control"))}");
        Assert.True(ReadLong(c.CgroupFile("memory", "memory.max_usage_in_bytes")) <= 32 * MiB, "usage went above the limit");
        c.Delete().Ok();
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Without_a_memory_limit_the_same_allocation_succeeds()
    {
        // The control for the two tests above: 64 MB is nothing unusual for this machine.
        var r = _sb.NewContainer("sh", "-c", $"{Allocate64MB}; echo survived ${{#x}}").Run().Ok();
        Assert.Equal("survived 64000000", r.Out);
    }

    // --- pids -----------------------------------------------------------------------------------

    [RootFact]
    public void Pids_limit_stops_a_fork_loop_at_the_limit()
    {
        string outDir = _sb.HostDir("pids-out");
        // The inner shell aborts on its first failed fork; the outer one reports and keeps the container
        // (and the sleeps the inner one managed to start) alive so the host can count them.
        var c = _sb.NewContainer("sh", "-c",
                "exec 2>/out/err; sh -c 'for i in $(seq 1 50); do sleep 30 & done; wait'; echo inner exited $? >&2; exec sleep 30")
            .Edit(s =>
            {
                s.Mounts!.Add(new Mount { Destination = "/out", Type = "bind", Source = outDir, Options = ["rbind", "rw"] });
                Limit(s, r => r.Pids = new LinuxPids { Limit = 10 });
            });
        c.CreateAndStart();
        string err = WaitForFileContaining(Path.Combine(outDir, "err"), "inner exited");
        Assert.Contains("can't fork", err, StringComparison.Ordinal);
        Assert.Contains("Resource temporarily unavailable", err, StringComparison.Ordinal);

        var pids = c.PsPids();
        Assert.True(pids.Count is >= 5 and <= 10, $"expected the loop to get some way and stop at 10 tasks, ps shows {pids.Count}: {string.Join(',', pids)}");
        Assert.True(ReadLong(c.CgroupFile("pids", "pids.current")) <= 10);
        Assert.Contains("max", File.ReadAllText(c.CgroupFile("pids", "pids.events")), StringComparison.Ordinal);
        Assert.NotEqual("0", File.ReadAllText(c.CgroupFile("pids", "pids.events")).Split(' ')[1].Trim());

        c.Delete(force: true).Ok();
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Pids_limit_does_not_stop_work_below_it()
    {
        var r = _sb.NewContainer("sh", "-c", "for i in 1 2 3 4 5; do sleep 0.2 & done; wait; echo all forked")
            .Edit(s => Limit(s, r => r.Pids = new LinuxPids { Limit = 10 }))
            .Run().Ok();
        Assert.Equal("all forked", r.Out);
    }

    // --- cpu ------------------------------------------------------------------------------------

    /// <summary>CPU seconds the container's cgroup used during <paramref name="wall"/> of wall time.</summary>
    private static double CpuSecondsOver(Container c, TimeSpan wall)
    {
        string usage = c.CgroupFile("cpuacct", "cpuacct.usage");
        long before = ReadLong(usage);
        var clock = Stopwatch.StartNew();
        Thread.Sleep(wall);
        long after = ReadLong(usage);
        double elapsed = clock.Elapsed.TotalSeconds;
        return (after - before) / 1e9 / elapsed * wall.TotalSeconds;
    }

    [RootFact]
    public void Cpu_quota_of_a_fifth_throttles_a_busy_loop()
    {
        var c = _sb.NewContainer("sh", "-c", "while :; do :; done")
            .Edit(s => Limit(s, r => r.Cpu = new LinuxCpu { Quota = 20000, Period = 100000 }));
        c.CreateAndStart();
        Assert.Equal("20000", File.ReadAllText(c.CgroupFile("cpu", "cpu.cfs_quota_us")).Trim());
        Thread.Sleep(200); // let the loop get going
        double used = CpuSecondsOver(c, TimeSpan.FromSeconds(1.5));
        // 0.2 CPU over 1.5 s is 0.3 s; an unthrottled loop would take ~1.5 s.
        Assert.True(used <= 0.45, $"busy loop used {used:F3} s of CPU in 1.5 s under a 0.2 CPU quota");
        Assert.True(used >= 0.03, $"busy loop used only {used:F3} s of CPU: was it running at all?");
        // The kernel agrees that it throttled the group.
        string stat = File.ReadAllText(c.CgroupFile("cpu", "cpu.stat"));
        long throttled = stat.Split('\n').Select(l => l.Split(' ')).Where(p => p[0] == "nr_throttled").Select(p => long.Parse(p[1], CultureInfo.InvariantCulture)).Single();
        Assert.True(throttled > 0, $"cpu.stat shows no throttling:\n{stat}");
        c.Delete(force: true).Ok();
        c.AssertNothingLeft();
    }
}
