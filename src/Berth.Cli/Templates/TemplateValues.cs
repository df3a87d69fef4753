using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Berth.Cli.Templates;

/// <summary>
/// Values a template works on: <see cref="JsonElement"/> (the data), string, long, double, bool, null and
/// lists (from split). Printed the way Go's fmt prints the decoded JSON: <c>[a b]</c>, <c>map[k:v]</c>, <c>&lt;nil&gt;</c>.
/// </summary>
internal static class TemplateValues
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Print(object? v) => v switch
    {
        null => "<nil>",
        NoValue => "<no value>",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        JsonElement e => Print(e),
        IEnumerable<object?> list => "[" + string.Join(' ', list.Select(Print)) + "]",
        _ => v.ToString() ?? "",
    };

    private static string Print(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Number => e.TryGetInt64(out long l) ? l.ToString(CultureInfo.InvariantCulture) : FormatFloat(e.GetDouble()),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null or JsonValueKind.Undefined => "<nil>",
        JsonValueKind.Array => "[" + string.Join(' ', e.EnumerateArray().Select(Print)) + "]",
        _ => "map[" + string.Join(' ', e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}:{Print(p.Value)}")) + "]",
    };

    private static string FormatFloat(double d)
    {
        string s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Replace("E+", "e+", StringComparison.Ordinal).Replace("E-", "e-", StringComparison.Ordinal);
    }

    /// <summary>Go's truth: false, 0, "", nil and empty collections are false.</summary>
    public static bool Truth(object? v) => v switch
    {
        null or NoValue => false,
        string s => s.Length > 0,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        JsonElement e => e.ValueKind switch
        {
            JsonValueKind.String => e.GetString()!.Length > 0,
            JsonValueKind.Number => e.GetDouble() != 0,
            JsonValueKind.True => true,
            JsonValueKind.Array => e.GetArrayLength() > 0,
            JsonValueKind.Object => e.EnumerateObject().Any(),
            _ => false,
        },
        IEnumerable<object?> list => list.Any(),
        _ => true,
    };

    /// <summary>The elements range visits: array items, or an object's values in key order (Go sorts map keys).</summary>
    public static IEnumerable<object?> Items(object? v) => v switch
    {
        JsonElement { ValueKind: JsonValueKind.Array } e => e.EnumerateArray().Select(x => (object?)x),
        JsonElement { ValueKind: JsonValueKind.Object } e => e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => (object?)p.Value),
        IEnumerable<object?> list when v is not string => list,
        null or NoValue or JsonElement { ValueKind: JsonValueKind.Null } => [],
        _ => throw new TemplateException($"range can't iterate over {Print(v)}", parsing: false),
    };

    /// <summary>
    /// docker's json function is Go's json.Marshal: &lt;, &gt; and &amp; inside strings become \u003c, \u003e and
    /// \u0026; other characters stay as they are. (Those three never occur outside strings in JSON.)
    /// </summary>
    public static string Json(object? v)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, JsonOptions)) Write(w, v);
        return Encoding.UTF8.GetString(ms.ToArray())
            .Replace("<", "\\u003c", StringComparison.Ordinal)
            .Replace(">", "\\u003e", StringComparison.Ordinal)
            .Replace("&", "\\u0026", StringComparison.Ordinal);
    }

    private static void Write(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null or NoValue: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: w.WriteNumberValue(d); break;
            case JsonElement e: e.WriteTo(w); break;
            case IEnumerable<object?> list:
                w.WriteStartArray();
                foreach (var x in list) Write(w, x);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(v.ToString()); break;
        }
    }

    public static string AsString(object? v) => v is JsonElement { ValueKind: JsonValueKind.String } e ? e.GetString()! : Print(v);

    public static bool Equal(object? a, object? b)
    {
        a = Scalar(a); b = Scalar(b);
        if (a is long la && b is double db) return la == db;
        if (a is double da && b is long lb) return da == lb;
        return Equals(a, b);
    }

    private static object? Scalar(object? v) => v switch
    {
        JsonElement e => e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.TryGetInt64(out long l) ? l : e.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            _ => e.GetRawText(),
        },
        _ => v,
    };
}

/// <summary>Go's "&lt;no value&gt;": a key missing from a map.</summary>
internal sealed class NoValue
{
    public static readonly NoValue Instance = new();
    private NoValue() { }
}
