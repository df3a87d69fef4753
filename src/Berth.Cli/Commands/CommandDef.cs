namespace Berth.Cli.Commands;

/// <summary>
/// One command: its full name ("image ls"), the other names that reach it ("images", "image list"), usage,
/// argument count, flags and handler. Groups ("image", "system"; later "container") are the first word.
/// </summary>
public sealed record CommandDef(
    string Name,
    string[] Aliases,
    string ArgsUsage,
    string Description,
    int MinArgs,
    int MaxArgs,
    FlagDef[] Flags,
    Func<CommandContext, Task<int>> Run)
{
    public const int Many = int.MaxValue;

    /// <summary>Whether this command appears in the top-level help (docker lists the short forms there).</summary>
    public bool TopLevel => Aliases.Any(a => !a.Contains(' ')) || !Name.Contains(' ');

    public string UsageLine(string invokedAs) =>
        $"Usage:  berth {invokedAs}{(Flags.Length > 0 ? " [OPTIONS]" : "")}{(ArgsUsage.Length > 0 ? " " + ArgsUsage : "")}";

    /// <summary>docker's wording for a wrong number of arguments.</summary>
    public string? CheckArgs(int count, string invokedAs)
    {
        string? problem =
            MinArgs == MaxArgs && count != MinArgs ? $"requires {Plural(MinArgs)}"
            : count < MinArgs ? $"requires at least {Plural(MinArgs)}"
            : count > MaxArgs ? $"requires at most {Plural(MaxArgs)}"
            : null;
        if (MinArgs == 0 && MaxArgs == 0 && count > 0) problem = "accepts no arguments";
        return problem is null ? null : $"'berth {invokedAs}' {problem}";
    }

    private static string Plural(int n) => n == 1 ? "1 argument" : $"{n} arguments";

    public string Help(string invokedAs)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append('\n').Append(UsageLine(invokedAs)).Append("\n\n").Append(Description).Append('\n');
        var aliases = new[] { Name }.Concat(Aliases).Where(a => a != invokedAs).Select(a => "berth " + a).ToList();
        if (aliases.Count > 0) sb.Append("\nAliases:\n  ").Append(string.Join(", ", aliases)).Append('\n');
        var visible = Flags.Where(f => !f.Hidden).ToList();
        if (visible.Count > 0)
        {
            int width = visible.Max(f => f.Left.Length);
            sb.Append("\nOptions:\n");
            foreach (var f in visible) sb.Append(f.UsageLine(width)).Append('\n');
        }
        return sb.ToString();
    }
}
