using Berth.Interop;

namespace Berth.Snapshots;

/// <summary>How one kind of snapshot is laid out in its directory and mounted.</summary>
internal interface ISnapshotDriver
{
    StorageDriver Kind { get; }

    /// <summary>Fills a fresh snapshot directory from the layers' fs directories, bottom first.</summary>
    void Populate(string dir, IReadOnlyList<string> layersBottomFirst);

    /// <summary>The mounts for a complete snapshot directory, relative to it.</summary>
    IReadOnlyList<MountDescription> Mounts(string dir);
}

/// <summary>
/// upper/ and work/ for overlayfs, and l/0, l/1, ... (bottom first) as relative symlinks to the shared layer
/// directories: lowerdir then names each layer in a few bytes, so ~125 layers fit the kernel's one-page limit on
/// mount options even when the root path is long (see <see cref="SnapshotMounter"/>).
/// </summary>
internal sealed class OverlayDriver : ISnapshotDriver
{
    public StorageDriver Kind => StorageDriver.Overlay;

    public void Populate(string dir, IReadOnlyList<string> layersBottomFirst)
    {
        string links = Directory.CreateDirectory(Path.Combine(dir, "l")).FullName;
        for (int i = 0; i < layersBottomFirst.Count; i++)
            File.CreateSymbolicLink(Path.Combine(links, i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Path.GetRelativePath(links, layersBottomFirst[i])); // relative: the whole root may move
        Directory.CreateDirectory(Path.Combine(dir, "work"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string upper = Directory.CreateDirectory(Path.Combine(dir, "upper")).FullName;
        // The merged root takes the upper directory's owner and mode, so it gets the image's (as the copy driver's does).
        if (layersBottomFirst.Count > 0) CopyRootAttributes(layersBottomFirst[^1], upper);
    }

    public IReadOnlyList<MountDescription> Mounts(string dir)
    {
        int count = Directory.Exists(Path.Combine(dir, "l")) ? Directory.GetFileSystemEntries(Path.Combine(dir, "l")).Length : 0;
        var lowers = Enumerable.Range(0, count).Select(i => $"l/{i}").ToList();
        return [OverlayMount.For(lowers, "upper", "work") with { BaseDirectory = dir }];
    }

    private static void CopyRootAttributes(string from, string to)
    {
        Check.Io(Libc.StatxAt(Libc.AT_FDCWD, from, Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx st), "statx", from);
        Check.Io(Libc.Chown(to, (int)st.Uid, (int)st.Gid), "chown", to);
        Check.Io(Libc.FchmodAt(Libc.AT_FDCWD, to, st.Mode & 0b111_111_111_111, 0), "chmod", to);
    }
}

/// <summary>fs/: every layer copied in, bottom first, interpreting overlay whiteouts (<see cref="LayerCopier"/>).</summary>
internal sealed class CopyDriver : ISnapshotDriver
{
    public StorageDriver Kind => StorageDriver.Copy;

    public void Populate(string dir, IReadOnlyList<string> layersBottomFirst)
    {
        string fs = Directory.CreateDirectory(Path.Combine(dir, "fs")).FullName;
        using SafeFd target = DirFd.OpenRoot(fs);
        foreach (string layer in layersBottomFirst) LayerCopier.Apply(layer, target);
    }

    public IReadOnlyList<MountDescription> Mounts(string dir) =>
        [new MountDescription("bind", "fs", ["rbind", "rw"]) { BaseDirectory = dir }];
}
