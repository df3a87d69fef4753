using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.V1;

/// <summary>hugetlb.&lt;size&gt;.limit_in_bytes, and the .rsvd. variant where the kernel has it (runc fs/hugetlb.go).</summary>
internal static class HugetlbV1
{
    public static bool IsSet(List<LinuxHugepageLimit>? limits) => limits is { Count: > 0 };

    public static void Apply(List<LinuxHugepageLimit> limits, CgroupDirectory dir)
    {
        foreach (LinuxHugepageLimit limit in limits)
        {
            string file = $"hugetlb.{HugetlbNames.CheckPageSize(limit.Pagesize)}.limit_in_bytes";
            if (!dir.Has(file))
                throw new BerthException(ErrorKind.FailedPrecondition, $"hugepage size {limit.Pagesize} is not supported by this host ({dir.FilePath(file)} is missing)");
            dir.Write(file, limit.Limit);
            string reserved = $"hugetlb.{limit.Pagesize}.rsvd.limit_in_bytes";
            if (dir.Has(reserved)) dir.Write(reserved, limit.Limit);
        }
    }

    public static void ReadStats(CgroupDirectory dir, Dictionary<string, HugetlbStats> stats)
    {
        foreach (string size in HugetlbNames.PageSizes(dir, ".limit_in_bytes"))
        {
            stats[size] = new HugetlbStats
            {
                Usage = dir.TryReadUInt($"hugetlb.{size}.usage_in_bytes") ?? 0,
                Max = dir.TryReadUInt($"hugetlb.{size}.max_usage_in_bytes") ?? 0,
                Failcnt = dir.TryReadUInt($"hugetlb.{size}.failcnt") ?? 0,
            };
        }
    }
}
