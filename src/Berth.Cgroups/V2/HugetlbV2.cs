using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.V2;

/// <summary>hugetlb.&lt;size&gt;.max, and .rsvd.max where the kernel has it (runc fs2/hugetlb.go).</summary>
internal static class HugetlbV2
{
    public static bool IsSet(List<LinuxHugepageLimit>? limits) => limits is { Count: > 0 };

    public static void Apply(List<LinuxHugepageLimit> limits, CgroupDirectory dir)
    {
        foreach (LinuxHugepageLimit limit in limits)
        {
            string file = $"hugetlb.{HugetlbNames.CheckPageSize(limit.Pagesize)}.max";
            if (!dir.Has(file))
                throw new BerthException(ErrorKind.FailedPrecondition,
                    $"hugepage size {limit.Pagesize} cannot be limited here ({dir.FilePath(file)} is missing: unknown size or hugetlb controller not enabled)");
            dir.Write(file, limit.Limit);
            string reserved = $"hugetlb.{limit.Pagesize}.rsvd.max";
            if (dir.Has(reserved)) dir.Write(reserved, limit.Limit);
        }
    }

    public static void ReadStats(CgroupDirectory dir, Dictionary<string, HugetlbStats> stats)
    {
        foreach (string size in HugetlbNames.PageSizes(dir, ".max"))
        {
            stats[size] = new HugetlbStats
            {
                Usage = dir.TryReadUInt($"hugetlb.{size}.current") ?? 0,
                Failcnt = dir.ReadKeyValues($"hugetlb.{size}.events").GetValueOrDefault("max"),
            };
        }
    }
}
