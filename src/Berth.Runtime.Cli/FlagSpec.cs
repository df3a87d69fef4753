namespace Berth.Runtime.Cli;

/// <summary>How a flag's value is read. Values are kept as the strings given; the kind decides validation.</summary>
public enum FlagKind
{
    /// <summary>Never consumes the next argument; <c>--f=true|false</c> sets it explicitly.</summary>
    Bool,
    String,
    /// <summary>Repeatable; each occurrence adds one value (no comma splitting, as runc disables it).</summary>
    StringList,
    /// <summary>A 64-bit integer in Go syntax (decimal, or 0x / 0o / 0b / leading-0 octal).</summary>
    Int,
    /// <summary>Repeatable integer (runc's <c>--additional-gids</c>).</summary>
    IntList,
    /// <summary>A Go duration such as <c>5s</c> or <c>1m30s</c> (runc's <c>events --interval</c>).</summary>
    Duration,
}

/// <summary>One flag: <c>--Name</c>, optionally <c>-Short</c>. Either may be written with one or two dashes.</summary>
public sealed class FlagSpec(string name, string? shortName, FlagKind kind, string help, bool hidden = false)
{
    public string Name { get; } = name;
    public string? Short { get; } = shortName;
    public FlagKind Kind { get; } = kind;
    public string Help { get; } = help;

    /// <summary>Accepted but left out of usage text (runc hides obsolete flags the same way).</summary>
    public bool Hidden { get; } = hidden;

    public bool TakesValue => Kind != FlagKind.Bool;
    public bool IsList => Kind is FlagKind.StringList or FlagKind.IntList;

    internal bool Matches(string name) => name == Name || (Short is not null && name == Short);

    public override string ToString() => Short is null ? $"--{Name}" : $"--{Name}, -{Short}";
}

/// <summary>One subcommand and the shape of its arguments.</summary>
public sealed class CommandSpec(
    string name, string argsUsage, string description, int minArgs, int maxArgs,
    IReadOnlyList<FlagSpec> flags, bool stopAfterPositional = false)
{
    public const int Unlimited = int.MaxValue;

    public string Name { get; } = name;

    /// <summary>The positional part of the usage line, e.g. <c>&lt;container-id&gt; [signal]</c>.</summary>
    public string ArgsUsage { get; } = argsUsage;

    public string Description { get; } = description;
    public int MinArgs { get; } = minArgs;
    public int MaxArgs { get; } = maxArgs;
    public IReadOnlyList<FlagSpec> Flags { get; } = flags;

    /// <summary>
    /// After the first positional everything is passed through untouched, so a container's argv
    /// (<c>exec t1 sh -c ...</c>), a signal (<c>kill t1 -9</c>) or ps(1) options keep their dashes.
    /// </summary>
    public bool StopAfterPositional { get; } = stopAfterPositional;

    public FlagSpec? FindFlag(string name)
    {
        foreach (FlagSpec f in Flags)
            if (f.Matches(name)) return f;
        return null;
    }

    public override string ToString() => Name;
}
