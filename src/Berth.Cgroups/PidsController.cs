using Berth.Oci;

namespace Berth.Cgroups;

/// <summary>pids.max and pids.current: the same files on v1 and v2.</summary>
internal static class PidsController
{
    public static bool IsSet(LinuxPids? p) => p?.Limit is not null;

    /// <summary>
    /// A limit of 0 or below means unlimited ("max"), as the spec type documents. (runc ≥ 1.2 writes "1" for 0,
    /// copying systemd; Docker never sends 0.)
    /// </summary>
    public static void Apply(LinuxPids p, CgroupDirectory dir)
    {
        if (p.Limit is not { } limit) return;
        dir.Write("pids.max", limit > 0 ? CgroupValues.Str(limit) : "max");
    }

    public static void ReadStats(CgroupDirectory dir, PidsStats stats)
    {
        stats.Current = dir.TryReadUInt("pids.current") ?? 0;
        ulong max = dir.TryReadUInt("pids.max") ?? 0;
        stats.Limit = max == ulong.MaxValue ? 0 : max; // runc reports "no limit" as 0
    }
}
