using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.V1;

/// <summary>cpu.shares, CFS bandwidth (period/quota/burst), cpu.idle and RT bandwidth (runc fs/cpu.go).</summary>
internal static class CpuV1
{
    public static bool IsSet(LinuxCpu? c) =>
        c is not null && ((c.Shares ?? 0) != 0 || (c.Quota ?? 0) != 0 || (c.Period ?? 0) != 0 || (c.Burst ?? 0) != 0
                          || c.Idle is not null || (c.RealtimeRuntime ?? 0) != 0 || (c.RealtimePeriod ?? 0) != 0);

    public static void Apply(LinuxCpu c, CgroupDirectory dir)
    {
        if (c.Shares is { } shares and not 0)
        {
            dir.Write("cpu.shares", shares);
            // the kernel clamps silently to [2, 262144]; read back so the caller learns about it
            ulong actual = dir.TryReadUInt("cpu.shares") ?? shares;
            if (shares > actual) throw new BerthException(ErrorKind.InvalidArgument, $"the maximum allowed cpu-shares is {actual}");
            if (shares < actual) throw new BerthException(ErrorKind.InvalidArgument, $"the minimum allowed cpu-shares is {actual}");
        }

        long quota = c.Quota ?? 0;
        // Period and burst are checked against the current quota, so a change can be refused (EINVAL) until the
        // new quota is in: write them first, and if refused, again after the quota.
        bool periodPending = c.Period is { } period and not 0 && !TryWriteFirst(dir, "cpu.cfs_period_us", period, retryLater: quota != 0);
        bool burstPending = false;
        if (c.Burst is { } burst)
        {
            if (!dir.Has("cpu.cfs_burst_us"))
            {
                if (burst != 0)
                    throw new BerthException(ErrorKind.FailedPrecondition, $"cpu burst not supported: {dir.FilePath("cpu.cfs_burst_us")} is missing (kernel < 5.14)");
            }
            else
            {
                burstPending = !TryWriteFirst(dir, "cpu.cfs_burst_us", burst, retryLater: quota != 0);
            }
        }
        if (quota != 0)
        {
            dir.Write("cpu.cfs_quota_us", quota);
            if (periodPending) dir.Write("cpu.cfs_period_us", c.Period!.Value);
            if (burstPending) dir.Write("cpu.cfs_burst_us", c.Burst!.Value);
        }

        if (c.Idle is { } idle && (idle != 0 || dir.Has("cpu.idle"))) // 0 is the default: fine without the knob
        {
            RequireFile(dir, "cpu.idle", "cpu idle (kernel < 5.15)");
            dir.Write("cpu.idle", idle);
        }
        ApplyRealtime(c, dir);
    }

    /// <summary>False when the kernel refused the value for now (EINVAL) and it will be written again later.</summary>
    private static bool TryWriteFirst(CgroupDirectory dir, string file, ulong value, bool retryLater)
    {
        try
        {
            dir.Write(file, value);
            return true;
        }
        catch (CgroupIoException e) when (e.Errno == Errno.EINVAL && retryLater)
        {
            return false;
        }
    }

    /// <summary>rt_period and rt_runtime constrain each other the same way: period first, retried after runtime.</summary>
    public static void ApplyRealtime(LinuxCpu c, CgroupDirectory dir)
    {
        long runtime = c.RealtimeRuntime ?? 0;
        ulong period = c.RealtimePeriod ?? 0;
        if (runtime == 0 && period == 0) return;
        RequireFile(dir, "cpu.rt_runtime_us", "realtime cpu limits (kernel without CONFIG_RT_GROUP_SCHED)");
        bool periodPending = period != 0 && !TryWriteFirst(dir, "cpu.rt_period_us", period, retryLater: runtime != 0);
        if (runtime != 0)
        {
            dir.Write("cpu.rt_runtime_us", runtime);
            if (periodPending) dir.Write("cpu.rt_period_us", period);
        }
    }

    private static void RequireFile(CgroupDirectory dir, string file, string what)
    {
        if (!dir.Has(file))
            throw new BerthException(ErrorKind.FailedPrecondition, $"{what} not supported: {dir.FilePath(file)} is missing");
    }

    public static void ReadStats(CgroupDirectory dir, CpuThrottling throttling)
    {
        Dictionary<string, ulong> stat = dir.ReadKeyValues("cpu.stat");
        throttling.Periods = stat.GetValueOrDefault("nr_periods");
        throttling.ThrottledPeriods = stat.GetValueOrDefault("nr_throttled");
        throttling.ThrottledTime = stat.GetValueOrDefault("throttled_time"); // already nanoseconds on v1
    }
}
