using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.Tests;

public sealed class V2ResourceTests : IDisposable
{
    private readonly FakeCgroupHost _host;
    private readonly ICgroupManager _manager;

    public V2ResourceTests()
    {
        _host = FakeCgroupHost.V2();
        _host.SeedV2("berth");
        _host.SeedV2("berth/c1");
        _manager = CgroupManagerFactory.Create("/berth/c1", "c1", _host.Fs);
        _manager.Create();
    }

    public void Dispose() => _host.Dispose();

    private string Read(string file) => _host.Read("berth/c1/" + file).TrimEnd('\n');

    [Fact]
    public void Create_enables_every_available_controller_in_each_ancestor()
    {
        const string all = "+cpuset +cpu +io +memory +hugetlb +pids +rdma";
        Assert.Equal(all, _host.Read("cgroup.subtree_control"));
        Assert.Equal(all, _host.Read("berth/cgroup.subtree_control"));
        Assert.Equal("", _host.Read("berth/c1/cgroup.subtree_control")); // the leaf holds processes
    }

    [Fact]
    public void Memory_swap_is_written_as_swap_alone()
    {
        var log = TestSupport.RecordWrites();
        _manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 1000, Swap = 3000, Reservation = 500 } });
        Assert.Equal(["berth/c1/memory.swap.max=2000", "berth/c1/memory.max=1000", "berth/c1/memory.low=500"], log.Relative(_host.Root));
    }

    [Theory]
    [InlineData(1000L, 1000L, "0", "1000")]   // swap == memory: no swap at all
    [InlineData(-1L, 0L, "max", "max")]       // unlimited memory, swap unset: both unlimited
    [InlineData(1000L, -1L, "max", "1000")]
    public void Memory_swap_conversions(long limit, long swap, string swapMax, string memoryMax)
    {
        _manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = limit, Swap = swap } });
        Assert.Equal(swapMax, Read("memory.swap.max"));
        Assert.Equal(memoryMax, Read("memory.max"));
    }

    [Fact]
    public void Swap_without_swap_accounting_is_refused_unless_it_asks_for_none_or_unlimited()
    {
        File.Delete(_host.PathOf("berth/c1/memory.swap.max"));
        _manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 1000, Swap = 1000 } });
        Assert.Equal("1000", Read("memory.max"));
        var e = TestSupport.Fails(ErrorKind.FailedPrecondition,
            () => _manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 1000, Swap = 3000 } }));
        Assert.StartsWith("swap limit not supported", e.Message);
    }

    [Fact]
    public void Memory_knobs_v2_lacks_are_refused()
    {
        TestSupport.Fails(ErrorKind.FailedPrecondition, () => _manager.Apply(new LinuxResources { Memory = new LinuxMemory { Swappiness = 10 } }));
        TestSupport.Fails(ErrorKind.FailedPrecondition, () => _manager.Apply(new LinuxResources { Memory = new LinuxMemory { DisableOOMKiller = true } }));
    }

    [Theory]
    [InlineData(1024ul, "100")]
    [InlineData(2ul, "1")]
    [InlineData(262144ul, "10000")]
    [InlineData(512ul, "59")]
    public void Cpu_shares_become_cpu_weight(ulong shares, string weight)
    {
        _manager.Apply(new LinuxResources { Cpu = new LinuxCpu { Shares = shares } });
        Assert.Equal(weight, Read("cpu.weight"));
    }

    [Theory]
    [InlineData(-1L, 0ul, "max 100000")]
    [InlineData(50000L, 0ul, "50000 100000")]
    [InlineData(50000L, 200000ul, "50000 200000")]
    [InlineData(0L, 200000ul, "max 200000")]
    public void Cpu_quota_and_period_become_cpu_max(long quota, ulong period, string expected)
    {
        _manager.Apply(new LinuxResources { Cpu = new LinuxCpu { Quota = quota, Period = period } });
        Assert.Equal(expected, Read("cpu.max"));
    }

    [Fact]
    public void Cpu_burst_idle_and_cpuset()
    {
        _manager.Apply(new LinuxResources { Cpu = new LinuxCpu { Burst = 5000, Idle = 1, Cpus = "0-1", Mems = "0" } });
        Assert.Equal("5000", Read("cpu.max.burst"));
        Assert.Equal("1", Read("cpu.idle"));
        Assert.Equal("0-1", Read("cpuset.cpus"));
        Assert.Equal("0", Read("cpuset.mems"));
    }

    [Fact]
    public void Realtime_cpu_is_refused() =>
        TestSupport.Fails(ErrorKind.FailedPrecondition,
            () => _manager.Apply(new LinuxResources { Cpu = new LinuxCpu { RealtimeRuntime = 950, RealtimePeriod = 1000 } }));

    [Theory]
    [InlineData(-1L, "max")]
    [InlineData(0L, "max")]
    [InlineData(64L, "64")]
    public void Pids_limit(long limit, string expected)
    {
        _manager.Apply(new LinuxResources { Pids = new LinuxPids { Limit = limit } });
        Assert.Equal(expected, Read("pids.max"));
    }

    [Fact]
    public void Blkio_weight_is_converted_for_io_weight_and_throttles_go_to_io_max()
    {
        var log = TestSupport.RecordWrites();
        _manager.Apply(new LinuxResources
        {
            BlockIO = new LinuxBlockIO
            {
                Weight = 500,
                WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, Weight = 1000 }],
                ThrottleReadBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 1048576 }],
                ThrottleWriteBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 2097152 }],
                ThrottleReadIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 100 }],
                ThrottleWriteIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 200 }],
            },
        });
        Assert.Equal(
        [
            "berth/c1/io.weight=4950",
            "berth/c1/io.weight=8:0 10000",
            "berth/c1/io.max=8:0 rbps=1048576",
            "berth/c1/io.max=8:0 wbps=2097152",
            "berth/c1/io.max=8:0 riops=100",
            "berth/c1/io.max=8:0 wiops=200",
        ], log.Relative(_host.Root));
    }

    [Fact]
    public void Blkio_weight_goes_to_bfq_unconverted_when_bfq_is_there()
    {
        _host.Write("berth/c1/io.bfq.weight", "default 100\n");
        _manager.Apply(new LinuxResources { BlockIO = new LinuxBlockIO { Weight = 500 } });
        Assert.Equal("500", Read("io.bfq.weight"));
    }

    [Fact]
    public void Hugetlb_max()
    {
        _manager.Apply(new LinuxResources { HugepageLimits = [new LinuxHugepageLimit { Pagesize = "1GB", Limit = 1073741824 }] });
        Assert.Equal("1073741824", Read("hugetlb.1GB.max"));
    }

    [Fact]
    public void Rdma_max()
    {
        _manager.Apply(new LinuxResources { Rdma = new() { ["mlx5_0"] = new LinuxRdma { HcaHandles = 3, HcaObjects = 100 } } });
        Assert.Equal("mlx5_0 hca_handle=3 hca_object=100", Read("rdma.max"));
    }

    [Fact]
    public void Unified_values_are_written_verbatim_one_line_per_write()
    {
        _host.Write("berth/c1/memory.high", "max\n");
        var log = TestSupport.RecordWrites();
        _manager.Apply(new LinuxResources { Unified = new() { ["memory.high"] = "5000", ["io.max"] = "8:0 rbps=1\n8:16 wbps=2" } });
        Assert.Equal("5000", Read("memory.high"));
        Assert.Contains(log, w => w.File.EndsWith("/io.max", StringComparison.Ordinal) && w.Value == "8:0 rbps=1\n8:16 wbps=2");
        Assert.Equal("8:0 rbps=1\n8:16 wbps=2", Read("io.max"));
    }

    [Theory]
    [InlineData("../memory.max")]
    [InlineData("sub/memory.max")]
    [InlineData("..")]
    [InlineData("")]
    public void Unified_keys_must_be_plain_file_names(string key) =>
        TestSupport.Fails(ErrorKind.InvalidArgument, () => _manager.Apply(new LinuxResources { Unified = new() { [key] = "1" } }));

    [Fact]
    public void Unified_key_for_a_missing_controller_is_refused() =>
        TestSupport.Fails(ErrorKind.FailedPrecondition, () => _manager.Apply(new LinuxResources { Unified = new() { ["misc.max"] = "1" } }));

    [Fact]
    public void Device_rules_become_a_program_attached_to_the_container_cgroup()
    {
        List<LinuxDeviceCgroup> rules =
        [
            new() { Allow = false, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
        ];
        _manager.Apply(new LinuxResources { Devices = rules });
        var (dir, program) = Assert.Single(_host.DevicePrograms.Replaced);
        Assert.Equal(_host.PathOf("berth/c1"), dir);
        Assert.Equal(Berth.Cgroups.V2.Devices.DeviceProgram.Compile(rules), program);
    }

    [Fact]
    public void An_invalid_device_rule_is_refused_before_any_write()
    {
        var log = TestSupport.RecordWrites();
        TestSupport.Fails(ErrorKind.InvalidArgument, () => _manager.Apply(new LinuxResources
        {
            Pids = new LinuxPids { Limit = 10 },
            Devices = [new LinuxDeviceCgroup { Allow = true, Type = "x", Access = "rwm" }],
        }));
        Assert.Empty(log);
        Assert.Empty(_host.DevicePrograms.Replaced);
    }

    [Fact]
    public void A_limit_for_a_controller_not_enabled_here_is_refused_before_any_write()
    {
        using var host = FakeCgroupHost.V2(controllers: "cpu pids");
        host.SeedV2("c2");
        ICgroupManager m = CgroupManagerFactory.Create("/c2", "c2", host.Fs);
        var log = TestSupport.RecordWrites();
        var e = TestSupport.Fails(ErrorKind.FailedPrecondition, () => m.Apply(new LinuxResources
        {
            Pids = new LinuxPids { Limit = 10 },
            Memory = new LinuxMemory { Limit = 1000 },
        }));
        Assert.Contains("\"memory\" controller is not enabled", e.Message);
        Assert.Empty(log);
    }
}
