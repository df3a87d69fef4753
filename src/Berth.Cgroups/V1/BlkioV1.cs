using System.Globalization;
using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.V1;

/// <summary>blkio weights and throttles (runc fs/blkio.go). Weights live in blkio.weight (CFQ) or blkio.bfq.weight (BFQ).</summary>
internal static class BlkioV1
{
    public static bool IsSet(LinuxBlockIO? b) =>
        b is not null && ((b.Weight ?? 0) != 0 || (b.LeafWeight ?? 0) != 0 || b.WeightDevice is { Count: > 0 }
                          || b.ThrottleReadBpsDevice is { Count: > 0 } || b.ThrottleWriteBpsDevice is { Count: > 0 }
                          || b.ThrottleReadIOPSDevice is { Count: > 0 } || b.ThrottleWriteIOPSDevice is { Count: > 0 });

    public static void Apply(LinuxBlockIO b, CgroupDirectory dir)
    {
        string prefix = dir.Has("blkio.weight") ? "blkio." : "blkio.bfq.";
        if (b.Weight is { } weight and not 0)
            dir.Write(Require(dir, prefix + "weight", "blkio weight"), weight);
        if (b.LeafWeight is { } leaf and not 0)
            dir.Write(Require(dir, "blkio.leaf_weight", "blkio leaf weight (CFQ only)"), leaf);
        foreach (LinuxWeightDevice wd in b.WeightDevice ?? [])
        {
            if (wd.Weight is { } w and not 0)
                dir.Write(Require(dir, prefix + "weight_device", "blkio weight per device"), $"{wd.Major}:{wd.Minor} {w}");
            if (wd.LeafWeight is { } lw and not 0)
                dir.Write(Require(dir, "blkio.leaf_weight_device", "blkio leaf weight per device (CFQ only)"), $"{wd.Major}:{wd.Minor} {lw}");
        }
        Throttle(dir, "blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice);
        Throttle(dir, "blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice);
        Throttle(dir, "blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice);
        Throttle(dir, "blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice);
    }

    private static void Throttle(CgroupDirectory dir, string file, List<LinuxThrottleDevice>? devices)
    {
        foreach (LinuxThrottleDevice td in devices ?? [])
            dir.Write(Require(dir, file, "blkio throttling"), $"{td.Major}:{td.Minor} {td.Rate}");
    }

    private static string Require(CgroupDirectory dir, string file, string what) => dir.Has(file)
        ? file
        : throw new BerthException(ErrorKind.FailedPrecondition, $"{what} not supported: {dir.FilePath(file)} is missing");

    /// <summary>
    /// The first family of files that exists, in runc's order of preference: BFQ, CFQ, then the throttle
    /// layer's counters (which see every I/O whatever the scheduler).
    /// </summary>
    public static void ReadStats(CgroupDirectory dir, BlkioStats stats)
    {
        foreach (string prefix in (string[])["blkio.bfq.", "blkio.", "blkio.throttle."])
        {
            List<BlkioEntry>? bytes = ReadEntries(dir, prefix + "io_service_bytes_recursive");
            if (bytes is null) continue;
            stats.IoServiceBytesRecursive = bytes;
            stats.IoServicedRecursive = ReadEntries(dir, prefix + "io_serviced_recursive");
            return;
        }
    }

    // "8:0 Read 4096" lines and a closing "Total 4096"
    private static List<BlkioEntry>? ReadEntries(CgroupDirectory dir, string file)
    {
        if (dir.TryRead(file) is not { } text) return null;
        var entries = new List<BlkioEntry>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 3 || !ulong.TryParse(f[0], CultureInfo.InvariantCulture, out ulong major)) continue;
            entries.Add(new BlkioEntry
            {
                Major = major,
                Minor = ulong.Parse(f[1], CultureInfo.InvariantCulture),
                Op = f.Length == 4 ? f[2] : null,
                Value = ulong.Parse(f[^1], CultureInfo.InvariantCulture),
            });
        }
        return entries;
    }
}
