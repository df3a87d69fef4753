using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.V2;

/// <summary>cpu.weight (converted from shares), cpu.max, cpu.max.burst, cpu.idle (runc fs2/cpu.go).</summary>
internal static class CpuV2
{
    private const ulong DefaultPeriod = 100000; // the kernel's default, documented in cgroup-v2.rst

    public static bool IsSet(LinuxCpu? c) =>
        c is not null && ((c.Shares ?? 0) != 0 || (c.Quota ?? 0) != 0 || (c.Period ?? 0) != 0 || (c.Burst ?? 0) != 0
                          || c.Idle is not null || (c.RealtimeRuntime ?? 0) != 0 || (c.RealtimePeriod ?? 0) != 0);

    public static void Apply(LinuxCpu c, CgroupDirectory dir)
    {
        if ((c.RealtimeRuntime ?? 0) != 0 || (c.RealtimePeriod ?? 0) != 0)
            throw new BerthException(ErrorKind.FailedPrecondition, "realtime cpu limits (cpu.realtimeRuntime/realtimePeriod) are not supported on cgroup v2");

        // 0 is the default for idle and burst: fine on kernels without the knob
        if (c.Idle is { } idle && (idle != 0 || dir.Has("cpu.idle"))) dir.Write("cpu.idle", idle);
        if (c.Shares is { } shares and not 0) dir.Write("cpu.weight", CgroupConversions.CpuSharesToWeight(shares));

        long quota = c.Quota ?? 0;
        ulong period = c.Period ?? 0;
        // A larger burst can be refused (EINVAL) until the new quota is in: then write it again after cpu.max.
        bool burstPending = false;
        if (c.Burst is { } burst && (burst != 0 || dir.Has("cpu.max.burst")))
        {
            try
            {
                dir.Write("cpu.max.burst", burst);
            }
            catch (CgroupIoException e) when (e.Errno == Errno.EINVAL && (quota != 0 || period != 0))
            {
                burstPending = true;
            }
        }
        if (quota != 0 || period != 0)
        {
            string max = (quota > 0 ? CgroupValues.Str(quota) : "max") + " " + CgroupValues.Str(period == 0 ? DefaultPeriod : period);
            dir.Write("cpu.max", max);
            if (burstPending) dir.Write("cpu.max.burst", c.Burst!.Value);
        }
    }

    public static void ReadStats(CgroupDirectory dir, CpuStats stats)
    {
        Dictionary<string, ulong> stat = dir.ReadKeyValues("cpu.stat");
        // v2 counts microseconds; runc's stats are nanoseconds
        stats.Usage.Total = stat.GetValueOrDefault("usage_usec") * 1000;
        stats.Usage.User = stat.GetValueOrDefault("user_usec") * 1000;
        stats.Usage.Kernel = stat.GetValueOrDefault("system_usec") * 1000;
        stats.Throttling.Periods = stat.GetValueOrDefault("nr_periods");
        stats.Throttling.ThrottledPeriods = stat.GetValueOrDefault("nr_throttled");
        stats.Throttling.ThrottledTime = stat.GetValueOrDefault("throttled_usec") * 1000;
    }
}
