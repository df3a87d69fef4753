using System.Text.RegularExpressions;
using Berth.Core;
using Berth.Interop;

namespace Berth.Snapshots;

/// <summary>
/// The directories of writable snapshots, &lt;snapshots&gt;/active/&lt;key&gt;/. Each is built under a temp name and
/// renamed into place when complete, and removed by renaming it back to a temp name first, so a crash at any
/// point leaves either a whole snapshot or a temp directory, which the next start deletes.
/// </summary>
internal sealed partial class ActiveSnapshots
{
    public const string TempPrefix = ".tmp-";

    /// <summary>Where a snapshot this snapshotter mounts itself is mounted (<see cref="Snapshotter.Mount"/>).</summary>
    public const string MergedDir = "merged";

    public string Root { get; }

    /// <summary>The directory is made by the first prepare: a daemon that never ran a container has none.</summary>
    public ActiveSnapshots(string root) => Root = Path.GetFullPath(root);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex KeyPattern();

    public static void CheckKey(string key)
    {
        if (!KeyPattern().IsMatch(key))
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid snapshot key \"{key}\": letters, digits, '_', '.', '-', at most 128");
    }

    public string PathOf(string key) => Path.Combine(Root, key);

    public string NewTemp(string key)
    {
        Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return Directory.CreateDirectory(Path.Combine(Root, $"{TempPrefix}{key}-{Guid.NewGuid():N}")).FullName;
    }

    /// <summary>Makes a complete snapshot visible under its key; AlreadyExists if the key is taken (even by a racing prepare).</summary>
    public void Publish(string temp, string key)
    {
        // rename(2) onto an existing non-empty directory fails, so two prepares of one key cannot both win.
        if (Libc.RenameAt(Libc.AT_FDCWD, temp, Libc.AT_FDCWD, PathOf(key)) == 0) return;
        int errno = Check.LastErrno;
        if (errno is Errnos.EEXIST or 39 /* ENOTEMPTY */ or Errnos.ENOTDIR)
            throw new BerthException(ErrorKind.AlreadyExists, $"snapshot {key} already exists");
        throw new ErrnoException("rename", errno, temp);
    }

    public IEnumerable<string> Keys() => !Directory.Exists(Root) ? [] : Directory.EnumerateDirectories(Root)
        .Select(d => Path.GetFileName(d)!)
        .Where(n => !n.StartsWith(TempPrefix, StringComparison.Ordinal))
        .Order(StringComparer.Ordinal);

    public void Remove(string key)
    {
        string dir = PathOf(key);
        if (!Directory.Exists(dir)) return;
        SnapshotMounter.Unmount(Path.Combine(dir, MergedDir));
        string doomed = Path.Combine(Root, $"{TempPrefix}rm-{key}-{Guid.NewGuid():N}");
        Directory.Move(dir, doomed);
        Delete(doomed);
    }

    /// <summary>What a crash left: half-built snapshots, half-removed ones, trial mounts (unmounted first).</summary>
    public int RemoveLeftovers() => RemoveLeftovers(Root);

    /// <summary>Deletes the temp directories in <paramref name="dir"/>, unmounting what a crash left mounted in them.</summary>
    public static int RemoveLeftovers(string dir)
    {
        if (!Directory.Exists(dir)) return 0;
        int n = 0;
        foreach (string d in Directory.EnumerateDirectories(dir, TempPrefix + "*"))
        {
            SnapshotMounter.Unmount(Path.Combine(d, MergedDir));
            Delete(d);
            n++;
        }
        return n;
    }

    /// <summary>Deletes a tree without following symlinks or crossing into a mount.</summary>
    public static void Delete(string dir)
    {
        string full = Path.GetFullPath(dir).TrimEnd('/');
        using SafeFd parent = DirFd.OpenRoot(Path.GetDirectoryName(full)!);
        DirFd.RemoveTree(parent.Value, Path.GetFileName(full));
    }

    public static void DeleteQuietly(string dir)
    {
        try { Delete(dir); }
        catch (IOException) { } // left for RemoveLeftovers at the next start
    }
}
