using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Berth.Cli.Templates;

/// <summary>The functions docker adds to text/template (json, join, split, upper, lower, title, pad, truncate) and Go's own few.</summary>
internal static class TemplateFunctions
{
    private delegate object? Fn(IReadOnlyList<object?> args);

    private static readonly Dictionary<string, (int Min, int Max, Fn Call)> Table = new(StringComparer.Ordinal)
    {
        ["json"] = (1, 1, a => TemplateValues.Json(a[0])),
        ["join"] = (2, 2, a => string.Join(TemplateValues.AsString(a[1]), TemplateValues.Items(a[0]).Select(TemplateValues.AsString))),
        ["split"] = (2, 2, a => TemplateValues.AsString(a[0]).Split(TemplateValues.AsString(a[1])).Select(s => (object?)s).ToList()),
        ["upper"] = (1, 1, a => TemplateValues.AsString(a[0]).ToUpperInvariant()),
        ["lower"] = (1, 1, a => TemplateValues.AsString(a[0]).ToLowerInvariant()),
        ["title"] = (1, 1, a => Title(TemplateValues.AsString(a[0]))),
        ["pad"] = (3, 3, a => new string(' ', (int)Int(a[1])) + TemplateValues.AsString(a[0]) + new string(' ', (int)Int(a[2]))),
        ["truncate"] = (2, 2, a => TemplateValues.AsString(a[0]) is var s && s.Length > Int(a[1]) ? s[..(int)Int(a[1])] : TemplateValues.AsString(a[0])),
        ["len"] = (1, 1, a => Len(a[0])),
        ["index"] = (2, int.MaxValue, Index),
        ["print"] = (0, int.MaxValue, a => Print(a, newline: false)),
        ["println"] = (0, int.MaxValue, a => Print(a, newline: true)),
        ["eq"] = (2, int.MaxValue, a => a.Skip(1).Any(b => TemplateValues.Equal(a[0], b))),
        ["ne"] = (2, 2, a => !TemplateValues.Equal(a[0], a[1])),
        ["not"] = (1, 1, a => !TemplateValues.Truth(a[0])),
        ["and"] = (1, int.MaxValue, a => a.FirstOrDefault(x => !TemplateValues.Truth(x), a[^1])),
        ["or"] = (1, int.MaxValue, a => a.FirstOrDefault(TemplateValues.Truth, a[^1])),
    };

    public static bool Exists(string name) => Table.ContainsKey(name);

    public static object? Call(string name, IReadOnlyList<object?> args)
    {
        var (min, max, call) = Table[name];
        if (args.Count < min || args.Count > max)
            throw new TemplateException($"wrong number of args for {name}: want {(min == max ? min.ToString(CultureInfo.InvariantCulture) : $"at least {min}")} got {args.Count}", parsing: false);
        return call(args);
    }

    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool start = true;
        foreach (char c in s)
        {
            sb.Append(start && char.IsLetter(c) ? char.ToUpperInvariant(c) : c);
            start = !char.IsLetterOrDigit(c);
        }
        return sb.ToString();
    }

    private static long Int(object? v) => v switch
    {
        long l => l,
        double d => (long)d,
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetInt64(),
        _ => throw new TemplateException($"expected an integer; found {TemplateValues.Print(v)}", parsing: false),
    };

    private static long Len(object? v) => v switch
    {
        string s => s.Length,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!.Length,
        JsonElement { ValueKind: JsonValueKind.Array } e => e.GetArrayLength(),
        JsonElement { ValueKind: JsonValueKind.Object } e => e.EnumerateObject().Count(),
        IEnumerable<object?> list => list.Count(),
        _ => throw new TemplateException($"len of type {TemplateValues.Print(v)}", parsing: false),
    };

    private static object? Index(IReadOnlyList<object?> a)
    {
        object? v = a[0];
        foreach (object? key in a.Skip(1))
        {
            v = v switch
            {
                JsonElement { ValueKind: JsonValueKind.Object } e => e.TryGetProperty(TemplateValues.AsString(key), out var p) ? p : NoValue.Instance,
                JsonElement { ValueKind: JsonValueKind.Array } e => Int(key) is var i && i >= 0 && i < e.GetArrayLength() ? e[(int)i]
                    : throw new TemplateException($"error calling index: index out of range: {i}", parsing: false),
                IReadOnlyList<object?> list => Int(key) is var j && j >= 0 && j < list.Count ? list[(int)j]
                    : throw new TemplateException($"error calling index: index out of range: {j}", parsing: false),
                _ => throw new TemplateException($"error calling index: can't index item of type {TemplateValues.Print(v)}", parsing: false),
            };
        }
        return v;
    }

    /// <summary>fmt.Sprint: spaces only between operands when neither is a string; Sprintln always spaces.</summary>
    private static string Print(IReadOnlyList<object?> a, bool newline)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < a.Count; i++)
        {
            bool isString = a[i] is string or JsonElement { ValueKind: JsonValueKind.String };
            bool prevString = i > 0 && a[i - 1] is string or JsonElement { ValueKind: JsonValueKind.String };
            if (i > 0 && (newline || !isString && !prevString)) sb.Append(' ');
            sb.Append(TemplateValues.Print(a[i]));
        }
        if (newline) sb.Append('\n');
        return sb.ToString();
    }
}
