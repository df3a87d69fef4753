using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Berth.Integration.Tests.Infrastructure;

/// <summary>
/// Host-side probes for the security-case tests: what a file descriptor or executable really is
/// (sealed memfd, read-only mount, writable), and a fast rename-exchange for symlink races.
/// </summary>
public static class SecurityProbes
{
    private const int O_RDONLY = 0, O_WRONLY = 1, O_CLOEXEC = 0x80000, AT_FDCWD = -100;
    private const int F_GET_SEALS = 1034, F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;
    private const uint RENAME_EXCHANGE = 2;
    private const ulong ST_RDONLY = 1;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int cmd, int arg);

    // struct statvfs on x86_64/aarch64: 11 unsigned longs, then int __f_spare[6] (112 bytes); f_flag is the 10th.
    [DllImport("libc", EntryPoint = "fstatvfs", SetLastError = true)]
    private static extern int Fstatvfs(int fd, [Out] ulong[] buf);

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int Renameat2(int olddirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath,
        int newdirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath, uint flags);

    /// <summary>What the file behind <paramref name="path"/> (e.g. /proc/PID/exe) is, as the host sees it.</summary>
    public sealed record ExeFacts(string? Target, bool Sealed, bool ReadonlyMount, int? OpenForWriteErrno)
    {
        public bool OpenedForWrite => OpenForWriteErrno is null;

        public override string ToString() =>
            $"target {Target ?? "(unreadable)"}, sealed memfd {Sealed}, read-only mount {ReadonlyMount}, "
            + (OpenedForWrite ? "open(O_WRONLY) SUCCEEDED" : $"open(O_WRONLY) failed with errno {OpenForWriteErrno}");
    }

    /// <summary>
    /// Opens <paramref name="path"/> read-only to look at seals and mount flags, then tries open(O_WRONLY)
    /// (no O_TRUNC, nothing is written; a successful fd is closed at once).
    /// </summary>
    public static ExeFacts Inspect(string path)
    {
        string? target = HostProcesses.Link(path);
        bool sealedMemfd = false, readonlyMount = false;
        int fd = Open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0)
        {
            try
            {
                int seals = Fcntl(fd, F_GET_SEALS, 0);
                const int all = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
                sealedMemfd = seals >= 0 && (seals & all) == all;
                var st = new ulong[14];
                readonlyMount = Fstatvfs(fd, st) == 0 && (st[9] & ST_RDONLY) != 0;
            }
            finally { Close(fd); }
        }
        int? writeErrno = null;
        int w = Open(path, O_WRONLY | O_CLOEXEC);
        if (w >= 0) Close(w);
        else writeErrno = Marshal.GetLastPInvokeError();
        return new ExeFacts(target, sealedMemfd, readonlyMount, writeErrno);
    }

    /// <summary>renameat2(RENAME_EXCHANGE): atomically swaps two names; false when the kernel refuses.</summary>
    public static bool Exchange(string a, string b) => Renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0;

    /// <summary>The pid of a host process as seen in its innermost pid namespace (last NSpid field).</summary>
    public static int InnermostPid(int hostPid)
    {
        string line = File.ReadLines($"/proc/{hostPid}/status").First(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
        return int.Parse(line["NSpid:".Length..].Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries)[^1], CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until the process sleeps in a pipe write (its stderr is a full pipe); false if it exits or never blocks.</summary>
    public static bool WaitUntilBlockedInPipeWrite(int pid, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (File.ReadAllText($"/proc/{pid}/wchan").Contains("pipe", StringComparison.Ordinal)) return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
            Thread.Sleep(5);
        }
        return false;
    }
}
