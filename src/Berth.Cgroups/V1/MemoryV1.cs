using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.V1;

/// <summary>memory.limit_in_bytes, memory.memsw.limit_in_bytes, soft limit, swappiness, OOM killer (runc fs/memory.go).</summary>
internal static class MemoryV1
{
    private const string Limit = "memory.limit_in_bytes";
    private const string SwapLimit = "memory.memsw.limit_in_bytes";

    public static bool IsSet(LinuxMemory? m) =>
        m is not null && ((m.Limit ?? 0) != 0 || (m.Reservation ?? 0) != 0 || (m.Swap ?? 0) != 0
                          || m.DisableOOMKiller == true || SwappinessRequested(m));

    // The spec's -1 ("keep the kernel default") arrives as ulong.MaxValue.
    private static bool SwappinessRequested(LinuxMemory m) => m.Swappiness is { } s && s != ulong.MaxValue;

    public static void Apply(LinuxMemory m, CgroupDirectory dir)
    {
        // Kernel and KernelTCP are ignored, as runc has done since 1.1: kmem limits are deprecated and gone from v2.
        long limit = m.Limit ?? 0, swap = m.Swap ?? 0;
        bool hasSwapAccounting = dir.Has(SwapLimit);
        if (limit == -1 && swap == 0 && hasSwapAccounting)
            swap = -1; // "unlimited memory" with swap unset means unlimited memory+swap too
        if (!hasSwapAccounting && swap > 0)
            throw new BerthException(ErrorKind.FailedPrecondition,
                $"swap limit not supported: kernel has no swap accounting ({dir.FilePath(SwapLimit)} is missing; boot with swapaccount=1)");
        if (!hasSwapAccounting) swap = 0; // -1 asks for no limit, which is what we have

        // memory.limit_in_bytes may never exceed memsw: raise swap first when growing, lower memory first when shrinking.
        if (limit != 0 && swap != 0 && (swap == -1 || dir.TryReadUInt(Limit) is { } current && current < (ulong)swap))
        {
            dir.Write(SwapLimit, swap);
            SetMemory(dir, limit);
        }
        else
        {
            if (limit != 0) SetMemory(dir, limit);
            if (swap != 0) dir.Write(SwapLimit, swap);
        }

        if ((m.Reservation ?? 0) != 0)
            dir.Write("memory.soft_limit_in_bytes", m.Reservation!.Value);
        if (m.DisableOOMKiller == true)
            dir.Write("memory.oom_control", "1");
        if (SwappinessRequested(m))
        {
            if (m.Swappiness > 100)
                throw new BerthException(ErrorKind.InvalidArgument, $"invalid memory swappiness value: {m.Swappiness} (valid range is 0-100)");
            dir.Write("memory.swappiness", m.Swappiness!.Value);
        }
    }

    private static void SetMemory(CgroupDirectory dir, long limit)
    {
        try
        {
            dir.Write(Limit, limit);
        }
        catch (CgroupIoException e) when (e.Errno == Errno.EBUSY)
        {
            // EBUSY: the kernel could not reclaim down to the new limit.
            ulong usage = dir.TryReadUInt("memory.usage_in_bytes") ?? 0, peak = dir.TryReadUInt("memory.max_usage_in_bytes") ?? 0;
            throw new BerthException(ErrorKind.FailedPrecondition,
                $"unable to set memory limit to {limit} (current usage: {usage}, peak usage: {peak}) in {dir.Path}", e);
        }
    }

    public static void ReadStats(CgroupDirectory dir, MemoryStats stats)
    {
        Dictionary<string, ulong> raw = dir.ReadKeyValues("memory.stat");
        stats.Raw = raw.Count == 0 ? null : raw;
        stats.Cache = raw.GetValueOrDefault("cache");
        stats.Usage = ReadEntry(dir, "memory");
        stats.Swap = ReadEntry(dir, "memory.memsw");
        stats.Kernel = ReadEntry(dir, "memory.kmem");
        stats.KernelTcp = ReadEntry(dir, "memory.kmem.tcp");
    }

    private static MemoryEntry ReadEntry(CgroupDirectory dir, string prefix) => new()
    {
        Usage = dir.TryReadUInt(prefix + ".usage_in_bytes") ?? 0,
        Max = dir.TryReadUInt(prefix + ".max_usage_in_bytes") ?? 0,
        Failcnt = dir.TryReadUInt(prefix + ".failcnt") ?? 0,
        Limit = dir.TryReadUInt(prefix + ".limit_in_bytes") ?? 0,
    };
}
