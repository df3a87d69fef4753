using System.Security.Cryptography;
using Berth.Interop;

namespace Berth.Snapshots.Tests;

/// <summary>Trees compared as listings, walked with lstat (symlinks never followed).</summary>
internal static class Tree
{
    public static Libc.Statx Stat(string path)
    {
        if (Libc.StatxAt(Libc.AT_FDCWD, path, Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx st) < 0)
            throw new ErrnoException("statx", Check.LastErrno, path);
        return st;
    }

    public static bool Exists(string path) => Libc.StatxAt(Libc.AT_FDCWD, path, Libc.AT_SYMLINK_NOFOLLOW, out _) == 0;

    /// <summary>One line per entry: path, type, mode, uid, gid, size, link target, content hash, xattrs.</summary>
    public static List<string> Listing(string root)
    {
        var lines = new List<string>();
        Walk(root, ".", lines);
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static void Walk(string root, string rel, List<string> lines)
    {
        string path = rel == "." ? root : Path.Combine(root, rel);
        var st = Stat(path);
        string type = st.FileType switch
        {
            Libc.S_IFDIR => "dir", Libc.S_IFREG => "file", Libc.S_IFLNK => "symlink",
            Libc.S_IFCHR => "char", Libc.S_IFBLK => "block", Libc.S_IFIFO => "fifo", _ => "other",
        };
        string size = st.FileType == Libc.S_IFREG ? st.Size.ToString() : "-";
        if (st.FileType is Libc.S_IFCHR or Libc.S_IFBLK) size = $"{st.RdevMajor},{st.RdevMinor}";
        string link = st.IsSymlink ? new FileInfo(path).LinkTarget! : "-";
        string hash = st.FileType == Libc.S_IFREG ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : "-";
        string xattrs = st.IsSymlink ? "" : string.Join(";", (Libc.Llistxattr(path) ?? []).Order()
            .Select(n => n + "=" + Convert.ToHexStringLower(Libc.Lgetxattr(path, n) ?? [])));
        lines.Add($"{rel} {type} {Convert.ToString(st.Mode & 0xfff, 8)} {st.Uid}:{st.Gid} {size} {link} {hash} {xattrs} nlink={(st.IsDirectory ? "-" : st.Nlink.ToString())}");
        if (!st.IsDirectory) return;
        foreach (string child in Directory.EnumerateFileSystemEntries(path))
            Walk(root, rel == "." ? Path.GetFileName(child) : Path.Combine(rel, Path.GetFileName(child)), lines);
    }
}
