using System.Text;

namespace Berth.Cgroups;

/// <summary>A cgroup or cgroup2 mount from mountinfo: where it is, which part of the hierarchy it shows, its options.</summary>
internal sealed record CgroupMount(string MountPoint, string Root, string FsType, IReadOnlyList<string> SuperOptions)
{
    public bool IsV2 => FsType == "cgroup2";
}

/// <summary>Parses /proc/self/mountinfo (proc(5)), keeping only cgroup and cgroup2 mounts.</summary>
internal static class MountInfo
{
    public static List<CgroupMount> ParseCgroupMounts(IEnumerable<string> lines)
    {
        var mounts = new List<CgroupMount>();
        foreach (string line in lines)
        {
            // 36 35 98:0 /root /mnt rw,noatime master:1 - cgroup cgroup rw,memory
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int dash = Array.IndexOf(fields, "-");
            if (dash < 6 || fields.Length < dash + 4) continue;
            string fsType = fields[dash + 1];
            if (fsType is not ("cgroup" or "cgroup2")) continue;
            mounts.Add(new CgroupMount(
                MountPoint: Unescape(fields[4]),
                Root: Unescape(fields[3]),
                FsType: fsType,
                SuperOptions: fields[dash + 3].Split(',')));
        }
        return mounts;
    }

    /// <summary>The kernel writes space, tab, newline and backslash in paths as \ooo octal escapes.</summary>
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var sb = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int start)
    {
        if (start + 3 > s.Length) return false;
        for (int i = start; i < start + 3; i++)
            if (s[i] is < '0' or > '7') return false;
        return true;
    }
}
