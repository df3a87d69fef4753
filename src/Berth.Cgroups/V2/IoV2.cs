using System.Globalization;
using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.V2;

/// <summary>io.bfq.weight or io.weight, and io.max throttles (runc fs2/io.go).</summary>
internal static class IoV2
{
    public static bool IsSet(LinuxBlockIO? b) =>
        b is not null && ((b.Weight ?? 0) != 0 || (b.LeafWeight ?? 0) != 0 || b.WeightDevice is { Count: > 0 }
                          || b.ThrottleReadBpsDevice is { Count: > 0 } || b.ThrottleWriteBpsDevice is { Count: > 0 }
                          || b.ThrottleReadIOPSDevice is { Count: > 0 } || b.ThrottleWriteIOPSDevice is { Count: > 0 });

    public static void Apply(LinuxBlockIO b, CgroupDirectory dir)
    {
        if ((b.LeafWeight ?? 0) != 0 || (b.WeightDevice ?? []).Any(wd => (wd.LeafWeight ?? 0) != 0))
            throw new BerthException(ErrorKind.FailedPrecondition, "blkio leaf weights are not supported on cgroup v2");

        // BFQ takes the v1 weight range [10, 1000] as is; the io controller's own weight needs converting to [1, 10000].
        bool bfq = dir.Has("io.bfq.weight");
        if (b.Weight is { } weight and not 0)
        {
            if (bfq) dir.Write("io.bfq.weight", weight);
            else dir.Write("io.weight", CgroupConversions.BlkioWeightToIoWeight(weight));
        }
        foreach (LinuxWeightDevice wd in b.WeightDevice ?? [])
        {
            if (wd.Weight is not { } w || w == 0) continue;
            if (bfq) dir.Write("io.bfq.weight", $"{wd.Major}:{wd.Minor} {w}");
            else dir.Write("io.weight", $"{wd.Major}:{wd.Minor} {CgroupConversions.BlkioWeightToIoWeight(w)}");
        }
        Throttle(dir, "rbps", b.ThrottleReadBpsDevice);
        Throttle(dir, "wbps", b.ThrottleWriteBpsDevice);
        Throttle(dir, "riops", b.ThrottleReadIOPSDevice);
        Throttle(dir, "wiops", b.ThrottleWriteIOPSDevice);
    }

    private static void Throttle(CgroupDirectory dir, string key, List<LinuxThrottleDevice>? devices)
    {
        foreach (LinuxThrottleDevice td in devices ?? [])
            dir.Write("io.max", $"{td.Major}:{td.Minor} {key}={td.Rate}");
    }

    /// <summary>io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." mapped onto v1's Read/Write tables, as runc does.</summary>
    public static void ReadStats(CgroupDirectory dir, BlkioStats stats)
    {
        if (dir.TryRead("io.stat") is not { } text) return;
        var bytes = new List<BlkioEntry>();
        var ios = new List<BlkioEntry>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string[] device = fields[0].Split(':');
            if (device.Length != 2) continue;
            ulong major = ulong.Parse(device[0], CultureInfo.InvariantCulture), minor = ulong.Parse(device[1], CultureInfo.InvariantCulture);
            foreach (string field in fields.Skip(1))
            {
                string[] kv = field.Split('=');
                if (kv.Length != 2) continue;
                (List<BlkioEntry>? table, string op) = kv[0] switch
                {
                    "rbytes" => (bytes, "Read"),
                    "wbytes" => (bytes, "Write"),
                    "rios" => (ios, "Read"),
                    "wios" => (ios, "Write"),
                    _ => (null, ""),
                };
                table?.Add(new BlkioEntry { Major = major, Minor = minor, Op = op, Value = ulong.Parse(kv[1], CultureInfo.InvariantCulture) });
            }
        }
        stats.IoServiceBytesRecursive = bytes;
        stats.IoServicedRecursive = ios;
    }
}
