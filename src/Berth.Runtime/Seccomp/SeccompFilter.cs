using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Berth.Core;
using Berth.Interop;
using Berth.Oci;
using Microsoft.Win32.SafeHandles;

namespace Berth.Runtime.Seccomp;

/// <summary>
/// Builds linux.seccomp into a BPF program with libseccomp, in the runtime; init loads it (CompiledFilter).
/// </summary>
/// <remarks>
/// The filter is built without TSYNC and without libseccomp setting no_new_privs: init sets
/// no_new_privs itself when process.noNewPrivileges asks for it, and without it loading needs
/// CAP_SYS_ADMIN, which init still has before it drops capabilities. Only the loading thread is
/// filtered; execve from that thread kills the runtime's other threads and keeps the filter.
/// </remarks>
public static class SeccompFilter
{
    // berth-runtime links libseccomp statically (no dlopen inside a container's rootfs);
    // elsewhere, a first call loads libseccomp.so.2 or fails here.
    private static readonly Lazy<bool> s_available = new(() =>
    {
        try { unsafe { _ = Libseccomp.Version(); } return true; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    });

    /// <summary>libseccomp.so.2 can be loaded.</summary>
    public static bool IsAvailable => s_available.Value;

    /// <summary>"2.5.4", or null if libseccomp is not available.</summary>
    public static unsafe string? LibraryVersion
    {
        get
        {
            if (!IsAvailable) return null;
            ScmpVersion* v = Libseccomp.Version();
            return v is null ? null : $"{v->Major}.{v->Minor}.{v->Micro}";
        }
    }

    /// <summary>Every action of the spec; SCMP_ACT_NOTIFY only where the kernel and libseccomp have user notification (API level 6).</summary>
    public static string[] SupportedActions =>
        IsAvailable ? [.. SeccompTables.Actions.Keys.Where(a => a != "SCMP_ACT_NOTIFY" || NotifySupported).Order(StringComparer.Ordinal)] : [];

    /// <summary>libseccomp's API level 6 and up: the kernel has SECCOMP_RET_USER_NOTIF and SECCOMP_FILTER_FLAG_NEW_LISTENER.</summary>
    public static bool NotifySupported => IsAvailable && Libseccomp.ApiGet() >= 6;

    public static string[] SupportedOperators =>
        IsAvailable ? [.. SeccompTables.Operators.Keys.Order(StringComparer.Ordinal)] : [];

    /// <summary>The spec's architectures that this libseccomp knows (2.5 lacks LOONGARCH64, M68K, SH, SHEB).</summary>
    public static string[] SupportedArchitectures
    {
        get
        {
            if (!IsAvailable) return [];
            using SafeSeccompFilter probe = Libseccomp.Init(SeccompTables.ActAllow);
            if (probe.IsInvalid) return [];
            return [.. SeccompTables.Architectures
                .Where(kv => Libseccomp.ArchExist(probe, kv.Value) is 0 or -Errnos.EEXIST)
                .Select(kv => kv.Key)
                .Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Flags this libseccomp and kernel accept; TSYNC always (it is ignored, see <see cref="SeccompTables.FlagAttribute"/>).</summary>
    public static string[] SupportedFlags
    {
        get
        {
            if (!IsAvailable) return [];
            using SafeSeccompFilter probe = Libseccomp.Init(SeccompTables.ActAllow);
            if (probe.IsInvalid) return [];
            // Setting a flag attribute only probes the kernel with seccomp(SET_MODE_FILTER, flag, NULL).
            return [.. SeccompTables.Flags.Where(f => SeccompTables.FlagAttribute(f) is not { } attr || Libseccomp.AttrSet(probe, attr, 1) == 0)];
        }
    }

    /// <summary>The linux.seccomp part of "berth-runtime features".</summary>
    public static SeccompFeatures Features() => IsAvailable
        ? new SeccompFeatures
        {
            Enabled = true,
            Actions = [.. SupportedActions],
            Operators = [.. SupportedOperators],
            Archs = [.. SupportedArchitectures],
            KnownFlags = [.. SeccompTables.Flags],
            SupportedFlags = [.. SupportedFlags],
        }
        : new SeccompFeatures { Enabled = false };

    /// <summary>
    /// Builds the filter and returns the BPF program libseccomp would load (struct sock_filter[],
    /// 8 bytes per instruction), without loading it. For tests and for caching compiled filters.
    /// </summary>
    public static byte[] ExportBpf(LinuxSeccomp seccomp) => ExportBpf(SeccompProgram.Compile(seccomp)
        ?? throw new BerthException(ErrorKind.InvalidArgument, "seccomp is disabled (no defaultAction and no syscalls)"));

    internal static byte[] ExportBpf(SeccompProgram program)
    {
        using SafeSeccompFilter filter = Build(program);
        int fd = Libseccomp.MemfdCreate("berth-seccomp-bpf", Libseccomp.MFD_CLOEXEC);
        if (fd < 0) Check.ThrowLastError("memfd_create");
        using var file = new SafeFileHandle(fd, ownsHandle: true);
        int rc = Libseccomp.ExportBpf(filter, fd);
        if (rc < 0) Fail(ErrorKind.Internal, $"seccomp: exporting the filter: {Describe(rc)}");
        byte[] bpf = new byte[RandomAccess.GetLength(file)];
        int read = 0;
        while (read < bpf.Length)
        {
            int n = RandomAccess.Read(file, bpf.AsSpan(read), read);
            if (n == 0) break;
            read += n;
        }
        return bpf[..read];
    }

    private static unsafe SafeSeccompFilter Build(SeccompProgram program)
    {
        if (!IsAvailable)
            Fail(ErrorKind.FailedPrecondition, $"seccomp: linux.seccomp is set but {Libseccomp.Library} cannot be loaded (install libseccomp2)");

        SafeSeccompFilter filter = Libseccomp.Init(program.DefaultAction);
        if (filter.IsInvalid)
        {
            filter.Dispose();
            Fail(ErrorKind.InvalidArgument, $"seccomp: default action 0x{program.DefaultAction:x8} is not supported by libseccomp {LibraryVersion} on this kernel");
        }
        try
        {
            // Report the kernel's errno from seccomp_load instead of a blanket -ECANCELED (libseccomp >= 2.5).
            Libseccomp.AttrSet(filter, ScmpFilterAttr.ApiSysRawRc, 1);

            foreach (var (name, token) in program.Architectures)
            {
                int rc = Libseccomp.ArchAdd(filter, token);
                if (rc == -Errnos.EEXIST) continue; // the native arch is always there
                if (rc == -Errnos.EINVAL)
                    Fail(ErrorKind.InvalidArgument, $"seccomp: architecture {name} is not supported by libseccomp {LibraryVersion}");
                if (rc < 0) Fail(ErrorKind.Internal, $"seccomp: adding architecture {name}: {Describe(rc)}");
            }

            foreach (string flag in program.Flags)
                SetFlag(filter, flag);
            if (program.SpecAllowIfSupported)
                Libseccomp.AttrSet(filter, ScmpFilterAttr.CtlSsb, 1); // best effort, as runc's default

            // Binary-tree dispatch for long rule sets; runc's threshold. Older libseccomp lacks it: not fatal.
            if (program.Rules.Count > 32)
                Libseccomp.AttrSet(filter, ScmpFilterAttr.CtlOptimize, 2);

            int nnp = Libseccomp.AttrSet(filter, ScmpFilterAttr.CtlNnp, 0);
            if (nnp < 0) Fail(ErrorKind.Internal, $"seccomp: clearing the no_new_privs attribute: {Describe(nnp)}");

            ScmpArgCmp* args = stackalloc ScmpArgCmp[(int)SeccompTables.MaxArgs];
            foreach (SeccompRule rule in program.Rules)
            {
                int nr = Libseccomp.SyscallResolveName(rule.Syscall);
                // Unknown to this libseccomp: most likely newer than it, so skip it as runc does.
                if (nr == Libseccomp.NrScmpError) continue;
                for (int i = 0; i < rule.Conditions.Count; i++)
                {
                    SeccompCondition c = rule.Conditions[i];
                    args[i] = new ScmpArgCmp { Arg = c.Index, Op = c.Op, DatumA = c.DatumA, DatumB = c.DatumB };
                }
                int rc = Libseccomp.RuleAddArray(filter, rule.Action, nr, (uint)rule.Conditions.Count, args);
                if (rc < 0)
                    Fail(-rc is Errnos.EINVAL or Errnos.EEXIST or Errnos.EACCES ? ErrorKind.InvalidArgument : ErrorKind.Internal,
                        $"seccomp: adding the rule for syscall {rule.Syscall} (action 0x{rule.Action:x8}, {rule.Conditions.Count} conditions): {Describe(rc)}");
            }
            return filter;
        }
        catch
        {
            filter.Dispose();
            throw;
        }
    }

    private static void SetFlag(SafeSeccompFilter filter, string flag)
    {
        if (SeccompTables.FlagAttribute(flag) is not { } attr) return;
        int rc = Libseccomp.AttrSet(filter, attr, 1);
        if (rc == 0) return;
        if (-rc == Errnos.ENOTSUP) // EOPNOTSUPP: libseccomp asked the kernel, which does not know the flag
            Fail(ErrorKind.InvalidArgument, $"seccomp: flag {flag} is not supported by this kernel");
        if (-rc == Errnos.EINVAL) // an attribute this libseccomp does not have
            Fail(ErrorKind.InvalidArgument, $"seccomp: flag {flag} is not supported by libseccomp {LibraryVersion}"
                + (attr == ScmpFilterAttr.CtlWaitKill ? " (it needs 2.6.0 or later)" : ""));
        Fail(ErrorKind.Internal, $"seccomp: setting flag {flag}: {Describe(rc)}");
    }

    private static string Describe(int negativeErrno) => ErrnoException.Describe(-negativeErrno);

    [DoesNotReturn, System.Diagnostics.StackTraceHidden]
    private static void Fail(ErrorKind kind, string message) => throw new BerthException(kind, message);
}
