using System.Diagnostics;
using System.Globalization;
using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary><c>update</c> of a running container: new limits take effect for what runs next.</summary>
public sealed class UpdateTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private const string Allocate64MB = "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived ${#x}";
    private const string ForkSix = "for i in 1 2 3 4 5 6; do sleep 1 & done; wait; echo all forked";

    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private Container Sleeper(Action<LinuxResources>? limits = null)
    {
        var c = _sb.NewContainer("sleep", "1000");
        if (limits is not null)
            c.Edit(s =>
            {
                var r = new LinuxResources { Devices = s.Linux!.Resources?.Devices };
                limits(r);
                s.Linux.Resources = r;
            });
        return c.CreateAndStart();
    }

    private string ResourcesFile(string json)
    {
        string path = Path.Combine(_sb.Dir, $"resources-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static string Read(string path) => File.ReadAllText(path).Trim();

    [RootFact]
    public void Lower_pids_limit_from_a_resources_file_makes_a_fork_loop_fail()
    {
        var c = Sleeper(r => r.Pids = new LinuxPids { Limit = 100 });
        Assert.Equal("all forked", c.Exec("sh", "-c", ForkSix).Ok().Out);

        c.Update("--resources", ResourcesFile("""{ "pids": { "limit": 4 } }""")).Ok();
        Assert.Equal("4", Read(c.CgroupFile("pids", "pids.max")));
        var r = c.Exec("sh", "-c", ForkSix);
        Assert.True(r.ExitCode != 0 && !r.Out.Contains("all forked", StringComparison.Ordinal), $"six forks under a limit of 4: {r}");
        Assert.True(long.Parse(Read(c.CgroupFile("pids", "pids.current")), CultureInfo.InvariantCulture) <= 4);
    }

    [RootFact]
    public void Pids_limit_from_stdin()
    {
        var c = Sleeper();
        Runtime.Bash($"echo '{{\"pids\":{{\"limit\":7}}}}' | \"$BERTH_RUNTIME\" --root '{_sb.Root}' update -r - '{c.Id}'", _sb.Dir).Ok();
        Assert.Equal("7", Read(c.CgroupFile("pids", "pids.max")));
    }

    [RootFact]
    public void Legacy_pids_limit_flag()
    {
        var c = Sleeper();
        c.Update("--pids-limit", "9").Ok();
        Assert.Equal("9", Read(c.CgroupFile("pids", "pids.max")));
    }

    [RootFact]
    public void Memory_limit_set_by_update_OOM_kills_a_big_allocation()
    {
        var c = Sleeper();
        Assert.Equal("survived 64000000", c.Exec("sh", "-c", Allocate64MB).Ok().Out);

        c.Update("--memory", (32 * MiB).ToString(CultureInfo.InvariantCulture), "--memory-swap", (32 * MiB).ToString(CultureInfo.InvariantCulture)).Ok();
        Assert.Equal((32 * MiB).ToString(CultureInfo.InvariantCulture), Read(c.CgroupFile("memory", "memory.limit_in_bytes")));
        var r = c.Exec("sh", "-c", Allocate64MB);
        Assert.True(r.ExitCode == 137, $"expected the exec'd shell to be OOM-killed (137), got {r}");
        Assert.Equal("running", c.Status); // only the offender died
    }

    [RootFact]
    public void Raising_the_memory_limit_and_swap_together_lets_a_big_allocation_through()
    {
        // cgroup v1 wants memsw >= memory at every step: raising both needs memsw written first.
        var c = Sleeper(r => r.Memory = new LinuxMemory { Limit = 32 * MiB, Swap = 32 * MiB });
        Assert.Equal(137, c.Exec("sh", "-c", Allocate64MB).ExitCode);

        c.Update("--resources", ResourcesFile($$"""{ "memory": { "limit": {{256 * MiB}}, "swap": {{256 * MiB}} } }""")).Ok();
        Assert.Equal((256 * MiB).ToString(CultureInfo.InvariantCulture), Read(c.CgroupFile("memory", "memory.limit_in_bytes")));
        Assert.Equal("survived 64000000", c.Exec("sh", "-c", Allocate64MB).Ok().Out);
    }

    [RootFact]
    public void Legacy_memory_flag_accepts_a_unit_suffix_like_runc()
    {
        // runc parses --memory and friends with units.RAMInBytes: "64m" is 64 MiB.
        var c = Sleeper();
        c.Update("--memory", "64m").Ok();
        Assert.Equal((64 * MiB).ToString(CultureInfo.InvariantCulture), Read(c.CgroupFile("memory", "memory.limit_in_bytes")));
    }

    [RootFact]
    public void Legacy_memory_flag_with_garbage_fails_instead_of_being_ignored()
    {
        var c = Sleeper();
        string before = Read(c.CgroupFile("memory", "memory.limit_in_bytes"));
        var r = c.Update("--memory", "lots");
        Assert.True(r.ExitCode != 0, $"update --memory lots succeeded: {r}");
        Assert.Contains("lots", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Read(c.CgroupFile("memory", "memory.limit_in_bytes")));
    }

    [RootFact]
    public void Cpu_quota_set_by_update_throttles_a_running_busy_loop()
    {
        var c = _sb.NewContainer("sh", "-c", "while :; do :; done").CreateAndStart();
        c.Update("--cpu-quota", "20000", "--cpu-period", "100000").Ok();
        Assert.Equal("20000", Read(c.CgroupFile("cpu", "cpu.cfs_quota_us")));
        Assert.Equal("100000", Read(c.CgroupFile("cpu", "cpu.cfs_period_us")));
        Thread.Sleep(200);
        string usage = c.CgroupFile("cpuacct", "cpuacct.usage");
        long before = long.Parse(Read(usage), CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        Thread.Sleep(1500);
        double used = (long.Parse(Read(usage), CultureInfo.InvariantCulture) - before) / 1e9 / clock.Elapsed.TotalSeconds;
        Assert.True(used <= 0.3, $"busy loop used {used:F3} CPU after the update to a 0.2 CPU quota");
        Assert.True(used >= 0.02, $"busy loop used only {used:F3} CPU: was it running at all?");
    }

    [RootFact]
    public void Update_of_a_stopped_container_fails_clearly()
    {
        var c = _sb.NewContainer("true").CreateAndStart();
        c.WaitForStatus("stopped");
        c.Update("--pids-limit", "5").FailsWith("container not running");
    }

    [RootFact]
    public void Update_without_any_limit_fails_clearly()
    {
        var c = Sleeper();
        Assert.True(c.Update().ExitCode != 0);
    }

    [RootFact]
    public void Exec_fits_in_the_pids_budget_runc_needs()
    {
        // init + the exec'd shell + its one child = 3 tasks. runc 1.1 moves only the final exec'd process
        // into the cgroup, so this fits a limit of 3.
        var c = Sleeper(r => r.Pids = new LinuxPids { Limit = 3 });
        WaitForPidsCurrent(c, 1);
        var r = c.Exec("sh", "-c", "sleep 0.1 & wait; echo ok");
        Assert.True(r.ExitCode == 0 && r.Out == "ok", $"exec under a pids limit with room for it failed: {r}");
    }

    [RootFact]
    public void Detached_exec_leaves_no_zombie_charged_to_the_container()
    {
        // pids.current counts zombies too: a runtime helper left for the host's init to reap would use
        // up the container's budget until then.
        var c = Sleeper();
        WaitForPidsCurrent(c, 1);
        c.ExecWith(["--detach"], "sleep", "1000").Ok();
        int tasks = File.ReadAllLines(c.CgroupFile("pids", "tasks")).Length;
        Assert.Equal(2, tasks);
        Assert.Equal("2", Read(c.CgroupFile("pids", "pids.current")));
    }

    [RootFact]
    public void Create_leaves_no_zombie_charged_to_the_container()
    {
        var c = _sb.NewContainer("sleep", "1000");
        c.Create().Ok();
        c.Start().Ok();
        // start returns once init has the fifo open, a moment before its execve ends its other .NET thread;
        // a zombie stage would stay charged for good.
        WaitForPidsCurrent(c, 1);
        Assert.Single(File.ReadAllLines(c.CgroupFile("pids", "tasks")));
        Assert.Equal("1", Read(c.CgroupFile("pids", "pids.current")));
    }

    /// <summary>Waits for zombies the host's init has yet to reap (see the two tests above) to go.</summary>
    private static void WaitForPidsCurrent(Container c, int expected)
    {
        var clock = Stopwatch.StartNew();
        while (Read(c.CgroupFile("pids", "pids.current")) != expected.ToString(CultureInfo.InvariantCulture) && clock.Elapsed < TimeSpan.FromSeconds(10))
            Thread.Sleep(20);
    }
}
