using System.Text.Json.Serialization;

namespace Berth.Oci;

/// <summary>
/// A seccomp filter. Actions ("SCMP_ACT_*"), operators ("SCMP_CMP_*"), architectures ("SCMP_ARCH_*")
/// and flags ("SECCOMP_FILTER_FLAG_*") stay strings, as in config.json; see <see cref="SeccompNames"/>.
/// </summary>
public sealed class LinuxSeccomp
{
    public string DefaultAction { get; set; } = "";
    public uint? DefaultErrnoRet { get; set; }
    public List<string>? Architectures { get; set; }
    public List<string>? Flags { get; set; }

    /// <summary>Unix socket that receives the SCMP_ACT_NOTIFY listener fd.</summary>
    public string? ListenerPath { get; set; }

    public string? ListenerMetadata { get; set; }
    public List<LinuxSyscall>? Syscalls { get; set; }
}

/// <summary>A rule: when a syscall in Names matches all Args, take Action.</summary>
public sealed class LinuxSyscall
{
    public List<string> Names { get; set; } = [];
    public string Action { get; set; } = "";
    public uint? ErrnoRet { get; set; }
    public List<LinuxSeccompArg>? Args { get; set; }
}

/// <summary>Compare syscall argument Index with Value (and ValueTwo for SCMP_CMP_MASKED_EQ) using Op.</summary>
public sealed class LinuxSeccompArg
{
    public uint Index { get; set; }
    public ulong Value { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong ValueTwo { get; set; }

    public string Op { get; set; } = "";
}

/// <summary>The seccomp names the spec defines; the runtime rejects anything else.</summary>
public static class SeccompNames
{
    public static readonly IReadOnlyList<string> Actions =
    [
        "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
    ];

    public static readonly IReadOnlyList<string> Operators =
    [
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
    ];

    public static readonly IReadOnlyList<string> Flags =
    [
        "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    ];
}
