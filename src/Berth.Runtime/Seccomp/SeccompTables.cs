namespace Berth.Runtime.Seccomp;

/// <summary>
/// The config.json seccomp names and the libseccomp values they stand for. Every value is checked
/// against /usr/include/seccomp.h and linux/audit.h by SeccompHeaderTests; the architectures that
/// libseccomp 2.5 lacks (LOONGARCH64, M68K, SH, SHEB) follow libseccomp 2.6's seccomp.h.in.
/// </summary>
public static class SeccompTables
{
    // include/seccomp.h: SCMP_ACT_*
    public const uint ActKillProcess = 0x80000000;
    public const uint ActKillThread = 0x00000000;
    public const uint ActTrap = 0x00030000;
    public const uint ActErrnoBase = 0x00050000;
    public const uint ActNotify = 0x7fc00000;
    public const uint ActTraceBase = 0x7ff00000;
    public const uint ActLog = 0x7ffc0000;
    public const uint ActAllow = 0x7fff0000;

    /// <summary>SECCOMP_RET_DATA: ERRNO and TRACE carry 16 bits of data.</summary>
    public const uint ActDataMask = 0x0000ffff;

    /// <summary>EPERM: runc's and the spec's errno when errnoRet is not given.</summary>
    public const uint DefaultErrnoRet = 1;

    /// <summary>Linux system calls have at most six arguments.</summary>
    public const uint MaxArgs = 6;

    private const uint Arch64 = 0x80000000, ArchLe = 0x40000000, ArchMipsN32 = 0x20000000;

    /// <summary>The action names of runtime-spec; ERRNO and TRACE are shown with errno 0.</summary>
    public static readonly IReadOnlyDictionary<string, uint> Actions = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["SCMP_ACT_KILL"] = ActKillThread, // SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD
        ["SCMP_ACT_KILL_PROCESS"] = ActKillProcess,
        ["SCMP_ACT_KILL_THREAD"] = ActKillThread,
        ["SCMP_ACT_TRAP"] = ActTrap,
        ["SCMP_ACT_ERRNO"] = ActErrnoBase,
        ["SCMP_ACT_TRACE"] = ActTraceBase,
        ["SCMP_ACT_ALLOW"] = ActAllow,
        ["SCMP_ACT_LOG"] = ActLog,
        ["SCMP_ACT_NOTIFY"] = ActNotify,
    };

    /// <summary>enum scmp_compare.</summary>
    public static readonly IReadOnlyDictionary<string, uint> Operators = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["SCMP_CMP_NE"] = 1,
        ["SCMP_CMP_LT"] = 2,
        ["SCMP_CMP_LE"] = 3,
        ["SCMP_CMP_EQ"] = 4,
        ["SCMP_CMP_GE"] = 5,
        ["SCMP_CMP_GT"] = 6,
        ["SCMP_CMP_MASKED_EQ"] = 7,
    };

    /// <summary>SCMP_ARCH_* tokens: AUDIT_ARCH_* values, except X32, which libseccomp makes distinct from X86_64.</summary>
    public static readonly IReadOnlyDictionary<string, uint> Architectures = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["SCMP_ARCH_X86"] = 3 | ArchLe,                            // EM_386
        ["SCMP_ARCH_X86_64"] = 62 | Arch64 | ArchLe,               // EM_X86_64
        ["SCMP_ARCH_X32"] = 62 | ArchLe,
        ["SCMP_ARCH_ARM"] = 40 | ArchLe,                           // EM_ARM
        ["SCMP_ARCH_AARCH64"] = 183 | Arch64 | ArchLe,             // EM_AARCH64
        ["SCMP_ARCH_MIPS"] = 8,                                    // EM_MIPS
        ["SCMP_ARCH_MIPS64"] = 8 | Arch64,
        ["SCMP_ARCH_MIPS64N32"] = 8 | Arch64 | ArchMipsN32,
        ["SCMP_ARCH_MIPSEL"] = 8 | ArchLe,
        ["SCMP_ARCH_MIPSEL64"] = 8 | Arch64 | ArchLe,
        ["SCMP_ARCH_MIPSEL64N32"] = 8 | Arch64 | ArchLe | ArchMipsN32,
        ["SCMP_ARCH_PPC"] = 20,                                    // EM_PPC
        ["SCMP_ARCH_PPC64"] = 21 | Arch64,                         // EM_PPC64
        ["SCMP_ARCH_PPC64LE"] = 21 | Arch64 | ArchLe,
        ["SCMP_ARCH_S390"] = 22,                                   // EM_S390
        ["SCMP_ARCH_S390X"] = 22 | Arch64,
        ["SCMP_ARCH_PARISC"] = 15,                                 // EM_PARISC
        ["SCMP_ARCH_PARISC64"] = 15 | Arch64,
        ["SCMP_ARCH_RISCV64"] = 243 | Arch64 | ArchLe,             // EM_RISCV
        ["SCMP_ARCH_LOONGARCH64"] = 258 | Arch64 | ArchLe,         // EM_LOONGARCH (libseccomp 2.6)
        ["SCMP_ARCH_M68K"] = 4,                                    // EM_68K (libseccomp 2.6)
        ["SCMP_ARCH_SH"] = 42 | ArchLe,                            // AUDIT_ARCH_SHEL (libseccomp 2.6)
        ["SCMP_ARCH_SHEB"] = 42,                                   // AUDIT_ARCH_SH (libseccomp 2.6)
    };

    public const string FlagTsync = "SECCOMP_FILTER_FLAG_TSYNC";
    public const string FlagLog = "SECCOMP_FILTER_FLAG_LOG";
    public const string FlagSpecAllow = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
    public const string FlagWaitKillableRecv = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";

    /// <summary>The runtime-spec flags, in runc's order.</summary>
    public static readonly IReadOnlyList<string> Flags = [FlagTsync, FlagSpecAllow, FlagLog, FlagWaitKillableRecv];

    /// <summary>
    /// The libseccomp attribute that sets a flag, or null for TSYNC: it is accepted and ignored, as runc
    /// ignores it. Only the thread that calls execve keeps the filter; the others die at execve.
    /// </summary>
    internal static ScmpFilterAttr? FlagAttribute(string flag) => flag switch
    {
        FlagLog => ScmpFilterAttr.CtlLog,
        FlagSpecAllow => ScmpFilterAttr.CtlSsb,
        FlagWaitKillableRecv => ScmpFilterAttr.CtlWaitKill,
        _ => null,
    };

    /// <summary>SCMP_ACT_ERRNO(errno) and SCMP_ACT_TRACE(msg) take a value; no other action does.</summary>
    public static bool TakesErrno(string action) => action is "SCMP_ACT_ERRNO" or "SCMP_ACT_TRACE";
}
