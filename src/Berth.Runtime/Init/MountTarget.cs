using Berth.Core;
using Berth.Interop;

namespace Berth.Runtime.Init;

/// <summary>
/// CVE-2021-30465: a destination resolved as a string can be swapped for a symlink before mount(2) resolves
/// it again. So the destination is opened (O_PATH, last component not followed), the opened file's real
/// path is checked to be inside the rootfs, and the mount goes onto /proc/self/fd/N: that very file.
/// </summary>
internal static class MountTarget
{
    /// <summary>Runs <paramref name="mount"/> with a target path that names exactly the checked file.</summary>
    public static void With(string rootfs, string dest, Action<string> mount)
    {
        int fd = Libc.Open(dest, Libc.O_PATH | Libc.O_CLOEXEC | Libc.O_NOFOLLOW);
        if (fd < 0) Check.ThrowLastError("open mount destination", dest);
        try
        {
            if (Libc.ReadLinkAt(Libc.AT_FDCWD, $"/proc/self/fd/{fd}", out string real) < 0)
                Check.ThrowLastError("readlink mount destination", dest);
            if (real != rootfs && !real.StartsWith(rootfs.TrimEnd('/') + "/", StringComparison.Ordinal))
                throw new BerthException(ErrorKind.PermissionDenied, $"mount destination {dest} resolves to {real}, outside the container's rootfs");
            mount($"/proc/self/fd/{fd}");
        }
        finally { Libc.Close(fd); }
    }
}
