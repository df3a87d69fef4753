using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>
/// A whole container under the cgroup v2 manager, on a hybrid host: every runtime invocation runs in a private
/// mount namespace where the host's cgroup2 tree is mounted on /sys/fs/cgroup, so the runtime sees a unified
/// host (the trick crun's benchmarks need here too). The container's device rules then become an eBPF program;
/// only hugetlb is enabled in this tree, so no other limit can be asked for.
/// </summary>
public sealed class CgroupV2DeviceTests : IDisposable
{
    private readonly Sandbox _sb = new();
    private readonly List<Container> _containers = [];

    public void Dispose()
    {
        _sb.Dispose();
        UnifiedHost.RemoveCgroups(_containers);
    }

    private const string Script =
        "mknod /tmp/sda b 8 0 && echo made; head -c1 /tmp/sda >/dev/null; echo open $?; head -c1 /dev/zero | wc -c";

    private Container WithMknod(Action<RuntimeSpec>? edit = null)
    {
        var c = _sb.NewContainer("sh", "-c", Script).Edit(s =>
        {
            var caps = s.Process!.Capabilities!;
            foreach (var set in new[] { caps.Bounding, caps.Effective, caps.Permitted })
                if (set is not null && !set.Contains("CAP_MKNOD")) set.Add("CAP_MKNOD");
            s.Mounts!.Add(new Mount { Destination = "/tmp", Type = "tmpfs", Source = "tmpfs", Options = ["size=1m"] });
            edit?.Invoke(s);
        });
        _containers.Add(c);
        return c;
    }

    private RunResult RunUnified(Container c) => UnifiedHost.Rt(_sb, ["run", "--bundle", c.Bundle, c.Id]);

    [RootFact(NeedsHybridCgroup2 = true)]
    public void Default_rules_deny_a_block_device_the_spec_does_not_allow()
    {
        var r = RunUnified(WithMknod()).Ok();
        // mknod needs "m" on b 8:0, which only the device program can refuse here (the v1 devices cgroup is the host's).
        Assert.Equal(["open 1", "1"], r.Out.Split('\n'));
        Assert.Contains("mknod: /tmp/sda: Operation not permitted", r.Stderr, StringComparison.Ordinal);
    }

    [RootFact(NeedsHybridCgroup2 = true)]
    public void A_spec_rule_lets_the_block_device_through_and_the_cgroup_is_gone_after_run()
    {
        var c = WithMknod(s => s.Linux!.Resources = new LinuxResources
        {
            Devices = [new LinuxDeviceCgroup { Allow = false, Access = "rwm" }, new LinuxDeviceCgroup { Allow = true, Type = "b", Major = 8, Minor = 0, Access = "rwm" }],
        });
        var r = RunUnified(c).Ok();
        Assert.StartsWith("made", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Operation not permitted", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine("/sys/fs/cgroup/unified", c.CgroupName)));
    }
}
