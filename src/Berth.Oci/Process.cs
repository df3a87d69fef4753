using System.Text.Json.Serialization;

namespace Berth.Oci;

/// <summary>
/// The container process (config.json "process", and the whole document of <c>exec --process</c>).
/// Go's omitempty bools and numbers are plain values here: false/0 means "not set", as in Go.
/// </summary>
public sealed class Process
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Terminal { get; set; }

    public Box? ConsoleSize { get; set; }
    public User User { get; set; } = new();
    public List<string>? Args { get; set; }

    /// <summary>Windows only; kept so that round-trips do not lose it.</summary>
    public string? CommandLine { get; set; }

    public List<string>? Env { get; set; }
    public string Cwd { get; set; } = "";
    public LinuxCapabilities? Capabilities { get; set; }
    public List<PosixRlimit>? Rlimits { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NoNewPrivileges { get; set; }

    public string? ApparmorProfile { get; set; }

    [JsonPropertyName("oomScoreAdj")]
    public int? OOMScoreAdj { get; set; }

    public Scheduler? Scheduler { get; set; }
    public string? SelinuxLabel { get; set; }

    [JsonPropertyName("ioPriority")]
    public LinuxIOPriority? IOPriority { get; set; }

    [JsonPropertyName("execCPUAffinity")]
    public CpuAffinity? ExecCPUAffinity { get; set; }
}

/// <summary>Console size in characters.</summary>
public sealed class Box
{
    public uint Height { get; set; }
    public uint Width { get; set; }
}

public sealed class User
{
    [JsonPropertyName("uid")]
    public uint UID { get; set; }

    [JsonPropertyName("gid")]
    public uint GID { get; set; }

    public uint? Umask { get; set; }
    public List<uint>? AdditionalGids { get; set; }

    /// <summary>Windows only.</summary>
    public string? Username { get; set; }
}

/// <summary>Capability names ("CAP_*") per set; a null set means empty.</summary>
public sealed class LinuxCapabilities
{
    public List<string>? Bounding { get; set; }
    public List<string>? Effective { get; set; }
    public List<string>? Inheritable { get; set; }
    public List<string>? Permitted { get; set; }
    public List<string>? Ambient { get; set; }
}

/// <summary>One setrlimit(2) call; <see cref="Type"/> is an "RLIMIT_*" name (see <see cref="Rlimits"/>).</summary>
public sealed class PosixRlimit
{
    public string Type { get; set; } = "";
    public ulong Hard { get; set; }
    public ulong Soft { get; set; }
}

/// <summary>ioprio_set(2) input; Class is "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE" or "IOPRIO_CLASS_IDLE".</summary>
public sealed class LinuxIOPriority
{
    public string Class { get; set; } = "";
    public int Priority { get; set; }
}

/// <summary>sched_setattr(2) input; Policy is a "SCHED_*" name, Flags are "SCHED_FLAG_*" names.</summary>
public sealed class Scheduler
{
    public string Policy { get; set; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Nice { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Priority { get; set; }

    public List<string>? Flags { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Runtime { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Deadline { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Period { get; set; }
}

/// <summary>CPU lists ("0-3,7") for exec'd processes: before and after joining the cgroup.</summary>
public sealed class CpuAffinity
{
    public string? Initial { get; set; }
    public string? Final { get; set; }
}
