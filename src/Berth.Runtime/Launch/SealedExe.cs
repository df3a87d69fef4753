using Berth.Interop;

namespace Berth.Runtime.Launch;

/// <summary>
/// CVE-2019-5736: the container must never be able to reach the on-disk runtime binary through
/// /proc/&lt;pid&gt;/exe. Init and exec'd processes run from a copy that cannot be written: for root, one
/// copy per build under a read-only bind mount (made once; every container after that execs it with no
/// copying, and shares its pages); otherwise a sealed memfd copy per process.
/// </summary>
internal static class SealedExe
{
    /// <summary>Where the read-only copies live; one directory (and mount) per build of the binary.</summary>
    public const string ReadonlyCopies = "/run/berth-runtime/.exe";

    /// <summary>Returns a close-on-exec fd of an unwritable copy of this executable, to exec through /proc/self/fd.</summary>
    public static SafeFd Open()
    {
        if (Libc.Geteuid() == 0)
        {
            try
            {
                string path = ReadonlyCopy.Ensure(ReadonlyCopies);
                return Check.Io(new SafeFd(Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC), true), "open", path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Core.BerthException)
            {
                // No mount rights (e.g. root in a user namespace): the memfd works everywhere.
            }
        }
        return Create();
    }

    private const uint MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2;
    private const int AllSeals = Libc.F_SEAL_SEAL | Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW | Libc.F_SEAL_WRITE;

    /// <summary>Returns an fd (close-on-exec) of a sealed memfd copy of this executable.</summary>
    public static SafeFd Create()
    {
        using SafeFd self = Check.Io(new SafeFd(Libc.Open("/proc/self/exe", Libc.O_RDONLY | Libc.O_CLOEXEC), true), "open", "/proc/self/exe");
        // Already running from a sealed copy (an init that re-executes): reuse it.
        int seals = Libc.Fcntl(self.Value, Libc.F_GET_SEALS, 0); // -1 (EINVAL) for an ordinary file
        if (seals >= 0 && (seals & AllSeals) == AllSeals)
            return Check.Io(new SafeFd(Libc.Fcntl(self.Value, Libc.F_DUPFD_CLOEXEC, 3), true), "dup", "/proc/self/exe");

        var memfd = Check.Io(new SafeFd(Libc.MemfdCreate("berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING), true), "memfd_create");
        // Copy until EOF: the size of /proc/self/exe as a path is the symlink's, not the binary's.
        while (true)
        {
            nint n = Libc.Sendfile(memfd.Value, self.Value, 0, 1 << 30);
            if (n < 0 && Check.LastErrno == Errnos.EINTR) continue;
            if (n < 0) { memfd.Dispose(); Check.ThrowLastError("copy runtime binary to memfd"); }
            if (n == 0) break;
        }
        Check.Io(Libc.Fchmod(memfd.Value, Convert.ToInt32("511", 8)), "fchmod memfd");
        Check.Io(Libc.Fcntl(memfd.Value, Libc.F_ADD_SEALS, AllSeals), "seal memfd");
        return memfd;
    }
}
