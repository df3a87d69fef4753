namespace Berth.Cgroups.Tests;

public sealed class MembershipTests
{
    private static readonly string[] V1Dirs = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb", "systemd"];

    [Fact]
    public void Create_makes_the_directory_in_every_hierarchy_and_is_idempotent()
    {
        using var host = FakeCgroupHost.V1(hybrid: true);
        ICgroupManager m = CgroupManagerFactory.Create("/berth/c1", "c1", host.Fs);
        m.Create();
        m.Create();
        foreach (string dir in V1Dirs.Append("unified"))
            Assert.True(host.Exists($"{dir}/berth/c1"), dir);
    }

    [Fact]
    public void AddProcess_writes_cgroup_procs_in_every_hierarchy()
    {
        using var host = FakeCgroupHost.V1(hybrid: true);
        ICgroupManager m = CgroupManagerFactory.Create("/berth/c1", "c1", host.Fs);
        m.Create();
        foreach (string dir in V1Dirs) host.SeedV1(dir, "berth/c1");
        host.Write("unified/berth/c1/cgroup.procs", "");
        m.AddProcess(4242);
        foreach (string dir in V1Dirs.Append("unified"))
            Assert.Equal("4242", host.Read($"{dir}/berth/c1/cgroup.procs"));
    }

    [Fact]
    public void Entries_are_the_v1_tasks_files_and_the_hybrid_v2_directory_for_the_c_stage()
    {
        using var host = FakeCgroupHost.V1(["memory", "pids", "name=systemd"], hybrid: true);
        ICgroupManager m = CgroupManagerFactory.Create("/berth/c1", "c1", host.Fs);
        Assert.Equal(
        [
            new CgroupEntry(host.PathOf("memory/berth/c1/tasks"), IsV2: false, BestEffort: false),
            new CgroupEntry(host.PathOf("pids/berth/c1/tasks"), IsV2: false, BestEffort: false),
            new CgroupEntry(host.PathOf("systemd/berth/c1/tasks"), IsV2: false, BestEffort: true),
            new CgroupEntry(host.PathOf("unified/berth/c1"), IsV2: true, BestEffort: true),
        ], m.Entries.OrderBy(e => e.Path, StringComparer.Ordinal));
    }

    [Fact]
    public void Entries_on_v2_are_the_one_directory_to_be_cloned_into()
    {
        using var host = FakeCgroupHost.V2();
        ICgroupManager m = CgroupManagerFactory.Create("/c1", "c1", host.Fs);
        Assert.Equal([new CgroupEntry(host.PathOf("c1"), IsV2: true, BestEffort: false)], m.Entries);
    }

    [Fact]
    public void AddProcess_on_v2_writes_the_single_cgroup_procs()
    {
        using var host = FakeCgroupHost.V2();
        host.SeedV2("c1");
        ICgroupManager m = CgroupManagerFactory.Create("/c1", "c1", host.Fs);
        m.AddProcess(77);
        Assert.Equal("77", host.Read("c1/cgroup.procs"));
    }

    [Fact]
    public void Tracking_only_hierarchies_do_not_fail_the_join()
    {
        using var host = FakeCgroupHost.V1(["memory", "name=systemd"], hybrid: true);
        ICgroupManager m = CgroupManagerFactory.Create("/c1", "c1", host.Fs);
        m.Create();
        host.SeedV1("memory", "c1");
        Directory.Delete(host.PathOf("systemd/c1"));   // join there fails: ENOENT
        m.AddProcess(5);
        Assert.Equal("5", host.Read("memory/c1/cgroup.procs"));
    }

    [Fact]
    public void GetPids_reads_one_hierarchy_recursively()
    {
        using var host = FakeCgroupHost.V1();
        ICgroupManager m = CgroupManagerFactory.Create("/c1", "c1", host.Fs);
        m.Create();
        host.Write("pids/c1/cgroup.procs", "10\n11\n");
        host.Write("pids/c1/sub/cgroup.procs", "12\n");
        host.Write("memory/c1/cgroup.procs", "99\n"); // a different hierarchy is not consulted
        Assert.Equal([10, 11, 12], m.GetPids().Order());
    }

    [Fact]
    public void Remove_deletes_the_directories_everywhere_and_tolerates_missing_ones()
    {
        using var host = FakeCgroupHost.V1(hybrid: true);
        ICgroupManager m = CgroupManagerFactory.Create("/berth/c1", "c1", host.Fs);
        m.Create();
        foreach (string dir in V1Dirs) host.SeedV1(dir, "berth/c1");
        host.SeedV1("memory", "berth/c1/child");
        Directory.Delete(host.PathOf("pids/berth/c1"), recursive: true);
        m.Remove();
        foreach (string dir in V1Dirs.Append("unified"))
        {
            Assert.False(host.Exists($"{dir}/berth/c1"), dir);
            Assert.True(host.Exists($"{dir}/berth"), dir); // the parent is not ours to remove
        }
        m.Remove();
    }

    [Fact]
    public void Remove_on_v2()
    {
        using var host = FakeCgroupHost.V2();
        host.SeedV2("berth/c1");
        ICgroupManager m = CgroupManagerFactory.Create("/berth/c1", "c1", host.Fs);
        m.Remove();
        Assert.False(host.Exists("berth/c1"));
        Assert.True(host.Exists("berth"));
    }

    [Fact]
    public void Freeze_and_thaw_on_v1()
    {
        using var host = FakeCgroupHost.V1();
        ICgroupManager m = CgroupManagerFactory.Create("/c1", "c1", host.Fs);
        m.Create();
        host.SeedV1("freezer", "c1");
        m.Freeze(true);
        Assert.Equal("FROZEN", host.Read("freezer/c1/freezer.state"));
        host.Write("freezer/c1/freezer.self_freezing", "1\n");
        Assert.True(m.IsFrozen());
        m.Freeze(false);
        Assert.Equal("THAWED", host.Read("freezer/c1/freezer.state"));
        Assert.False(m.IsFrozen());
    }

    [Fact]
    public void Frozen_only_through_an_ancestor_is_not_frozen()
    {
        using var host = FakeCgroupHost.V1();
        ICgroupManager m = CgroupManagerFactory.Create("/c1", "c1", host.Fs);
        host.SeedV1("freezer", "c1");
        host.Write("freezer/c1/freezer.state", "FROZEN\n");
        Assert.False(m.IsFrozen());
    }

    [Fact]
    public void Freeze_and_thaw_on_v2_wait_for_cgroup_events()
    {
        using var host = FakeCgroupHost.V2();
        host.SeedV2("c1");
        ICgroupManager m = CgroupManagerFactory.Create("/c1", "c1", host.Fs);
        host.Write("c1/cgroup.events", "populated 1\nfrozen 1\n"); // what the kernel reports once frozen
        m.Freeze(true);
        Assert.Equal("1", host.Read("c1/cgroup.freeze"));
        Assert.True(m.IsFrozen());
        host.Write("c1/cgroup.events", "populated 1\nfrozen 0\n");
        m.Freeze(false);
        Assert.Equal("0", host.Read("c1/cgroup.freeze"));
        Assert.False(m.IsFrozen());
    }

    [Fact]
    public void Freeze_without_a_freezer_is_refused()
    {
        using var host = FakeCgroupHost.V1(["memory"]);
        ICgroupManager m = CgroupManagerFactory.Create("/c1", "c1", host.Fs);
        TestSupport.Fails(Berth.Core.ErrorKind.FailedPrecondition, () => m.Freeze(true));
    }
}
