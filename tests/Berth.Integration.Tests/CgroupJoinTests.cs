using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>
/// How containers enter their cgroup when clone3 (CLONE_INTO_CGROUP) is refused, as on a kernel before 5.3 or
/// under Docker's default seccomp profile: a cgroup2 directory is then joined through cgroup.procs, and a
/// best-effort one (the v2 tree of a hybrid host) is skipped. Seen from inside, in /proc/self/cgroup.
/// </summary>
public sealed class CgroupJoinTests : IDisposable
{
    private readonly Sandbox _sb = new();
    private readonly List<Container> _containers = [];

    public void Dispose()
    {
        _sb.Dispose();
        UnifiedHost.RemoveCgroups(_containers);
    }

    /// <summary>A container without a cgroup namespace, so that /proc/self/cgroup shows host paths.</summary>
    private Container New(params string[] args)
    {
        var c = _sb.NewContainer(args).Edit(s => s.Linux!.Namespaces!.RemoveAll(n => n.Type == NamespaceTypes.Cgroup));
        _containers.Add(c);
        return c;
    }

    private RunResult Unified(bool noClone3, params string[] args) => UnifiedHost.Rt(_sb, args, noClone3 ? NativeHelper.NoClone3 : null);

    [RootFact(NeedsHybridCgroup2 = true)]
    public void Without_clone3_init_joins_its_cgroup2_directory_through_cgroup_procs()
    {
        var c = New("cat", "/proc/self/cgroup");
        var r = Unified(noClone3: true, "run", "--bundle", c.Bundle, c.Id).Ok();
        Assert.Contains($"0::/{c.CgroupName}", r.Out.Split('\n'));
    }

    [RootFact(NeedsHybridCgroup2 = true)]
    public void Without_clone3_an_exec_joins_the_cgroup2_directory_before_it_execs()
    {
        var c = New("sleep", "1000");
        Unified(noClone3: false, "run", "--detach", "--bundle", c.Bundle, c.Id).Ok();
        try
        {
            var r = Unified(noClone3: true, "exec", c.Id, "cat", "/proc/self/cgroup").Ok();
            Assert.Contains($"0::/{c.CgroupName}", r.Out.Split('\n'));
        }
        finally
        {
            Unified(noClone3: false, "delete", "--force", c.Id);
        }
    }

    [RootFact(NeedsHybridCgroup2 = true)]
    public void Without_clone3_on_a_hybrid_host_the_v1_hierarchies_are_joined_and_the_v2_tree_is_skipped()
    {
        var c = New("cat", "/proc/self/cgroup");
        var r = Runtime.Command(NativeHelper.NoClone3, [Runtime.BinaryPath, "--root", _sb.Root, "run", "--bundle", c.Bundle, c.Id], _sb.Dir).Ok();
        var lines = r.Out.Split('\n');
        Assert.Contains(lines, l => l.EndsWith($":pids:/{c.CgroupName}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith($":memory:/{c.CgroupName}", StringComparison.Ordinal));
        Assert.Contains("0::/", lines);
    }
}
