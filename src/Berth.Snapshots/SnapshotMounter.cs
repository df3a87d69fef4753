using Berth.Core;
using Berth.Interop;

namespace Berth.Snapshots;

/// <summary>Performs <see cref="MountDescription"/>s with mount(2) in the caller's mount namespace.</summary>
public static class SnapshotMounter
{
    /// <summary>mount(2) copies at most one page of option data, NUL included.</summary>
    private const int MaxMountData = 4095;
    private static readonly string[] PathOptions = ["lowerdir=", "upperdir=", "workdir="];

    public static void Mount(IReadOnlyList<MountDescription> mounts, string target)
    {
        foreach (var m in mounts) Mount(m, target);
    }

    public static void Mount(MountDescription m, string target)
    {
        SafeFd? baseFd = null;
        try
        {
            string prefix = m.BaseDirectory is null ? "" : m.BaseDirectory.TrimEnd('/') + "/";
            string data = Data(m, prefix);
            if (m.BaseDirectory is not null && (data.Length > MaxMountData || m.BaseDirectory.AsSpan().IndexOfAny(",:") >= 0))
            {
                // Too long (many layers under a long root), or a root path the option syntax cannot carry: name the
                // base directory by an fd instead. The kernel resolves the paths during mount(2) and keeps no reference
                // to the strings, so the fd may close right after.
                int fd = Libc.Open(m.BaseDirectory, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
                if (fd < 0) Check.ThrowLastError("open", m.BaseDirectory);
                baseFd = new SafeFd(fd, ownsHandle: true);
                prefix = $"/proc/self/fd/{fd}/";
                data = Data(m, prefix);
            }
            if (data.Length > MaxMountData)
                throw new BerthException(ErrorKind.InvalidArgument, $"{m.Type} mount options are {data.Length} bytes, more than the kernel's {MaxMountData}: too many layers");
            string source = m.Type == "bind" ? Resolve(m.Source, prefix) : m.Source; // overlay's source is only a label
            if (m.Type == "bind")
            {
                ulong flags = Libc.MS_BIND | (m.Options.Contains("rbind") ? Libc.MS_REC : 0);
                Check.Io(Libc.Mount(source, target, null, flags, null), "mount --bind", target);
                if (m.Options.Contains("ro")) Check.Io(Libc.Mount(null, target, null, Libc.MS_BIND | Libc.MS_REMOUNT | Libc.MS_RDONLY, null), "mount -o remount,ro", target);
                return;
            }
            Check.Io(Libc.Mount(source, target, m.Type, 0, data), "mount -t " + m.Type, target);
        }
        finally
        {
            baseFd?.Dispose();
        }
    }

    /// <summary>Unmounts <paramref name="target"/>; false when nothing was mounted there.</summary>
    public static bool Unmount(string target)
    {
        if (Libc.Umount2(target, 0) == 0) return true;
        int errno = Check.LastErrno;
        if (errno is Errnos.EINVAL or Errnos.ENOENT) return false; // not a mount point, or gone
        if (errno == Errnos.EBUSY)
        {
            // Still in use (a shell's cwd, a process of a dead container): detach it now, the kernel frees it later.
            Check.Io(Libc.Umount2(target, Libc.MNT_DETACH), "umount -l", target);
            return true;
        }
        throw new ErrnoException("umount", errno, target);
    }

    /// <summary>The option string for mount(2), relative paths joined to <paramref name="prefix"/>.</summary>
    public static string Data(MountDescription m, string prefix)
    {
        var options = new List<string>();
        foreach (string o in m.Options)
        {
            if (m.Type == "bind") continue; // bind, rbind, rw, ro are flags, not data
            string? key = PathOptions.FirstOrDefault(k => o.StartsWith(k, StringComparison.Ordinal));
            if (key is null)
            {
                options.Add(o);
                continue;
            }
            options.Add(key + string.Join(':', o[key.Length..].Split(':').Select(p => Resolve(p, prefix))));
        }
        return string.Join(',', options);
    }

    private static string Resolve(string path, string prefix) => path.StartsWith('/') ? path : prefix + path;
}
