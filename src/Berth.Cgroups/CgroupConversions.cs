using Berth.Core;

namespace Berth.Cgroups;

/// <summary>v1 spec values → v2 file values, with the formulas runc uses (opencontainers/cgroups utils.go).</summary>
public static class CgroupConversions
{
    /// <summary>
    /// cpu.shares [2, 262144] → cpu.weight [1, 10000] on the quadratic-in-log curve that maps the defaults onto
    /// each other (1024 → 100); runc ≥ 1.3.2, crun ≥ 1.23. 0 means unset and returns 0.
    /// </summary>
    public static ulong CpuSharesToWeight(ulong shares)
    {
        if (shares == 0) return 0;
        if (shares <= 2) return 1;
        if (shares >= 262144) return 10000;
        double l = Math.Log2(shares);
        double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
        return (ulong)Math.Ceiling(Math.Pow(10, exponent));
    }

    /// <summary>blkio.weight [10, 1000] → io.weight [1, 10000], linearly; 0 means unset.</summary>
    public static ulong BlkioWeightToIoWeight(ushort weight) =>
        weight == 0 ? 0 : 1 + ((ulong)weight - 10) * 9999 / 990;

    /// <summary>
    /// The spec's swap is memory+swap (a v1 notion); memory.swap.max is swap alone. Returns -1 for "max",
    /// 0 for "unset", otherwise swap − memory. A swap equal to memory comes back as 0 too: callers that saw a
    /// positive request write it as "0" (no swap).
    /// </summary>
    public static long MemorySwapToV2(long swap, long memory)
    {
        if (memory == -1 && swap == 0) return -1;   // unlimited memory, swap unset: unlimited both, as v1 would
        if (swap is -1 or 0) return swap;
        if (memory == -1) return swap;
        if (memory == 0) throw new BerthException(ErrorKind.InvalidArgument, "unable to set swap limit without memory limit");
        if (memory < 0) throw new BerthException(ErrorKind.InvalidArgument, $"invalid memory value: {memory}");
        if (swap < memory) throw new BerthException(ErrorKind.InvalidArgument, $"memory+swap limit ({swap}) should be >= memory limit ({memory})");
        return swap - memory;
    }
}
