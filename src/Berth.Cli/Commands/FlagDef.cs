namespace Berth.Cli.Commands;

public enum FlagType { Bool, String, StringList }

/// <summary>A pflag-style flag: <c>--name</c>, optional one-letter <c>-s</c>, with its help text and default.</summary>
public sealed record FlagDef(string Name, char? Short, FlagType Type, string Help, string? Default = null, bool Hidden = false)
{
    public static FlagDef Bool(string name, char? s, string help) => new(name, s, FlagType.Bool, help);
    public static FlagDef Str(string name, char? s, string help, string? def = null) => new(name, s, FlagType.String, help, def);
    public static FlagDef List(string name, char? s, string help) => new(name, s, FlagType.StringList, help);

    /// <summary>"  -q, --quiet           Only show image IDs" as cobra prints it.</summary>
    public string Left => (Short is { } c ? $"-{c}, " : "    ") + "--" + Name + Type switch
        {
            FlagType.String => " string",
            FlagType.StringList => " " + (Name == "filter" ? "filter" : "stringArray"),
            _ => "",
        };

    public string UsageLine(int width)
    {
        string def = Default is { Length: > 0 } d ? $" (default \"{d}\")" : "";
        // continuation lines of a multi-line help start under the first one
        string help = Help.Replace("\n", "\n" + new string(' ', width + 5), StringComparison.Ordinal);
        return "  " + Left.PadRight(width) + "   " + help + def;
    }
}

/// <summary>The flags a command line set: values as given, lists in order.</summary>
public sealed class ParsedFlags
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<FlagDef> _defs;

    public ParsedFlags(IReadOnlyList<FlagDef> defs) => _defs = defs;

    internal void Add(FlagDef f, string value)
    {
        if (!_values.TryGetValue(f.Name, out var list)) _values[f.Name] = list = [];
        if (f.Type != FlagType.StringList) list.Clear();
        list.Add(value);
    }

    public bool IsSet(string name) => _values.ContainsKey(name);

    public bool Bool(string name) => _values.TryGetValue(name, out var v) && v[^1] == "true";

    public string? String(string name) =>
        _values.TryGetValue(name, out var v) ? v[^1] : _defs.FirstOrDefault(d => d.Name == name)?.Default;

    public IReadOnlyList<string> List(string name) => _values.TryGetValue(name, out var v) ? v : [];
}
