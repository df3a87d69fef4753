using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.Tests;

public sealed class V1ResourceTests : IDisposable
{
    private readonly FakeCgroupHost _host;
    private readonly ICgroupManager _manager;

    public V1ResourceTests()
    {
        _host = FakeCgroupHost.V1(hybrid: true);
        _manager = CgroupManagerFactory.Create("/berth/c1", "c1", _host.Fs);
        _manager.Create();
        foreach (string h in (string[])["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb", "systemd"])
            _host.SeedV1(h, "berth/c1");
    }

    public void Dispose() => _host.Dispose();

    private string Read(string relative) => _host.Read(relative).TrimEnd('\n');

    [Fact]
    public void Memory_limits_go_to_their_v1_files()
    {
        _manager.Apply(new LinuxResources
        {
            Memory = new LinuxMemory { Limit = 1000, Reservation = 500, Swap = 2000, Swappiness = 10, DisableOOMKiller = true },
        });
        Assert.Equal("1000", Read("memory/berth/c1/memory.limit_in_bytes"));
        Assert.Equal("2000", Read("memory/berth/c1/memory.memsw.limit_in_bytes"));
        Assert.Equal("500", Read("memory/berth/c1/memory.soft_limit_in_bytes"));
        Assert.Equal("10", Read("memory/berth/c1/memory.swappiness"));
        Assert.Equal("1", Read("memory/berth/c1/memory.oom_control"));
    }

    [Fact]
    public void Shrinking_memory_writes_the_memory_limit_before_swap()
    {
        var log = TestSupport.RecordWrites();
        _manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 1000, Swap = 2000 } });
        Assert.Equal(["memory/berth/c1/memory.limit_in_bytes=1000", "memory/berth/c1/memory.memsw.limit_in_bytes=2000"], log.Relative(_host.Root));
    }

    [Fact]
    public void Growing_memory_writes_swap_before_the_memory_limit()
    {
        _host.Write("memory/berth/c1/memory.limit_in_bytes", "1000\n");
        var log = TestSupport.RecordWrites();
        _manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 3000, Swap = 4000 } });
        Assert.Equal(["memory/berth/c1/memory.memsw.limit_in_bytes=4000", "memory/berth/c1/memory.limit_in_bytes=3000"], log.Relative(_host.Root));
    }

    [Fact]
    public void Unlimited_memory_without_swap_unlimits_swap_too()
    {
        _manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = -1 } });
        Assert.Equal("-1", Read("memory/berth/c1/memory.limit_in_bytes"));
        Assert.Equal("-1", Read("memory/berth/c1/memory.memsw.limit_in_bytes"));
    }

    [Fact]
    public void Kernel_memory_is_ignored_as_runc_does()
    {
        var log = TestSupport.RecordWrites();
        _manager.Apply(new LinuxResources { Memory = new LinuxMemory { Kernel = 1 << 20, KernelTCP = 1 << 20 } });
        Assert.Empty(log);
    }

    [Fact]
    public void Swap_without_swap_accounting_is_refused()
    {
        using var host = FakeCgroupHost.V1(swapAccounting: false);
        ICgroupManager m = CgroupManagerFactory.Create("/c2", "c2", host.Fs);
        m.Create();
        host.SeedV1("memory", "c2");
        var e = TestSupport.Fails(ErrorKind.FailedPrecondition,
            () => m.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 1000, Swap = 2000 } }));
        Assert.StartsWith("swap limit not supported: kernel has no swap accounting", e.Message);
    }

    [Fact]
    public void A_failed_write_names_the_file_the_value_and_the_errno()
    {
        File.Delete(_host.PathOf("memory/berth/c1/memory.limit_in_bytes"));
        var e = TestSupport.Fails(ErrorKind.FailedPrecondition,
            () => _manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 1000 } }));
        Assert.Equal($"write {_host.PathOf("memory/berth/c1/memory.limit_in_bytes")} = 1000: no such file or directory", e.Message);
    }

    [Fact]
    public void Cpu_limits_go_to_their_v1_files_period_first()
    {
        var log = TestSupport.RecordWrites();
        _manager.Apply(new LinuxResources
        {
            Cpu = new LinuxCpu { Shares = 512, Quota = 50000, Period = 200000, Burst = 1000, Idle = 1, RealtimeRuntime = 950, RealtimePeriod = 1000 },
        });
        Assert.Equal(
        [
            "cpu/berth/c1/cpu.shares=512",
            "cpu/berth/c1/cpu.cfs_period_us=200000",
            "cpu/berth/c1/cpu.cfs_burst_us=1000",
            "cpu/berth/c1/cpu.cfs_quota_us=50000",
            "cpu/berth/c1/cpu.idle=1",
            "cpu/berth/c1/cpu.rt_period_us=1000",
            "cpu/berth/c1/cpu.rt_runtime_us=950",
        ], log.Relative(_host.Root));
    }

    [Fact]
    public void Cpuset_is_copied_from_the_parent_on_create_then_set()
    {
        using var host = FakeCgroupHost.V1(["cpuset"]);
        host.SeedV1("cpuset", "berth");
        host.SeedV1("cpuset", "berth/c1");
        ICgroupManager m = CgroupManagerFactory.Create("/berth/c1", "c1", host.Fs);
        m.Create();
        Assert.Equal("0-3", host.Read("cpuset/berth/cpuset.cpus"));
        Assert.Equal("0", host.Read("cpuset/berth/c1/cpuset.mems"));
        m.Apply(new LinuxResources { Cpu = new LinuxCpu { Cpus = "1-2", Mems = "0" } });
        Assert.Equal("1-2", host.Read("cpuset/berth/c1/cpuset.cpus"));
    }

    [Theory]
    [InlineData(100L, "100")]
    [InlineData(-1L, "max")]
    [InlineData(0L, "max")]
    public void Pids_limit(long limit, string expected)
    {
        _manager.Apply(new LinuxResources { Pids = new LinuxPids { Limit = limit } });
        Assert.Equal(expected, Read("pids/berth/c1/pids.max"));
    }

    [Fact]
    public void Blkio_weights_and_throttles()
    {
        var log = TestSupport.RecordWrites();
        _manager.Apply(new LinuxResources
        {
            BlockIO = new LinuxBlockIO
            {
                Weight = 300,
                LeafWeight = 200,
                WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, Weight = 400, LeafWeight = 100 }],
                ThrottleReadBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 1048576 }],
                ThrottleWriteBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 2097152 }],
                ThrottleReadIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 16, Rate = 100 }],
                ThrottleWriteIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 16, Rate = 200 }],
            },
        });
        Assert.Equal(
        [
            "blkio/berth/c1/blkio.weight=300",
            "blkio/berth/c1/blkio.leaf_weight=200",
            "blkio/berth/c1/blkio.weight_device=8:0 400",
            "blkio/berth/c1/blkio.leaf_weight_device=8:0 100",
            "blkio/berth/c1/blkio.throttle.read_bps_device=8:0 1048576",
            "blkio/berth/c1/blkio.throttle.write_bps_device=8:0 2097152",
            "blkio/berth/c1/blkio.throttle.read_iops_device=8:16 100",
            "blkio/berth/c1/blkio.throttle.write_iops_device=8:16 200",
        ], log.Relative(_host.Root));
    }

    [Fact]
    public void Blkio_weight_uses_bfq_files_when_cfq_is_absent()
    {
        // this host's layout: blkio.bfq.weight, no blkio.weight, no leaf weights
        File.Delete(_host.PathOf("blkio/berth/c1/blkio.weight"));
        File.Delete(_host.PathOf("blkio/berth/c1/blkio.leaf_weight"));
        _host.Write("blkio/berth/c1/blkio.bfq.weight", "100\n");
        _manager.Apply(new LinuxResources { BlockIO = new LinuxBlockIO { Weight = 300 } });
        Assert.Equal("300", Read("blkio/berth/c1/blkio.bfq.weight"));
        TestSupport.Fails(ErrorKind.FailedPrecondition, () => _manager.Apply(new LinuxResources { BlockIO = new LinuxBlockIO { LeafWeight = 300 } }));
    }

    [Fact]
    public void Hugetlb_limit_and_reserved_limit()
    {
        _manager.Apply(new LinuxResources { HugepageLimits = [new LinuxHugepageLimit { Pagesize = "2MB", Limit = 4194304 }] });
        Assert.Equal("4194304", Read("hugetlb/berth/c1/hugetlb.2MB.limit_in_bytes"));
        Assert.Equal("4194304", Read("hugetlb/berth/c1/hugetlb.2MB.rsvd.limit_in_bytes"));
    }

    [Fact]
    public void Hugetlb_unknown_or_malformed_sizes_are_refused()
    {
        TestSupport.Fails(ErrorKind.FailedPrecondition,
            () => _manager.Apply(new LinuxResources { HugepageLimits = [new LinuxHugepageLimit { Pagesize = "64KB", Limit = 1 }] }));
        TestSupport.Fails(ErrorKind.InvalidArgument,
            () => _manager.Apply(new LinuxResources { HugepageLimits = [new LinuxHugepageLimit { Pagesize = "../2MB", Limit = 1 }] }));
    }

    [Fact]
    public void Devices_deny_all_then_replay_the_rules_in_order()
    {
        var log = TestSupport.RecordWrites();
        _manager.Apply(new LinuxResources
        {
            Devices =
            [
                new LinuxDeviceCgroup { Allow = false, Access = "rwm" },
                new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
                new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 136, Access = "rw" },
                new LinuxDeviceCgroup { Allow = true, Type = "b", Major = -1, Minor = -1, Access = "m" },
                new LinuxDeviceCgroup { Allow = false, Type = "c", Major = 10, Minor = 200, Access = "w" },
            ],
        });
        Assert.Equal(
        [
            "devices/berth/c1/devices.deny=a",
            "devices/berth/c1/devices.deny=a *:* rwm",
            "devices/berth/c1/devices.allow=c 1:3 rwm",
            "devices/berth/c1/devices.allow=c 136:* rw",
            "devices/berth/c1/devices.allow=b *:* m",
            "devices/berth/c1/devices.deny=c 10:200 w",
        ], log.Relative(_host.Root));
    }

    [Theory]
    [InlineData("p", "rwm")]
    [InlineData("c", "")]
    [InlineData("c", "rx")]
    [InlineData("c", "rr")]
    public void Invalid_device_rules_are_refused_before_any_write(string type, string access)
    {
        var log = TestSupport.RecordWrites();
        TestSupport.Fails(ErrorKind.InvalidArgument, () => _manager.Apply(new LinuxResources
        {
            Devices = [new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" }, new LinuxDeviceCgroup { Allow = true, Type = type, Access = access }],
        }));
        Assert.Empty(log);
    }

    [Fact]
    public void Unified_resources_are_refused_on_v1()
    {
        TestSupport.Fails(ErrorKind.FailedPrecondition,
            () => _manager.Apply(new LinuxResources { Unified = new() { ["memory.high"] = "1000" } }));
    }

    [Fact]
    public void A_limit_for_an_unmounted_controller_is_refused_before_any_write()
    {
        using var host = FakeCgroupHost.V1(["memory", "cpu"], hybrid: true);
        ICgroupManager m = CgroupManagerFactory.Create("/c3", "c3", host.Fs);
        m.Create();
        host.SeedV1("memory", "c3");
        var log = TestSupport.RecordWrites();
        var e = TestSupport.Fails(ErrorKind.FailedPrecondition, () => m.Apply(new LinuxResources
        {
            Memory = new LinuxMemory { Limit = 1000 },
            HugepageLimits = [new LinuxHugepageLimit { Pagesize = "2MB", Limit = 2097152 }],
        }));
        Assert.Contains("\"hugetlb\" controller is not mounted", e.Message);
        Assert.Empty(log);
    }

    [Fact]
    public void Null_resources_write_nothing()
    {
        var log = TestSupport.RecordWrites();
        _manager.Apply(null);
        _manager.Apply(new LinuxResources());
        Assert.Empty(log);
    }
}
