using Berth.Core;
using Berth.Interop;
using Berth.Oci;

namespace Berth.Runtime.Init;

/// <summary>Rlimits, user, groups, capabilities and no_new_privs, applied in the order the kernel needs.</summary>
internal static unsafe class Credentials
{
    public static void ApplyRlimits(IEnumerable<PosixRlimit>? rlimits)
    {
        ulong* limit = stackalloc ulong[2];
        ulong* old = stackalloc ulong[2];
        foreach (var r in rlimits ?? [])
        {
            if (!Rlimits.Names.TryGetValue(r.Type, out int resource))
                throw new BerthException(ErrorKind.InvalidArgument, $"unknown rlimit \"{r.Type}\"");
            limit[0] = r.Soft;
            limit[1] = r.Hard;
            if (Libc.Prlimit(0, resource, limit, null) == 0) continue;
            int errno = Check.LastErrno;
            Libc.Prlimit(0, resource, null, old);
            if (errno == Errnos.EPERM && r.Hard > old[1])
                throw new BerthException(ErrorKind.PermissionDenied,
                    $"rlimit {r.Type}: hard limit {r.Hard} is above the caller's hard limit {old[1]} (raising it needs CAP_SYS_RESOURCE)");
            throw new BerthException(ErrorKind.InvalidArgument, $"rlimit {r.Type} soft {r.Soft} hard {r.Hard}: {ErrnoException.Describe(errno)}");
        }
    }

    /// <summary>
    /// Switches this thread, the one that will call execve, to the process user and leaves it exactly the spec's
    /// capability sets. Like capset, the ids change per thread (as runc's init does): execve ends the runtime's other
    /// threads, which run nothing from the container meanwhile and which the process being non-dumpable keeps out
    /// of reach.
    /// </summary>
    public static void ApplyUserAndCapabilities(User user, LinuxCapabilities? caps, bool noNewPrivileges)
    {
        ulong bounding = Mask(caps?.Bounding), effective = Mask(caps?.Effective), permitted = Mask(caps?.Permitted),
            inheritable = Mask(caps?.Inheritable), ambient = Mask(caps?.Ambient);

        // Dropping from the bounding set needs CAP_SETPCAP: do it while still fully privileged.
        for (int cap = 0; cap <= LastCap; cap++)
            if ((bounding & (1UL << cap)) == 0 && Libc.Prctl(Libc.PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && Check.LastErrno != Errnos.EINVAL)
                Check.ThrowLastError($"drop {CapName(cap)} from the bounding set");

        // The runtime's other threads keep root and every capability until execve ends them: nothing may reach them
        // through ptrace or /proc meanwhile. The kernel makes a process non-dumpable when its ids change, unless
        // fs.suid_dumpable is 1; do not depend on that. (execve makes the container's process dumpable again.)
        if (user.UID != (uint)Libc.Geteuid() || user.GID != (uint)Libc.Getegid())
            Check.Io(Libc.Prctl(Libc.PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl PR_SET_DUMPABLE");

        // Keep permitted caps across the uid change; capset below sets the final sets.
        Check.Io(Libc.Prctl(Libc.PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl PR_SET_KEEPCAPS");
        var groups = user.AdditionalGids ?? [];
        fixed (uint* g = groups.ToArray())
        {
            if (Libc.SetgroupsThread(groups.Count, g) < 0 && !(Check.LastErrno == Errnos.EPERM && groups.Count == 0 && SetgroupsDenied()))
                Check.ThrowLastError("setgroups");
        }
        Check.Io(Libc.SetresgidThread((int)user.GID, (int)user.GID, (int)user.GID), $"setresgid {user.GID}");
        Check.Io(Libc.SetresuidThread((int)user.UID, (int)user.UID, (int)user.UID), $"setresuid {user.UID}");
        Check.Io(Libc.Prctl(Libc.PR_SET_KEEPCAPS, 0, 0, 0, 0), "prctl PR_SET_KEEPCAPS");

        Check.Io(Libc.Capset(effective, permitted, inheritable), "capset");
        Libc.Prctl(Libc.PR_CAP_AMBIENT, Libc.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        // The kernel only lets a capability be ambient if it is permitted and inheritable; runc's own
        // default spec lists ambient caps without inheritable ones, so the others are skipped, as runc does.
        ambient &= permitted & inheritable;
        for (int cap = 0; cap <= LastCap; cap++)
            if ((ambient & (1UL << cap)) != 0)
                Check.Io(Libc.Prctl(Libc.PR_CAP_AMBIENT, Libc.PR_CAP_AMBIENT_RAISE, cap, 0, 0), $"raise ambient {CapName(cap)}");

        if (noNewPrivileges) Check.Io(Libc.Prctl(Libc.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl PR_SET_NO_NEW_PRIVS");
    }

    private static readonly int LastCap = ReadLastCap();

    private static int ReadLastCap() =>
        int.TryParse(File.Exists("/proc/sys/kernel/cap_last_cap") ? File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim() : "", out int n)
            ? n : Capabilities.LastKnown;

    private static ulong Mask(List<string>? names)
    {
        ulong mask = 0;
        foreach (string name in names ?? [])
        {
            if (!Capabilities.All.TryGetValue(name, out int bit))
                throw new BerthException(ErrorKind.InvalidArgument, $"unknown capability \"{name}\"");
            // A capability this kernel does not know cannot be granted; runc skips it with a warning.
            if (bit <= LastCap) mask |= 1UL << bit;
        }
        return mask;
    }

    private static string CapName(int bit) => Capabilities.All.FirstOrDefault(kv => kv.Value == bit).Key ?? $"cap {bit}";

    private static bool SetgroupsDenied() =>
        File.Exists("/proc/self/setgroups") && File.ReadAllText("/proc/self/setgroups").Trim() == "deny";
}
