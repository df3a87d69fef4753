using System.Runtime.InteropServices;

namespace Berth.Interop;

public static unsafe partial class Libc
{
    public const long SYS_seccomp = 317;
    public const long SECCOMP_SET_MODE_FILTER = 1;

    public const int PR_SET_PDEATHSIG = 1, PR_SET_DUMPABLE = 4, PR_SET_KEEPCAPS = 8, PR_CAPBSET_READ = 23, PR_CAPBSET_DROP = 24,
        PR_SET_NO_NEW_PRIVS = 38, PR_SET_CHILD_SUBREAPER = 36, PR_CAP_AMBIENT = 47, PR_CAP_AMBIENT_RAISE = 2,
        PR_CAP_AMBIENT_CLEAR_ALL = 4;
    public const int WNOHANG = 1;
    public const int SIGKILL = 9, SIGTERM = 15, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19;

    [LibraryImport(Libraries.Libc, EntryPoint = "getpid")]
    public static partial int Getpid();

    [LibraryImport(Libraries.Libc, EntryPoint = "geteuid")]
    public static partial int Geteuid();

    [LibraryImport(Libraries.Libc, EntryPoint = "getegid")]
    public static partial int Getegid();

    [LibraryImport(Libraries.Libc, EntryPoint = "setsid", SetLastError = true)]
    public static partial int Setsid();

    // The raw system calls change the calling thread's credentials only, as capset(2) and the kernel's own calls do.
    // glibc's wrappers change every thread's, signalling each one and waiting for it (POSIX's process-wide ids):
    // 0.6 ms in a .NET process. Container init needs them on the thread that calls execve, which ends the others.
    private const long SYS_setresuid = 117, SYS_setresgid = 119, SYS_setgroups = 116;

    public static int SetresuidThread(int r, int e, int s) => (int)Syscall(SYS_setresuid, r, e, s);

    public static int SetresgidThread(int r, int e, int s) => (int)Syscall(SYS_setresgid, r, e, s);

    public static unsafe int SetgroupsThread(nint size, uint* list) => (int)Syscall(SYS_setgroups, size, (nint)list, 0);

    [LibraryImport(Libraries.Libc, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nint a2, nint a3, nint a4, nint a5);

    [LibraryImport(Libraries.Libc, EntryPoint = "sethostname", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Sethostname(string name, nint len);

    [LibraryImport(Libraries.Libc, EntryPoint = "setdomainname", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Setdomainname(string name, nint len);

    [LibraryImport(Libraries.Libc, EntryPoint = "prlimit64", SetLastError = true)]
    public static unsafe partial int Prlimit(int pid, int resource, ulong* newLimit, ulong* oldLimit);

    [LibraryImport(Libraries.Libc, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int sig);

    [LibraryImport(Libraries.Libc, EntryPoint = "waitpid", SetLastError = true)]
    public static unsafe partial int Waitpid(int pid, int* status, int options);

    [LibraryImport(Libraries.Libc, EntryPoint = "execve", SetLastError = true)]
    public static unsafe partial int Execve(byte* path, byte** argv, byte** envp);

    [LibraryImport(Libraries.Libc, EntryPoint = "signal")]
    public static partial nint Signal(int sig, nint handler);

    [LibraryImport(Libraries.Libc, EntryPoint = "sigprocmask", SetLastError = true)]
    public static unsafe partial int Sigprocmask(int how, ulong* set, ulong* oldset);

    public const long SYS_pidfd_open = 434, SYS_pidfd_send_signal = 424, SYS_capget = 125, SYS_capset = 126;

    public static int PidfdOpen(int pid) => (int)Syscall(SYS_pidfd_open, pid, 0, 0);

    public const long SYS_pidfd_getfd = 438;

    /// <summary>pidfd_getfd(2) (Linux 5.6): a close-on-exec copy of another process's fd; needs ptrace access to it.</summary>
    public static int PidfdGetfd(int pidfd, int targetFd) => (int)Syscall(SYS_pidfd_getfd, pidfd, targetFd, 0);

    /// <summary>Decodes a waitpid status as a shell does: exit code, or 128 + signal.</summary>
    public static int ExitCodeOf(int status) => (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);

    public const long SYS_ioprio_set = 251, SYS_keyctl = 250;
    public const int KEYCTL_JOIN_SESSION_KEYRING = 1, KEYCTL_SETPERM = 5;

    /// <summary>_exit(2): no atexit handlers, no runtime shutdown.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "_exit")]
    public static partial void Exit(int status);

    [LibraryImport(Libraries.Libc, EntryPoint = "personality", SetLastError = true)]
    public static partial int Personality(ulong persona);

    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long SyscallString(long number, int a1, string a2);

    /// <summary>keyctl(KEYCTL_JOIN_SESSION_KEYRING, name): a new session keyring, returns its serial.</summary>
    public static int JoinSessionKeyring(string name) => (int)SyscallString(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name);
}
