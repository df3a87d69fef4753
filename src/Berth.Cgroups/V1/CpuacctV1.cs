using System.Globalization;

namespace Berth.Cgroups.V1;

/// <summary>cpuacct usage totals, read only (runc fs/cpuacct.go).</summary>
internal static class CpuacctV1
{
    private const ulong NanosPerTick = 1_000_000_000 / 100; // cpuacct.stat counts USER_HZ ticks, 100 on Linux

    public static void ReadStats(CgroupDirectory dir, CpuUsage usage)
    {
        usage.Total = dir.TryReadUInt("cpuacct.usage") ?? 0;
        Dictionary<string, ulong> stat = dir.ReadKeyValues("cpuacct.stat");
        usage.User = stat.GetValueOrDefault("user") * NanosPerTick;
        usage.Kernel = stat.GetValueOrDefault("system") * NanosPerTick;
        if (dir.TryRead("cpuacct.usage_percpu") is { } perCpu)
        {
            usage.PerCpu = perCpu.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
                .Select(v => ulong.Parse(v, CultureInfo.InvariantCulture)).ToList();
        }
        ReadPerCpuModes(dir, usage);
    }

    // "cpu user system" header, then one line per cpu, in nanoseconds
    private static void ReadPerCpuModes(CgroupDirectory dir, CpuUsage usage)
    {
        if (dir.TryRead("cpuacct.usage_all") is not { } all) return;
        var user = new List<ulong>();
        var kernel = new List<ulong>();
        foreach (string line in all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 3) continue;
            user.Add(ulong.Parse(f[1], CultureInfo.InvariantCulture));
            kernel.Add(ulong.Parse(f[2], CultureInfo.InvariantCulture));
        }
        usage.PerCpuUser = user;
        usage.PerCpuKernel = kernel;
    }
}
