using System.Globalization;
using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>linux.cgroupsPath and resources on the host's cgroup v1 hierarchies.</summary>
public sealed class CgroupTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private static string Procs(string controller, Container c) => Path.Combine("/sys/fs/cgroup", controller, c.CgroupName, "cgroup.procs");

    [RootFact]
    public void Init_is_in_the_cgroup_after_create_and_the_cgroup_is_gone_after_delete()
    {
        var c = _sb.NewContainer("sleep", "1000");
        c.Create().Ok();
        string pid = c.Pid.ToString(CultureInfo.InvariantCulture);
        // Init joins by itself (v1 tasks files; cloned into the v2 directory): every hierarchy must show it,
        // the v2 tree of a hybrid host included, although the runtime would carry on without that one.
        string[] hierarchies = ["pids", "memory", "cpu", "freezer", "devices", "systemd"];
        if (File.Exists("/sys/fs/cgroup/unified/cgroup.procs")) hierarchies = [.. hierarchies, "unified"];
        foreach (string controller in hierarchies)
            Assert.Contains(pid, File.ReadAllLines(Procs(controller, c)));
        c.Start().Ok();
        c.Delete(force: true).Ok();
        Assert.False(Directory.Exists(Path.Combine("/sys/fs/cgroup/pids", c.CgroupName)));
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Every_process_of_the_container_is_in_the_cgroup()
    {
        var c = _sb.NewContainer("sh", "-c", "sleep 1000 & sleep 1000 & wait").CreateAndStart();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        string[] procs;
        while ((procs = File.ReadAllLines(Procs("pids", c))).Length < 3 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.Equal(3, procs.Length);
        var ps = _sb.Rt("ps", "--format", "json", c.Id).Ok().Out;
        Assert.Equal(procs.Select(int.Parse).Order(), ps.Trim('[', ']').Split(',').Select(int.Parse).Order());
    }

    [RootFact]
    public void Resource_limits_are_written_to_the_cgroup()
    {
        var c = _sb.NewContainer("sleep", "1000").Edit(s => s.Linux!.Resources = new LinuxResources
        {
            Devices = s.Linux.Resources?.Devices,
            Pids = new LinuxPids { Limit = 42 },
            Memory = new LinuxMemory { Limit = 64 * 1024 * 1024 },
        });
        c.Create().Ok();
        Assert.Equal("42", File.ReadAllText(Path.Combine("/sys/fs/cgroup/pids", c.CgroupName, "pids.max")).Trim());
        Assert.Equal((64 * 1024 * 1024).ToString(CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine("/sys/fs/cgroup/memory", c.CgroupName, "memory.limit_in_bytes")).Trim());
    }

    [RootFact]
    public void Pids_limit_of_1_lets_the_process_run_but_not_fork()
    {
        // The limit is for the container's processes: runc writes it only once its own init is up
        // (init's threads count as tasks), so even a limit of 1 leaves room for the process itself.
        var c = _sb.NewContainer("sh", "-c", "echo alone; (true); echo forked")
            .Edit(s => s.Linux!.Resources = new LinuxResources { Devices = s.Linux.Resources?.Devices, Pids = new LinuxPids { Limit = 1 } });
        var r = c.Run();
        Assert.True(r.Out == "alone" && r.Stderr.Contains("can't fork", StringComparison.Ordinal), r.ToString());
        Assert.Equal(2, r.ExitCode);
    }
}
