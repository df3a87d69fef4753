using System.Text;
using System.Text.Json;
using Berth.Cli.Templates;

namespace Berth.Cli.Output;

/// <summary>
/// docker's --format for lists: "table" (the default columns), "table TEMPLATE" (a header row, then tabwriter
/// alignment), "json" (one JSON object per line), or a bare template run once per row. In a format, the
/// two-character sequences \t and \n mean a tab and a newline, as docker reads them.
/// </summary>
public sealed class ListFormatter
{
    private readonly GoTemplate _template;
    private readonly bool _table;

    /// <param name="format">what the user gave (empty for the default)</param>
    /// <param name="defaultTable">the command's default, e.g. "table {{.Repository}}\t{{.Tag}}..."</param>
    /// <param name="strictType">the Go type docker names when a field does not exist</param>
    public ListFormatter(string? format, string defaultTable, string strictType)
    {
        string f = string.IsNullOrEmpty(format) || format == "table" ? defaultTable : format == "json" ? "{{json .}}" : format;
        _table = f.StartsWith("table", StringComparison.Ordinal);
        if (_table) f = f["table".Length..];
        f = f.Trim(' ').Replace("\\t", "\t", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal);
        _template = GoTemplate.Parse(f).WithStrictType(strictType);
    }

    public bool IsTable => _table;

    /// <summary>All rows, then (for tables) the aligned output with the header first.</summary>
    /// <param name="headers">a title for every field a row has ("" where docker shows none)</param>
    public string Render(IEnumerable<JsonElement> rows, IReadOnlyDictionary<string, string> headers)
    {
        var body = new StringBuilder();
        foreach (var row in rows)
        {
            body.Append(_template.Execute(row));
            body.Append('\n');
        }
        if (!_table) return body.ToString();
        string header;
        try { header = _template.WithStrictType(null).Execute(Row.From(headers)); }
        catch (TemplateException) { header = ""; }
        return TabWriter.Format(header + "\n" + body);
    }
}

/// <summary>Builds the flat objects a list template sees; keys sorted as Go marshals a map.</summary>
public static class Row
{
    public static JsonElement From(IEnumerable<KeyValuePair<string, string>> fields)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            foreach (var (k, v) in fields.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteString(k, v);
            w.WriteEndObject();
        }
        return JsonDocument.Parse(ms.ToArray()).RootElement.Clone();
    }
}
