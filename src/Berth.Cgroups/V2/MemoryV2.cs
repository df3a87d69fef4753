using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.V2;

/// <summary>memory.max, memory.swap.max (swap alone, not memory+swap), memory.low (runc fs2/memory.go).</summary>
internal static class MemoryV2
{
    public static bool IsSet(LinuxMemory? m) =>
        m is not null && ((m.Limit ?? 0) != 0 || (m.Reservation ?? 0) != 0 || (m.Swap ?? 0) != 0
                          || m.DisableOOMKiller == true || m.Swappiness is { } s && s != ulong.MaxValue);

    public static void Apply(LinuxMemory m, CgroupDirectory dir)
    {
        // v2 has no knob for these; refuse rather than pretend.
        if (m.DisableOOMKiller == true)
            throw new BerthException(ErrorKind.FailedPrecondition, "disabling the OOM killer is not supported on cgroup v2");
        if (m.Swappiness is { } s && s != ulong.MaxValue)
            throw new BerthException(ErrorKind.FailedPrecondition, "memory swappiness is not supported on cgroup v2");
        // Kernel and KernelTCP are ignored, as runc does: v2 accounts kernel memory inside memory.max.

        long limit = m.Limit ?? 0, swapTotal = m.Swap ?? 0, reservation = m.Reservation ?? 0;
        if (m.CheckBeforeUpdate == true && limit > 0 && dir.TryReadUInt("memory.current") is { } usage && usage >= (ulong)limit)
            throw new BerthException(ErrorKind.FailedPrecondition,
                $"rejecting memory limit {limit} below current usage {usage} of {dir.Path}");

        if (limit != 0 || swapTotal != 0)
        {
            long swap = CgroupConversions.MemorySwapToV2(swapTotal, limit);
            // swap == memory means "no swap", which converts to 0: write it as "0", never as an empty string
            string? value = swap switch { -1 => "max", 0 when swapTotal > 0 => "0", 0 => null, _ => CgroupValues.Str(swap) };
            if (value is not null)
            {
                if (dir.Has("memory.swap.max")) dir.Write("memory.swap.max", value);
                else if (value is not ("max" or "0")) // no swap accounting: "unlimited" and "none" hold anyway
                    throw new BerthException(ErrorKind.FailedPrecondition,
                        $"swap limit not supported: kernel has no swap accounting ({dir.FilePath("memory.swap.max")} is missing)");
            }
        }
        if (limit != 0) dir.Write("memory.max", Limit(limit));
        if (reservation != 0) dir.Write("memory.low", Limit(reservation));
    }

    private static string Limit(long value) => value == -1 ? "max" : CgroupValues.Str(value);

    public static void ReadStats(CgroupDirectory dir, MemoryStats stats)
    {
        Dictionary<string, ulong> raw = dir.ReadKeyValues("memory.stat");
        stats.Raw = raw.Count == 0 ? null : raw;
        stats.Cache = raw.GetValueOrDefault("file");
        stats.Usage = new MemoryEntry
        {
            Usage = dir.TryReadUInt("memory.current") ?? 0,
            Limit = dir.TryReadUInt("memory.max") ?? 0,
            Max = dir.TryReadUInt("memory.peak") ?? 0,
            Failcnt = dir.ReadKeyValues("memory.events").GetValueOrDefault("max"), // times usage hit memory.max
        };
        // v1 reports memory+swap; convert so both versions mean the same (runc does the same)
        ulong swapLimit = dir.TryReadUInt("memory.swap.max") ?? 0;
        stats.Swap = new MemoryEntry
        {
            Usage = (dir.TryReadUInt("memory.swap.current") ?? 0) + stats.Usage.Usage,
            Limit = swapLimit == ulong.MaxValue || stats.Usage.Limit == ulong.MaxValue ? ulong.MaxValue : swapLimit + stats.Usage.Limit,
            Failcnt = dir.ReadKeyValues("memory.swap.events").GetValueOrDefault("max"),
        };
    }
}
