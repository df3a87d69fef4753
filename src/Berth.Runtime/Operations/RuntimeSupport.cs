using Berth.Core;
using Berth.Oci;

namespace Berth.Runtime.Operations;

/// <summary>
/// Spec features this runtime does not implement yet: refused at create with a clear error, never
/// silently ignored (a container must not run with less confinement or fewer limits than asked).
/// </summary>
internal static class RuntimeSupport
{
    public static void Check(RuntimeSpec spec)
    {
        var p = spec.Process;
        var l = spec.Linux;
        Refuse(p?.Scheduler is not null, "process.scheduler");
        Refuse(p?.ExecCPUAffinity is not null, "process.execCPUAffinity");
        Refuse(!string.IsNullOrEmpty(p?.SelinuxLabel), "process.selinuxLabel (SELinux)");
        Refuse(!string.IsNullOrEmpty(l?.MountLabel), "linux.mountLabel (SELinux)");
        Refuse(l?.IntelRdt is not null, "linux.intelRdt");
        Refuse(l?.MemoryPolicy is not null, "linux.memoryPolicy");
        Refuse(l?.NetDevices is { Count: > 0 }, "linux.netDevices");
        Refuse(l?.TimeOffsets is { Count: > 0 }, "linux.timeOffsets");
        Refuse(spec.Mounts?.Any(m => m.UIDMappings is { Count: > 0 } || m.GIDMappings is { Count: > 0 }) == true, "idmapped mounts (mounts[].uidMappings)");
        CheckNetSysctls(spec);
    }

    /// <summary>net.* sysctls only in a network namespace that is not the host's, even when joined by path (as runc).</summary>
    private static void CheckNetSysctls(RuntimeSpec spec)
    {
        string? netPath = spec.Linux?.Namespaces?.FirstOrDefault(n => n.Type == NamespaceTypes.Network)?.Path;
        if (string.IsNullOrEmpty(netPath)) return;
        string? netSysctl = spec.Linux?.Sysctl?.Keys.FirstOrDefault(k => k.StartsWith("net.", StringComparison.Ordinal));
        if (netSysctl is null) return;
        if (SameFile(netPath, "/proc/self/ns/net"))
            throw new BerthException(ErrorKind.InvalidArgument, $"sysctl \"{netSysctl}\" not allowed in host network namespace");
    }

    private static bool SameFile(string a, string b) =>
        Interop.Libc.StatxAt(Interop.Libc.AT_FDCWD, a, 0, out var sa) == 0 && Interop.Libc.StatxAt(Interop.Libc.AT_FDCWD, b, 0, out var sb) == 0
        && sa.Ino == sb.Ino && sa.DevMajor == sb.DevMajor && sa.DevMinor == sb.DevMinor;

    private static void Refuse(bool present, string what)
    {
        if (present) throw new BerthException(ErrorKind.InvalidArgument, $"{what} is not supported by berth-runtime yet");
    }
}
