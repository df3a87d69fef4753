using Berth.Interop;

namespace Berth.Runtime.Init;

/// <summary>maskedPaths and readonlyPaths, applied after pivot_root.</summary>
internal static class Paths
{
    public static void MakeReadonly(string path)
    {
        if (!Path.Exists(path)) return;
        Mounter.Do(path, path, null, Libc.MS_BIND | Libc.MS_REC, null);
        Mounter.Do(null, path, null, Libc.MS_BIND | Libc.MS_REMOUNT | Libc.MS_RDONLY | MountInfo.StatFlags(path), null);
    }

    /// <summary>Hides a path: /dev/null over a file, an empty read-only tmpfs over a directory.</summary>
    public static void Mask(string path)
    {
        if (Directory.Exists(path))
            MountTarget.With("/", path, t => Mounter.Do("tmpfs", t, "tmpfs", Libc.MS_RDONLY, null));
        else if (Path.Exists(path))
        {
            CheckDevNull();
            MountTarget.With("/", path, t => Mounter.Do("/dev/null", t, null, Libc.MS_BIND, null));
        }
    }

    /// <summary>CVE-2025-31133: what masks a file must really be the null device, not something the image put there.</summary>
    private static void CheckDevNull()
    {
        const int S_IFMT = 0xF000, S_IFCHR = 0x2000;
        if (Libc.StatxAt(Libc.AT_FDCWD, "/dev/null", Libc.AT_SYMLINK_NOFOLLOW, out var st) < 0)
            Check.ThrowLastError("stat", "/dev/null");
        if ((st.Mode & S_IFMT) != S_IFCHR || st.RdevMajor != 1 || st.RdevMinor != 3)
            throw new Core.BerthException(Core.ErrorKind.PermissionDenied, "/dev/null in the container is not the null device (1:3): refusing to mask paths with it");
    }
}
