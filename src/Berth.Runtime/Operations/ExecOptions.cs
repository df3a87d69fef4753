using Berth.Oci;

namespace Berth.Runtime.Operations;

public sealed class ExecOptions
{
    /// <summary>The full process (the --process file's JSON); when null, the container's process with the fields below.</summary>
    public byte[]? ProcessJson { get; set; }
    public List<string> Args { get; set; } = [];
    public List<string> Env { get; set; } = [];
    public string? Cwd { get; set; }
    /// <summary>"uid[:gid]".</summary>
    public string? User { get; set; }
    public List<uint> AdditionalGids { get; set; } = [];
    public List<string> AddCaps { get; set; } = [];
    public bool Tty { get; set; }
    public bool NoNewPrivs { get; set; }
    public bool Detach { get; set; }
    public bool IgnorePaused { get; set; }
    public string? PidFile { get; set; }
    public string? ConsoleSocket { get; set; }
    public int PreserveFds { get; set; }
}
