using Berth.Interop;

namespace Berth.Snapshots;

/// <summary>
/// Whether overlayfs works for snapshots under a given directory: listed by the kernel, and a real trial mount
/// there honours the whiteouts and opaque directories that layers are unpacked with (an overlay upper on an
/// overlay, or a filesystem without trusted xattrs, fails here rather than in a container's start).
/// </summary>
public static class OverlaySupport
{
    /// <summary>Null when overlay works under <paramref name="dir"/>, else why not.</summary>
    public static string? Probe(string dir)
    {
        bool listed = File.Exists("/proc/filesystems") && File.ReadLines("/proc/filesystems").Any(l => l.Split('\t').LastOrDefault() == "overlay");
        string probe = Path.Combine(dir, ActiveSnapshots.TempPrefix + "probe-" + Guid.NewGuid().ToString("N"));
        string merged = Path.Combine(probe, "merged");
        bool mounted = false;
        try
        {
            foreach (string d in new[] { "l1/dir", "l2/dir", "upper", "work", "merged" }) Directory.CreateDirectory(Path.Combine(probe, d));
            File.WriteAllText(Path.Combine(probe, "l1/gone"), "");
            File.WriteAllText(Path.Combine(probe, "l1/dir/hidden"), "");
            File.WriteAllText(Path.Combine(probe, "l2/dir/shown"), "");
            Check.Io(Libc.Mknod(Path.Combine(probe, "l2/gone"), Libc.S_IFCHR, 0), "mknod (whiteout)");
            Check.Io(Libc.Lsetxattr(Path.Combine(probe, "l2/dir"), "trusted.overlay.opaque", "y"u8), "setxattr trusted.overlay.opaque");
            var m = OverlayMount.For(["l1", "l2"], "upper", "work") with { BaseDirectory = probe };
            SnapshotMounter.Mount(m, merged);
            mounted = true;
            if (File.Exists(Path.Combine(merged, "gone")) || File.Exists(Path.Combine(merged, "dir/hidden")) || !File.Exists(Path.Combine(merged, "dir/shown")))
                return "a trial overlay mount did not honour whiteouts and opaque directories";
            File.WriteAllText(Path.Combine(merged, "written"), "");
            if (!File.Exists(Path.Combine(probe, "upper/written"))) return "a trial overlay mount did not write to its upper directory";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Core.BerthException)
        {
            string why = listed ? "" : " (overlay is not in /proc/filesystems)";
            return $"overlay does not work under {dir}{why}: {e.Message}";
        }
        finally
        {
            if (mounted) SnapshotMounter.Unmount(merged);
            ActiveSnapshots.DeleteQuietly(probe);
        }
    }
}
