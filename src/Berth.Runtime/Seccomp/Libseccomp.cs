using System.Runtime.InteropServices;

namespace Berth.Runtime.Seccomp;

/// <summary>
/// libseccomp 2.x bindings (include/seccomp.h). No policy here: every function returns what the
/// C function returns. libseccomp reports failure as a negative errno in the return value and does
/// not set errno, so nothing here uses SetLastError.
/// </summary>
internal static unsafe partial class Libseccomp
{
    /// <summary>The soname: Debian's libseccomp2 ships only the versioned name unless -dev is installed.</summary>
    internal const string Library = "libseccomp.so.2";

    /// <summary>__NR_SCMP_ERROR: what the resolve functions return for a name they do not know.</summary>
    internal const int NrScmpError = -1;

    [LibraryImport(Library, EntryPoint = "seccomp_init")]
    internal static partial SafeSeccompFilter Init(uint defaultAction);

    [LibraryImport(Library, EntryPoint = "seccomp_release")]
    internal static partial void Release(nint ctx);

    [LibraryImport(Library, EntryPoint = "seccomp_arch_add")]
    internal static partial int ArchAdd(SafeSeccompFilter ctx, uint archToken);

    /// <summary>0 if present, -EEXIST if valid but absent, -EINVAL if this libseccomp does not know the token.</summary>
    [LibraryImport(Library, EntryPoint = "seccomp_arch_exist")]
    internal static partial int ArchExist(SafeSeccompFilter ctx, uint archToken);

    [LibraryImport(Library, EntryPoint = "seccomp_arch_native")]
    internal static partial uint ArchNative();

    [LibraryImport(Library, EntryPoint = "seccomp_attr_set")]
    internal static partial int AttrSet(SafeSeccompFilter ctx, ScmpFilterAttr attr, uint value);

    [LibraryImport(Library, EntryPoint = "seccomp_attr_get")]
    internal static partial int AttrGet(SafeSeccompFilter ctx, ScmpFilterAttr attr, uint* value);

    /// <summary>The number for the native arch, a negative pseudo number (__PNR_*) for a syscall the native arch lacks, or -1.</summary>
    [LibraryImport(Library, EntryPoint = "seccomp_syscall_resolve_name", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SyscallResolveName(string name);

    [LibraryImport(Library, EntryPoint = "seccomp_rule_add_array")]
    internal static partial int RuleAddArray(SafeSeccompFilter ctx, uint action, int syscall, uint argCount, ScmpArgCmp* args);

    [LibraryImport(Library, EntryPoint = "seccomp_export_bpf")]
    internal static partial int ExportBpf(SafeSeccompFilter ctx, int fd);

    [LibraryImport(Library, EntryPoint = "seccomp_version")]
    internal static partial ScmpVersion* Version();

    [LibraryImport(Library, EntryPoint = "seccomp_api_get")]
    internal static partial uint ApiGet();

    // For ExportBpf: libseccomp 2.5 can only write the program to an fd (seccomp_export_bpf_mem is 2.6).
    [LibraryImport("libc.so.6", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MemfdCreate(string name, uint flags);

    internal const uint MFD_CLOEXEC = 0x0001;
}

/// <summary>enum scmp_filter_attr.</summary>
internal enum ScmpFilterAttr
{
    ActDefault = 1,
    ActBadArch = 2,
    CtlNnp = 3,
    CtlTsync = 4,
    ApiTskip = 5,
    CtlLog = 6,
    CtlSsb = 7,
    CtlOptimize = 8,
    ApiSysRawRc = 9,
    /// <summary>libseccomp 2.6.0 and later; 2.5 answers -EINVAL.</summary>
    CtlWaitKill = 10,
}

/// <summary>struct scmp_arg_cmp: unsigned int arg; enum scmp_compare op; scmp_datum_t datum_a, datum_b (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ScmpArgCmp
{
    public uint Arg;
    public uint Op;
    public ulong DatumA;
    public ulong DatumB;
}

/// <summary>struct scmp_version.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ScmpVersion
{
    public uint Major;
    public uint Minor;
    public uint Micro;
}

/// <summary>A scmp_filter_ctx; released with seccomp_release, which does not unload a loaded filter.</summary>
internal sealed class SafeSeccompFilter : SafeHandle
{
    public SafeSeccompFilter() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        Libseccomp.Release(handle);
        return true;
    }
}
