using System.Text.Json;

namespace Berth.Cgroups.Tests;

public sealed class StatsTests
{
    [Fact]
    public void V1_stats_come_from_each_controller()
    {
        using var host = FakeCgroupHost.V1();
        ICgroupManager m = CgroupManagerFactory.Create("/c1", "c1", host.Fs);
        m.Create();
        foreach (string dir in (string[])["cpu", "cpuacct", "memory", "pids", "blkio", "hugetlb"]) host.SeedV1(dir, "c1");
        host.Write("pids/c1/pids.max", "64\n");

        CgroupStats s = m.GetStats();

        Assert.Equal(123456789ul, s.Cpu.Usage.Total);
        Assert.Equal(120_000_000ul, s.Cpu.Usage.User);    // 12 ticks of 10 ms
        Assert.Equal(30_000_000ul, s.Cpu.Usage.Kernel);
        Assert.Equal([100ul, 200ul], s.Cpu.Usage.PerCpu);
        Assert.Equal([70ul, 150ul], s.Cpu.Usage.PerCpuUser);
        Assert.Equal(2ul, s.Cpu.Throttling.ThrottledPeriods);
        Assert.Equal(3000ul, s.Cpu.Throttling.ThrottledTime);
        Assert.Equal(1000ul, s.Memory.Usage.Usage);
        Assert.Equal(2000ul, s.Memory.Usage.Max);
        Assert.Equal(9223372036854771712ul, s.Memory.Usage.Limit);
        Assert.Equal(1500ul, s.Memory.Swap.Usage);
        Assert.Equal(4096ul, s.Memory.Cache);
        Assert.Equal(8192ul, s.Memory.Raw!["rss"]);
        Assert.Equal(3ul, s.Pids.Current);
        Assert.Equal(64ul, s.Pids.Limit);
        // per-device lines, including "8:0 Total", as runc keeps them; the closing "Total N" is dropped
        Assert.Equal(["Read", "Write", "Total"], s.Blkio.IoServiceBytesRecursive!.Select(e => e.Op));
        Assert.Equal(8192ul, s.Blkio.IoServiceBytesRecursive!.Single(e => e.Op == "Write").Value);
        Assert.Equal(["1GB", "2MB"], s.Hugetlb.Keys.Order());
    }

    [Fact]
    public void V2_stats_are_converted_to_the_v1_shapes()
    {
        using var host = FakeCgroupHost.V2();
        host.SeedV2("c1");
        host.Write("c1/memory.max", "1000000\n");
        host.Write("c1/memory.swap.max", "500000\n");
        ICgroupManager m = CgroupManagerFactory.Create("/c1", "c1", host.Fs);

        CgroupStats s = m.GetStats();

        Assert.Equal(1_000_000ul, s.Cpu.Usage.Total);  // usec → nsec
        Assert.Equal(600_000ul, s.Cpu.Usage.User);
        Assert.Equal(7000ul, s.Cpu.Throttling.ThrottledTime);
        Assert.Equal(1000ul, s.Memory.Usage.Usage);
        Assert.Equal(4ul, s.Memory.Usage.Failcnt);
        Assert.Equal(4096ul, s.Memory.Cache);
        Assert.Equal(1500ul, s.Memory.Swap.Usage);       // memory + swap, as v1 counts it
        Assert.Equal(1_500_000ul, s.Memory.Swap.Limit);
        Assert.Equal(0ul, s.Pids.Limit);                 // "max"
        Assert.Equal(2ul, s.Pids.Current);
        Assert.Equal(4096ul, s.Blkio.IoServiceBytesRecursive!.Single(e => e.Op == "Read").Value);
        Assert.Equal(2ul, s.Blkio.IoServicedRecursive!.Single(e => e.Op == "Write").Value);
        Assert.Equal(["1GB", "2MB"], s.Hugetlb.Keys.Order());
    }

    [Fact]
    public void Stats_serialize_with_runcs_names()
    {
        var stats = new CgroupStats();
        stats.Cpu.Usage.Total = 5;
        stats.Cpu.Usage.PerCpuKernel = [1, 2];
        stats.Memory.Usage.Limit = 10;
        stats.Pids.Current = 3;
        stats.Blkio.IoServiceBytesRecursive = [new BlkioEntry { Major = 8, Op = "Read", Value = 1 }];
        stats.Hugetlb["2MB"] = new HugetlbStats { Usage = 4 };

        string json = JsonSerializer.Serialize(stats, CgroupJsonContext.Default.CgroupStats);

        Assert.Equal((
            "{'cpu':{'usage':{'total':5,'percpu_kernel':[1,2],'kernel':0,'user':0},'throttling':{}}," +
            "'memory':{'usage':{'limit':10,'failcnt':0},'swap':{'limit':0,'failcnt':0},'kernel':{'limit':0,'failcnt':0},'kernelTCP':{'limit':0,'failcnt':0}}," +
            "'pids':{'current':3},'blkio':{'ioServiceBytesRecursive':[{'major':8,'op':'Read','value':1}]},'hugetlb':{'2MB':{'usage':4,'failcnt':0}}}"
            ).Replace('\'', '"'),
            json);
    }
}
