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
            Mounter.Do("tmpfs", path, "tmpfs", Libc.MS_RDONLY, null);
        else if (Path.Exists(path))
            Mounter.Do("/dev/null", path, null, Libc.MS_BIND, null);
    }
}
