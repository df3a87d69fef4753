using Berth.Core;

namespace Berth.Cgroups;

/// <summary>Page-size names ("2MB", "1GB") as they appear in hugetlb file names.</summary>
internal static class HugetlbNames
{
    /// <summary>The size becomes part of a file name, so it must stay a plain name.</summary>
    public static string CheckPageSize(string size) =>
        size.Length > 0 && size.All(char.IsAsciiLetterOrDigit)
            ? size
            : throw new BerthException(ErrorKind.InvalidArgument, $"invalid hugepage size \"{size}\"");

    /// <summary>The sizes this cgroup has files for, found from the "hugetlb.&lt;size&gt;&lt;suffix&gt;" files.</summary>
    public static List<string> PageSizes(CgroupDirectory dir, string suffix)
    {
        if (!dir.Exists) return [];
        return Directory.EnumerateFiles(dir.Path, "hugetlb.*" + suffix)
            .Select(path => System.IO.Path.GetFileName(path)["hugetlb.".Length..^suffix.Length])
            .Where(size => !size.Contains('.')) // skips hugetlb.<size>.rsvd<suffix>
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
