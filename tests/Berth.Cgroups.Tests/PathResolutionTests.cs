using Berth.Core;

namespace Berth.Cgroups.Tests;

public sealed class PathResolutionTests
{
    [Fact]
    public void Absolute_path_hangs_from_each_hierarchy_root()
    {
        using var host = FakeCgroupHost.V1(hybrid: true, ownPath: "/process_api/abc");
        ICgroupManager m = CgroupManagerFactory.Create("/berth/c1", "c1", host.Fs);
        Assert.Equal("/berth/c1", m.Path);
        Assert.Equal(host.PathOf("memory/berth/c1"), m.Paths["memory"]);
        Assert.Equal(host.PathOf("pids/berth/c1"), m.Paths["pids"]);
        Assert.Equal(host.PathOf("systemd/berth/c1"), m.Paths["name=systemd"]);
        Assert.Equal(host.PathOf("unified/berth/c1"), m.Paths["unified"]);
    }

    [Fact]
    public void Relative_path_hangs_from_our_own_cgroup_in_each_hierarchy()
    {
        using var host = FakeCgroupHost.V1(ownPath: "/process_api/abc");
        ICgroupManager m = CgroupManagerFactory.Create("berth/c1", "c1", host.Fs);
        Assert.Equal("berth/c1", m.Path);
        Assert.Equal(host.PathOf("memory/process_api/abc/berth/c1"), m.Paths["memory"]);
        Assert.Equal(host.PathOf("cpu/process_api/abc/berth/c1"), m.Paths["cpu"]);
    }

    [Fact]
    public void Empty_path_is_the_container_id_below_our_own_cgroup_as_runc()
    {
        using var host = FakeCgroupHost.V1(ownPath: "/user.slice");
        ICgroupManager m = CgroupManagerFactory.Create("", "c1", host.Fs);
        Assert.Equal("c1", m.Path);
        Assert.Equal(host.PathOf("memory/user.slice/c1"), m.Paths["memory"]);
    }

    [Fact]
    public void Co_mounted_controllers_share_one_directory()
    {
        using var host = FakeCgroupHost.V1(["cpu,cpuacct", "memory"]);
        ICgroupManager m = CgroupManagerFactory.Create("/x", "x", host.Fs);
        Assert.Equal(host.PathOf("cpu,cpuacct/x"), m.Paths["cpu"]);
        Assert.Equal(m.Paths["cpu"], m.Paths["cpuacct"]);
    }

    [Fact]
    public void Nested_mount_root_is_stripped_from_our_own_cgroup()
    {
        using var host = FakeCgroupHost.V1(["memory"], ownPath: "/docker/outer/inner");
        // the mount shows only the subtree /docker/outer, as inside a container without a cgroup namespace
        File.WriteAllText(host.MountInfo,
            $"35 31 0:32 /docker/outer {host.PathOf("memory")} rw,relatime - cgroup cgroup rw,memory\n");
        ICgroupManager m = CgroupManagerFactory.Create("c1", "c1", host.Fs);
        Assert.Equal(host.PathOf("memory/inner/c1"), m.Paths["memory"]);
    }

    [Fact]
    public void V2_absolute_path_hangs_from_the_root()
    {
        using var host = FakeCgroupHost.V2();
        ICgroupManager m = CgroupManagerFactory.Create("/berth/c1", "c1", host.Fs);
        Assert.Equal(host.PathOf("berth/c1"), m.Paths["unified"]);
    }

    [Fact]
    public void V2_relative_path_hangs_from_the_parent_of_our_own_cgroup_as_runc()
    {
        using var host = FakeCgroupHost.V2(ownPath: "/user.slice/session-1.scope");
        ICgroupManager m = CgroupManagerFactory.Create("berth/c1", "c1", host.Fs);
        Assert.Equal(host.PathOf("user.slice/berth/c1"), m.Paths["unified"]);
    }

    [Theory]
    [InlineData("/a/../b", "/b")]
    [InlineData("a/./b//c/", "a/b/c")]
    [InlineData("//berth///c1", "/berth/c1")]
    public void Paths_are_cleaned(string given, string cleaned)
    {
        using var host = FakeCgroupHost.V1();
        Assert.Equal(cleaned, CgroupManagerFactory.Create(given, "c1", host.Fs).Path);
    }

    [Theory]
    [InlineData("/../etc")]
    [InlineData("/a/../../etc")]
    [InlineData("../sibling")]
    [InlineData("a/../..")]
    public void Paths_that_climb_out_of_the_hierarchy_are_refused(string given)
    {
        using var host = FakeCgroupHost.V1();
        var e = TestSupport.Fails(ErrorKind.InvalidArgument, () => CgroupManagerFactory.Create(given, "c1", host.Fs));
        Assert.Contains("escapes", e.Message);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/a/..")]
    [InlineData(".")]
    public void The_hierarchy_root_itself_is_refused(string given)
    {
        using var host = FakeCgroupHost.V1();
        TestSupport.Fails(ErrorKind.InvalidArgument, () => CgroupManagerFactory.Create(given, "c1", host.Fs));
    }

    [Fact]
    public void Systemd_slice_paths_are_refused_clearly()
    {
        using var host = FakeCgroupHost.V1();
        var e = TestSupport.Fails(ErrorKind.InvalidArgument, () => CgroupManagerFactory.Create("system.slice:docker:abc", "abc", host.Fs));
        Assert.StartsWith("systemd cgroup driver is not supported", e.Message);
    }
}
