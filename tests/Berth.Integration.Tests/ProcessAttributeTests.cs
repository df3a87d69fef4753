using System.Text.Json;
using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>
/// The smaller process and namespace attributes of config.json, each seen from inside the
/// container: domainname, umask, I/O priority, OOM score, session keyring, time namespace, cpuset.
/// </summary>
public sealed class ProcessAttributeTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    [RootFact]
    public void Domainname_comes_from_the_spec()
    {
        var c = _sb.NewContainer("cat", "/proc/sys/kernel/domainname").Edit(s => s.Domainname = "it.example");
        Assert.Equal("it.example", c.Run().Ok().Out);
    }

    [RootFact]
    public void Umask_comes_from_the_spec_and_shapes_new_files()
    {
        var c = _sb.NewContainer("sh", "-c", "umask; touch /dev/shm/f; stat -c %a /dev/shm/f")
            .Edit(s => s.Process!.User.Umask = Convert.ToUInt32("027", 8));
        Assert.Equal("0027\n640", c.Run().Ok().Out);
    }

    [RootFact]
    public void IoPriority_comes_from_the_spec()
    {
        var c = _sb.NewContainer("sh", "-c", "ionice -p $$")
            .Edit(s => s.Process!.IOPriority = new LinuxIOPriority { Class = "IOPRIO_CLASS_BE", Priority = 6 });
        Assert.Equal("best-effort: prio 6", c.Run().Ok().Out);
    }

    [RootFact]
    public void OomScoreAdj_comes_from_the_spec()
    {
        var c = _sb.NewContainer("cat", "/proc/self/oom_score_adj").Edit(s => s.Process!.OOMScoreAdj = 512);
        Assert.Equal("512", c.Run().Ok().Out);
    }

    [RootFact]
    public void Each_container_gets_its_own_session_keyring_unless_told_not_to()
    {
        // The default spec masks /proc/keys; unmasked, it lists the keyrings this process possesses.
        static void Unmask(RuntimeSpec s) => s.Linux!.MaskedPaths!.Remove("/proc/keys");
        var c = _sb.NewContainer("cat", "/proc/keys").Edit(Unmask);
        Assert.Contains("_ses." + c.Id, c.Run().Ok().Out);

        var shared = _sb.NewContainer("cat", "/proc/keys").Edit(Unmask);
        Assert.DoesNotContain("_ses." + shared.Id, shared.Run("--no-new-keyring").Ok().Out);
    }

    [RootFact]
    public void Time_namespace_is_new_when_asked()
    {
        string host = new FileInfo("/proc/self/ns/time").LinkTarget!;
        var c = _sb.NewContainer("readlink", "/proc/self/ns/time")
            .Edit(s => s.Linux!.Namespaces!.Add(new LinuxNamespace { Type = NamespaceTypes.Time }));
        string inside = c.Run().Ok().Out;
        Assert.StartsWith("time:[", inside);
        Assert.NotEqual(host, inside);

        var same = _sb.NewContainer("readlink", "/proc/self/ns/time");
        Assert.Equal(host, same.Run().Ok().Out);
    }

    [RootFact]
    public void Cpuset_restricts_the_cpus_the_process_may_run_on()
    {
        if (Environment.ProcessorCount < 2) return; // one CPU leaves nothing to restrict
        var c = _sb.NewContainer("sh", "-c", "grep Cpus_allowed_list /proc/self/status")
            .Edit(s => s.Linux!.Resources = new LinuxResources
            {
                Devices = s.Linux.Resources?.Devices,
                Cpu = new LinuxCpu { Cpus = "1", Mems = "0" },
            });
        Assert.Equal("Cpus_allowed_list:\t1", c.Run().Ok().Out);
    }

    [RootFact]
    public void Events_interval_streams_stats_and_reports_an_oom_kill()
    {
        // The shell survives: only the subshell that allocates is killed, then the container exits by itself.
        var c = _sb.NewContainer("sh", "-c", "sleep 1.5; (x=$(head -c 64000000 /dev/zero | tr '\\0' a)); sleep 1")
            .Edit(s => s.Linux!.Resources = new LinuxResources
            {
                Devices = s.Linux.Resources?.Devices,
                Memory = new LinuxMemory { Limit = 32L << 20, Swap = 32L << 20 },
            });
        c.CreateAndStart();
        var events = _sb.Rt("events", "--interval", "300ms", c.Id).Ok();
        var lines = events.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(lines, e => Assert.Equal(c.Id, e.GetProperty("id").GetString()));
        var stats = lines.Where(e => e.GetProperty("type").GetString() == "stats").ToList();
        Assert.True(stats.Count >= 3, $"expected a stats object every 300 ms for about 3 s, got {stats.Count}:\n{events.Stdout}");
        Assert.True(stats[0].GetProperty("data").GetProperty("memory").GetProperty("usage").GetProperty("limit").GetInt64() == 32L << 20);
        Assert.Contains(lines, e => e.GetProperty("type").GetString() == "oom");
    }

    [RootFact]
    public void Console_socket_receives_the_pty_master_and_the_process_has_it_as_its_terminal()
    {
        var c = _sb.NewContainer("sh", "-c", "tty; echo on-the-pty").Edit(s => s.Process!.Terminal = true);
        using var console = new ConsoleSocket(Path.Combine(_sb.Dir, "console.sock"));
        c.Create("--console-socket", console.Path).Ok();
        using FileStream master = console.ReceiveMaster(TimeSpan.FromSeconds(10));
        c.Start().Ok();
        string output = ConsoleSocket.ReadUntil(master, "on-the-pty", TimeSpan.FromSeconds(10));
        Assert.Contains("/dev/pts/0", output);
    }
}
