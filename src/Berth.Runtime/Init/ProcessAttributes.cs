using Berth.Core;
using Berth.Interop;
using Berth.Oci;

namespace Berth.Runtime.Init;

/// <summary>Per-process settings beyond credentials: session keyring, I/O priority, personality, AppArmor.</summary>
internal static class ProcessAttributes
{
    /// <summary>
    /// A fresh session keyring per container, as runc does unless --no-new-keyring: otherwise the container
    /// would share the caller's keyring and could read its keys.
    /// </summary>
    public static void JoinNewSessionKeyring(string containerId)
    {
        if (Libc.JoinSessionKeyring("_ses." + containerId) < 0 && Check.LastErrno != Errnos.ENOSYS)
            Check.ThrowLastError("join a new session keyring");
    }

    public static void Apply(Process process)
    {
        if (process.IOPriority is { } io) SetIoPriority(io);
        if (!string.IsNullOrEmpty(process.ApparmorProfile)) SetAppArmorProfile(process.ApparmorProfile);
    }

    public static void ApplyPersonality(LinuxPersonality? p)
    {
        if (p is null) return;
        ulong persona = p.Domain switch
        {
            "LINUX" => 0x0000,
            "LINUX32" => 0x0008,
            _ => throw new BerthException(ErrorKind.InvalidArgument, $"personality domain \"{p.Domain}\" is not supported"),
        };
        if (p.Flags is { Count: > 0 })
            throw new BerthException(ErrorKind.InvalidArgument, "personality flags are not supported");
        Check.Io(Libc.Personality(persona), "personality", p.Domain);
    }

    private static void SetIoPriority(LinuxIOPriority io)
    {
        long cls = io.Class switch
        {
            "IOPRIO_CLASS_RT" => 1,
            "IOPRIO_CLASS_BE" => 2,
            "IOPRIO_CLASS_IDLE" => 3,
            _ => throw new BerthException(ErrorKind.InvalidArgument, $"unknown ioPriority class \"{io.Class}\""),
        };
        if (io.Priority is < 0 or > 7) throw new BerthException(ErrorKind.InvalidArgument, $"ioPriority priority {io.Priority} is not in 0..7");
        Check.Io(Libc.Syscall(Libc.SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (cls << 13) | (long)io.Priority), "ioprio_set");
    }

    /// <summary>The profile takes effect at execve, as runc's "exec" attribute write.</summary>
    private static void SetAppArmorProfile(string profile)
    {
        if (!AppArmorEnabled())
            throw new BerthException(ErrorKind.FailedPrecondition, $"apparmor profile \"{profile}\" is set but AppArmor is not enabled on this host");
        string attr = File.Exists("/proc/self/attr/apparmor/exec") ? "/proc/self/attr/apparmor/exec" : "/proc/self/attr/exec";
        File.WriteAllText(attr, "exec " + profile);
    }

    public static bool AppArmorEnabled()
    {
        try { return File.ReadAllText("/sys/module/apparmor/parameters/enabled").Trim() == "Y"; }
        catch (IOException) { return false; }
    }
}
