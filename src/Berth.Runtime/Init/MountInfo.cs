using Berth.Interop;

namespace Berth.Runtime.Init;

/// <summary>Reads /proc/self/mountinfo and statvfs flags.</summary>
internal static class MountInfo
{
    public sealed record Entry(string Root, string MountPoint, string FsType, string Source, string SuperOptions);

    public static List<Entry> Read(string path = "/proc/self/mountinfo")
    {
        var list = new List<Entry>();
        foreach (string line in File.ReadLines(path))
        {
            // id parent maj:min root mountpoint options [optional...] - fstype source superoptions
            string[] f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            if (dash < 6 || f.Length < dash + 4) continue;
            list.Add(new Entry(Unescape(f[3]), Unescape(f[4]), f[dash + 1], f[dash + 2], f[dash + 3]));
        }
        return list;
    }

    private static string Unescape(string s) => s.Contains('\\')
        ? System.Text.RegularExpressions.Regex.Replace(s, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString())
        : s;

    /// <summary>The ST_* flags of the mount at path; they equal the MS_* values for the flags that matter here.</summary>
    public static ulong StatFlags(string path)
    {
        Check.Io(Libc.Statvfs(path, out ulong f), "statvfs", path);
        ulong flags = 0;
        if ((f & 1) != 0) flags |= Libc.MS_RDONLY;
        if ((f & 2) != 0) flags |= Libc.MS_NOSUID;
        if ((f & 4) != 0) flags |= Libc.MS_NODEV;
        if ((f & 8) != 0) flags |= Libc.MS_NOEXEC;
        return flags;
    }
}
