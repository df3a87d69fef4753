using Berth.Interop;

namespace Berth.Snapshots;

/// <summary>
/// Applies one unpacked layer directory (overlay form, as <see cref="Berth.Archive.LayerApplier"/> writes it) onto
/// a merged tree, with the result overlayfs would show: a 0:0 character device deletes the name below it, an
/// opaque directory hides everything below it, a directory merges with a directory and replaces anything else,
/// and anything else replaces what was there. Applied bottom-up over every layer, this materialises a rootfs.
/// <para>
/// Owners, modes (setuid, setgid, sticky), xattrs (except overlay's own), mtimes, device nodes, symlinks (verbatim)
/// and hardlinks within the layer are kept. The target is only ever touched through directory fds opened with
/// O_NOFOLLOW and *at calls on single names, and a name is always unlinked before it is created again, so neither
/// a symlink left by a lower layer nor a hardlink shared with one can make a write land anywhere else.
/// </para>
/// </summary>
internal sealed class LayerCopier
{
    private static readonly string[] OpaqueXattrs = ["trusted.overlay.opaque", "user.overlay.opaque"];
    private readonly Dictionary<(uint, uint, ulong), List<string>> _linked = [];
    private readonly int _targetRoot;

    public int SkippedXattrs { get; private set; }

    private LayerCopier(int targetRoot) => _targetRoot = targetRoot;

    /// <summary>Applies the layer at <paramref name="layerDir"/> onto the tree open as <paramref name="target"/>.</summary>
    public static int Apply(string layerDir, SafeFd target)
    {
        using SafeFd source = DirFd.OpenRoot(layerDir);
        var copier = new LayerCopier(target.Value);
        copier.MergeDirectory(source.Value, target.Value, []);
        copier.CopyMetadata(source.Value, "", target.Value, "", DirFd.StatSelf(source.Value));
        return copier.SkippedXattrs;
    }

    private void MergeDirectory(int source, int target, List<string> path)
    {
        foreach (string name in DirFd.List(source))
        {
            if (!DirFd.TryStat(source, name, out Libc.Statx st)) continue;
            bool exists = DirFd.TryStat(target, name, out Libc.Statx existing);
            if (DirFd.IsOverlayWhiteout(st))
            {
                if (exists) DirFd.RemoveTree(target, name);
                continue;
            }
            if (st.IsDirectory)
            {
                if (exists && !existing.IsDirectory)
                {
                    DirFd.RemoveTree(target, name); // e.g. a lower layer's symlink "etc -> /host/etc": replaced, never followed
                    exists = false;
                }
                if (!exists) Check.Io(Libc.MkdirAt(target, name, 0b111_000_000), "mkdirat", name);
                using SafeFd src = DirFd.OpenChild(source, name);
                using SafeFd dst = DirFd.OpenChild(target, name);
                if (exists && IsOpaque(source, name))
                    foreach (string lower in DirFd.List(dst.Value)) DirFd.RemoveTree(dst.Value, lower);
                path.Add(name);
                MergeDirectory(src.Value, dst.Value, path);
                path.RemoveAt(path.Count - 1);
                if (exists) DropXattrsNotIn(Node(source, name), Node(target, name));
                CopyMetadata(source, name, dst.Value, "", st);
                continue;
            }
            if (exists) DirFd.RemoveTree(target, name);
            path.Add(name);
            CopyNonDirectory(source, name, target, st, path);
            path.RemoveAt(path.Count - 1);
        }
    }

    private void CopyNonDirectory(int source, string name, int target, in Libc.Statx st, List<string> path)
    {
        if (st.Nlink > 1 && !st.IsSymlink && LinkToEarlierCopy(st, target, name, path)) return;
        switch (st.FileType)
        {
            case Libc.S_IFREG:
                CopyFile(source, name, target, st);
                break;
            case Libc.S_IFLNK:
                Check.Io(Libc.ReadLinkAt(source, name, out string linkTarget), "readlinkat", name);
                Check.Io(Libc.SymlinkAt(linkTarget, target, name), "symlinkat", name);
                CopyMetadata(source, name, target, name, st);
                break;
            default: // device nodes, fifos, sockets
                Check.Io(Libc.MknodAt(target, name, st.FileType | 0b110_000_000, Libc.MakeDev(st.RdevMajor, st.RdevMinor)), "mknodat", name);
                CopyMetadata(source, name, target, name, st);
                break;
        }
    }

    /// <summary>A second name of an inode this layer already copied becomes a hardlink to the copy.</summary>
    private bool LinkToEarlierCopy(in Libc.Statx st, int target, string name, List<string> path)
    {
        var key = (st.DevMajor, st.DevMinor, st.Ino);
        if (!_linked.TryGetValue(key, out List<string>? first))
        {
            _linked[key] = [.. path];
            return false;
        }
        using SafeFd parent = OpenInTarget(first, first.Count - 1);
        Check.Io(Libc.LinkAt(parent.Value, first[^1], target, name, 0), "linkat", name);
        return true;
    }

    /// <summary>Re-opens a directory this pass created, component by component, never following a symlink.</summary>
    private SafeFd OpenInTarget(List<string> path, int count)
    {
        SafeFd current = DirFd.OpenChild(_targetRoot, ".");
        for (int i = 0; i < count; i++)
        {
            SafeFd next = DirFd.OpenChild(current.Value, path[i]);
            current.Dispose();
            current = next;
        }
        return current;
    }

    private void CopyFile(int source, string name, int target, in Libc.Statx st)
    {
        int inFd = Libc.OpenAt(source, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
        if (inFd < 0) Check.ThrowLastError("openat", name);
        using var input = new SafeFd(inFd, ownsHandle: true);
        int outFd = Libc.OpenAt(target, name, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0b110_000_000);
        if (outFd < 0) Check.ThrowLastError("openat", name);
        using var output = new SafeFd(outFd, ownsHandle: true);
        ulong left = st.Size;
        while (left > 0)
        {
            nint n = Libc.Sendfile(outFd, inFd, 0, (nint)Math.Min(left, 1UL << 30));
            if (n < 0) Check.ThrowLastError("sendfile", name);
            if (n == 0) break; // the source shrank under us: copy what there is
            left -= (ulong)n;
        }
        CopyMetadata(source, name, outFd, "", st);
    }

    /// <summary>
    /// Owner, then mode, then xattrs, then times: chown clears setuid/setgid and file capabilities, and every
    /// later change would move the mtime. <paramref name="targetName"/> "" means <paramref name="target"/> is the node itself.
    /// </summary>
    private void CopyMetadata(int source, string sourceName, int target, string targetName, in Libc.Statx st)
    {
        bool self = targetName.Length == 0;
        int flags = (self ? Libc.AT_EMPTY_PATH : 0) | Libc.AT_SYMLINK_NOFOLLOW;
        Check.Io(Libc.FchownAt(target, targetName, (int)st.Uid, (int)st.Gid, flags), "fchownat", targetName);
        if (!st.IsSymlink)
        {
            int mode = st.Mode & 0b111_111_111_111;
            if (self) Check.Io(Libc.FchmodFd(target, mode), "fchmod");
            else Check.Io(Libc.FchmodAt(target, targetName, mode, 0), "fchmodat", targetName); // just created by mknodat: not a symlink
        }
        string to = Node(target, targetName);
        CopyXattrs(Node(source, sourceName), self ? (n, v) => Libc.Fsetxattr(target, n, v) : (n, v) => Libc.Lsetxattr(to, n, v));
        var atime = new Libc.Timespec { Sec = st.Atime.Sec, Nsec = st.Atime.Nsec };
        var mtime = new Libc.Timespec { Sec = st.Mtime.Sec, Nsec = st.Mtime.Nsec };
        if (self) Check.Io(Libc.Futimens(target, atime, mtime), "futimens");
        else Check.Io(Libc.UtimensAt(target, targetName, atime, mtime, Libc.AT_SYMLINK_NOFOLLOW), "utimensat", targetName);
    }

    /// <summary>
    /// A path for the l*xattr calls: the directory by fd (a magic link, followed), the leaf never followed.
    /// An empty name means the directory itself.
    /// </summary>
    private static string Node(int dirfd, string name) => name.Length == 0 ? $"/proc/self/fd/{dirfd}/." : $"/proc/self/fd/{dirfd}/{name}";

    private void CopyXattrs(string from, Func<string, byte[], int> set)
    {
        string[]? names = Libc.Llistxattr(from);
        if (names is null) return; // a filesystem without xattrs has none to copy
        foreach (string xattr in names)
        {
            // overlayfs' own attributes describe the layer (opaque) and must not be carried into a merged tree.
            if (xattr.StartsWith("trusted.overlay.", StringComparison.Ordinal) || xattr.StartsWith("user.overlay.", StringComparison.Ordinal)) continue;
            byte[]? value = Libc.Lgetxattr(from, xattr);
            if (value is null || set(xattr, value) < 0) SkippedXattrs++; // e.g. user.* on a symlink
        }
    }

    /// <summary>A merged directory shows the upper directory's xattrs only, not the union with the lower ones.</summary>
    private static void DropXattrsNotIn(string source, string target)
    {
        var keep = new HashSet<string>(Libc.Llistxattr(source) ?? [], StringComparer.Ordinal);
        foreach (string xattr in Libc.Llistxattr(target) ?? [])
            if (!keep.Contains(xattr)) Libc.Lremovexattr(target, xattr);
    }

    private static bool IsOpaque(int dirfd, string name)
    {
        string path = Node(dirfd, name);
        foreach (string xattr in OpaqueXattrs)
            if (Libc.Lgetxattr(path, xattr) is [(byte)'y']) return true;
        return false;
    }
}
