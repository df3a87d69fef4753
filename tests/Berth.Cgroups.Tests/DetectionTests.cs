using Berth.Core;

namespace Berth.Cgroups.Tests;

public sealed class DetectionTests
{
    [Fact]
    public void V1_only_hierarchies_are_legacy()
    {
        using var host = FakeCgroupHost.V1();
        Assert.Equal(CgroupMode.V1Legacy, host.Fs.DetectMode());
    }

    [Fact]
    public void V1_plus_cgroup2_at_unified_is_hybrid()
    {
        using var host = FakeCgroupHost.V1(hybrid: true);
        Assert.Equal(CgroupMode.Hybrid, host.Fs.DetectMode());
    }

    [Fact]
    public void Cgroup2_at_the_root_is_unified()
    {
        using var host = FakeCgroupHost.V2();
        Assert.Equal(CgroupMode.Unified, host.Fs.DetectMode());
    }

    [Fact]
    public void No_cgroup_mount_is_a_precondition_failure()
    {
        using var host = FakeCgroupHost.V2();
        File.WriteAllText(host.MountInfo, "26 23 0:5 / /dev rw,nosuid - devtmpfs udev rw\n");
        TestSupport.Fails(ErrorKind.FailedPrecondition, () => host.Fs.DetectMode());
    }

    [Fact]
    public void This_hosts_mountinfo_reads_as_hybrid()
    {
        // captured from the build machine: separate v1 mounts, systemd named hierarchy, cgroup2 at unified
        string[] lines =
        [
            "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
            "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
            "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
            "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
            "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
            "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
        ];
        List<CgroupMount> mounts = MountInfo.ParseCgroupMounts(lines);
        Assert.Equal(5, mounts.Count);
        Assert.Equal(CgroupMode.Hybrid, CgroupDetector.Detect(mounts, "/sys/fs/cgroup"));
    }

    [Fact]
    public void Mountinfo_optional_fields_and_octal_escapes_are_handled()
    {
        List<CgroupMount> mounts = MountInfo.ParseCgroupMounts(
            ["36 35 98:0 /a\\040b /mnt/my\\040cg rw,noatime master:1 shared:2 - cgroup cgroup rw,cpu,cpuacct"]);
        CgroupMount m = Assert.Single(mounts);
        Assert.Equal("/mnt/my cg", m.MountPoint);
        Assert.Equal("/a b", m.Root);
        Assert.Equal(["rw", "cpu", "cpuacct"], m.SuperOptions);
    }
}
