using Berth.Core;

namespace Berth.Runtime.Cli;

public enum LogFormat { Text, Json }

/// <summary>The global flags, typed. Unset strings are null: defaults (state root, log target) belong to the runtime.</summary>
public sealed class GlobalOptions
{
    public string? Root { get; internal set; }
    public string? Log { get; internal set; }
    public LogFormat LogFormat { get; internal set; }
    public bool Debug { get; internal set; }
    public bool SystemdCgroup { get; internal set; }

    /// <summary>"true", "false" or "auto" as given (already validated); null when absent, which means auto.</summary>
    public string? Rootless { get; internal set; }

    /// <summary>crun's <c>--cgroup-manager</c>, unvalidated: the cgroup layer owns the list of managers.</summary>
    public string? CgroupManager { get; internal set; }

    /// <summary>Print the version and exit 0; nothing else was parsed after the flags before the command.</summary>
    public bool Version { get; internal set; }

    /// <summary>Print <see cref="RuntimeArgs.Usage"/> for <see cref="ParsedArgs.Command"/> (null: the overview) and exit 0.</summary>
    public bool Help { get; internal set; }
}

/// <summary>A parsed command line. Flags are keyed by long name; bools are stored as "true"/"false".</summary>
public sealed class ParsedArgs
{
    private readonly Dictionary<string, List<string>> _flags;

    internal ParsedArgs(GlobalOptions globals, CommandSpec? spec, Dictionary<string, List<string>> flags, List<string> positionals)
    {
        Globals = globals;
        Spec = spec;
        _flags = flags;
        Flags = flags.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value, StringComparer.Ordinal);
        Positionals = positionals;
    }

    public GlobalOptions Globals { get; }

    /// <summary>The command's name; null for version or the help overview.</summary>
    public string? Command => Spec?.Name;

    public CommandSpec? Spec { get; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Flags { get; }
    public IReadOnlyList<string> Positionals { get; }

    /// <summary>True when the flag was given at all, even as <c>--detach=false</c>.</summary>
    public bool Has(string flag) => Lookup(flag) is not null;

    /// <summary>The last value given (runc keeps the last one for repeated scalar flags).</summary>
    public string? Get(string flag) => Lookup(flag) is { Count: > 0 } v ? v[^1] : null;

    public IReadOnlyList<string> GetAll(string flag) => Lookup(flag) ?? (IReadOnlyList<string>)[];

    public bool GetBool(string flag) => Get(flag) == "true";

    public int GetInt(string flag, int defaultValue)
    {
        long v = GetInt64(flag, defaultValue);
        if (v is < int.MinValue or > int.MaxValue)
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid value {GoSyntax.Quote(Get(flag)!)} for flag -{flag}: value out of range");
        return (int)v;
    }

    public long GetInt64(string flag, long defaultValue)
        => Get(flag) is { } s && GoSyntax.TryParseInt(s, out long v) ? v : defaultValue;

    public TimeSpan GetDuration(string flag, TimeSpan defaultValue)
        => Get(flag) is { } s && GoSyntax.TryParseDuration(s, out TimeSpan v) ? v : defaultValue;

    private List<string>? Lookup(string flag)
    {
        // Asking for a flag the command does not define is a bug in the caller, not user error:
        // fail loudly rather than quietly returning "absent" for a misspelt name.
        if (Spec is null) return null;
        FlagSpec f = Spec.FindFlag(flag)
            ?? throw new ArgumentException($"command '{Spec.Name}' has no flag --{flag}", nameof(flag));
        return _flags.GetValueOrDefault(f.Name);
    }
}
