namespace Berth.Cgroups;

/// <summary>One line of /proc/&lt;pid&gt;/cgroup: "4:memory:/a/b", "1:name=systemd:/", or "0::/" for v2.</summary>
internal sealed record ProcCgroupEntry(int HierarchyId, IReadOnlyList<string> Controllers, string Path)
{
    public bool IsV2 => HierarchyId == 0 && Controllers.Count == 0;
}

internal static class ProcCgroupFile
{
    public static List<ProcCgroupEntry> Parse(IEnumerable<string> lines)
    {
        var entries = new List<ProcCgroupEntry>();
        foreach (string line in lines)
        {
            // The path may itself contain ':', so split on the first two only.
            string[] parts = line.Split(':', 3);
            if (parts.Length != 3 || !int.TryParse(parts[0], out int id)) continue;
            string[] controllers = parts[1].Length == 0 ? [] : parts[1].Split(',');
            entries.Add(new ProcCgroupEntry(id, controllers, parts[2]));
        }
        return entries;
    }
}
