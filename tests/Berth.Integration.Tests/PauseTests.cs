using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>pause / resume through the freezer, proven by a counter that stops and goes on.</summary>
public sealed class PauseTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    /// <summary>A container that counts into /out/n (a host directory) as fast as a fork per step allows.</summary>
    private (Container C, string CounterFile) Counter()
    {
        string outDir = _sb.HostDir("counter");
        var c = _sb.NewContainer("sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /out/n; usleep 1000; done")
            .Edit(s => s.Mounts!.Add(new Mount { Destination = "/out", Type = "bind", Source = outDir, Options = ["rbind", "rw"] }));
        c.CreateAndStart();
        return (c, Path.Combine(outDir, "n"));
    }

    private static string Raw(string file) => File.Exists(file) ? File.ReadAllText(file) : "";

    private static long? Parse(string raw) => long.TryParse(raw.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : null;

    /// <summary>Waits until the counter reads above <paramref name="above"/>.</summary>
    private static long WaitForCountAbove(string file, long above, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        while (clock.Elapsed < limit)
        {
            // Between the shell's truncate and write the file is empty: just read again.
            if (Parse(Raw(file)) is long v && v > above) return v;
            Thread.Sleep(10);
        }
        throw new Xunit.Sdk.XunitException($"counter did not pass {above} within {limit.TotalSeconds} s (reads \"{Raw(file).Trim()}\")");
    }

    private static long CpuTicks(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture); // utime + stime
    }

    [RootFact]
    public void Paused_counter_stops_and_resumed_counter_goes_on()
    {
        var (c, file) = Counter();
        WaitForCountAbove(file, 5);

        c.Pause().Ok();
        Assert.Equal("paused", c.Status);
        Assert.Equal("FROZEN", File.ReadAllText(c.CgroupFile("freezer", "freezer.state")).Trim());
        // The file may have been frozen half-written (empty): compare what is there, not a number.
        string before = Raw(file);
        long cpuBefore = CpuTicks(c.Pid);
        Thread.Sleep(500);
        Assert.Equal(before, Raw(file));
        Assert.Equal(cpuBefore, CpuTicks(c.Pid));

        c.Resume().Ok();
        Assert.Equal("running", c.Status);
        Assert.Equal("THAWED", File.ReadAllText(c.CgroupFile("freezer", "freezer.state")).Trim());
        WaitForCountAbove(file, (Parse(before) ?? 0) + 5, TimeSpan.FromSeconds(5));
    }

    [RootFact]
    public void List_shows_paused_then_running()
    {
        var (c, _) = Counter();
        c.Pause().Ok();
        string Listed()
        {
            using var doc = JsonDocument.Parse(_sb.Rt("list", "--format", "json").Ok().Stdout);
            return doc.RootElement.EnumerateArray().Single(e => e.GetProperty("id").GetString() == c.Id).GetProperty("status").GetString()!;
        }
        Assert.Equal("paused", Listed());
        var table = _sb.Rt("list").Ok().Out.Split('\n');
        Assert.Contains(table, l => l.StartsWith(c.Id + " ", StringComparison.Ordinal) && l.Contains(" paused ", StringComparison.Ordinal));
        c.Resume().Ok();
        Assert.Equal("running", Listed());
    }

    [RootFact]
    public void Pause_twice_and_resume_of_a_running_container_fail_clearly()
    {
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        c.Resume().FailsWith("not paused");
        c.Pause().Ok();
        Assert.True(c.Pause().ExitCode != 0, "pausing a paused container succeeded");
        Assert.Equal("paused", c.Status);
        c.Resume().Ok();
    }

    [RootFact]
    public void Pause_of_a_stopped_container_fails()
    {
        var c = _sb.NewContainer("true").CreateAndStart();
        c.WaitForStatus("stopped");
        c.Pause().FailsWith("container not running");
        c.Resume().FailsWith("container not paused");
    }

    [RootFact]
    public void Exec_into_a_paused_container_fails_clearly()
    {
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        c.Pause().Ok();
        c.Exec("true").FailsWith("cannot exec in a paused container");
        c.Resume().Ok();
        c.Exec("true").Ok();
    }

    [RootFact]
    public void Sigkill_to_a_paused_container_stops_it()
    {
        // runc thaws the cgroup after sending SIGKILL: in a frozen cgroup v1 the signal would wait forever.
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        c.Pause().Ok();
        c.Kill("KILL").Ok();
        c.WaitForStatus("stopped", TimeSpan.FromSeconds(5));
        c.Delete().Ok();
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Sigterm_to_a_paused_container_waits_for_resume()
    {
        var c = _sb.NewContainer("sh", "-c", "trap 'exit 0' TERM; while true; do usleep 10000; done").CreateAndStart();
        c.WaitForHandler(15);
        c.Pause().Ok();
        c.Kill("TERM").Ok();
        Thread.Sleep(300);
        Assert.Equal("paused", c.Status);
        c.Resume().Ok();
        c.WaitForStatus("stopped", TimeSpan.FromSeconds(5));
        c.Delete().Ok();
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Force_delete_of_a_paused_busy_container_leaves_nothing()
    {
        var (c, file) = Counter();
        WaitForCountAbove(file, 0);
        c.Pause().Ok();
        c.Delete(force: true).Ok();
        c.AssertNothingLeft();
        string after = Raw(file);
        Thread.Sleep(200);
        Assert.Equal(after, Raw(file)); // nothing is counting any more
    }
}
