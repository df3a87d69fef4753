using System.Text;
using System.Text.Json;
using Berth.Cli.Api;

namespace Berth.Cli.Output;

/// <summary>
/// Shows a progress stream (pull, push, load, import) as docker does. On a terminal, each message with an id
/// and a progressDetail owns one line that is redrawn in place (cursor up, clear, write, cursor down);
/// anything else is printed below and starts a new group. Elsewhere, one plain line per status change: messages
/// that carry byte counts are skipped. An errorDetail ends the stream with its message.
/// </summary>
public sealed class ProgressDisplay(TextWriter output, bool terminal, int width)
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    /// <summary>Called with each aux payload (push's digest result).</summary>
    public Action<JsonElement>? OnAux { get; init; }

    public async Task RunAsync(Stream stream, CancellationToken ct = default)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0) continue;
            JsonMessage? m;
            try { m = JsonSerializer.Deserialize(line, CliJsonContext.Default.JsonMessage); }
            catch (JsonException) { continue; }
            if (m is not null) Show(m);
        }
        await output.FlushAsync(ct);
    }

    public void Show(JsonMessage m)
    {
        if (m.ErrorDetail is { } err) throw new CliException(err.Message ?? m.Error ?? "unknown error");
        if (m.Aux is { } aux)
        {
            OnAux?.Invoke(aux);
            return;
        }
        int diff = 0;
        bool inPlace = m.Id is not null && m.ProgressDetail is not null;
        if (inPlace)
        {
            if (!_lines.TryGetValue(m.Id!, out int line))
            {
                line = _lines.Count;
                _lines[m.Id!] = line;
                if (terminal) output.Write('\n');
            }
            diff = _lines.Count - line;
            if (terminal) output.Write($"\u001b[{diff}A");
        }
        else _lines.Clear();
        Display(m);
        if (m.Id is not null && terminal && inPlace) output.Write($"\u001b[{diff}B");
    }

    private void Display(JsonMessage m)
    {
        string bar = m.ProgressDetail is { } p ? Bar(p, width) : "";
        string endl = "";
        if (terminal && m.Stream is null && m.ProgressDetail is not null)
        {
            output.Write("\u001b[2K\r");
            endl = "\r";
        }
        else if (bar.Length > 0) return; // no bars off a terminal
        if (m.Id is not null) output.Write($"{m.Id}: ");
        if (m.ProgressDetail is not null && terminal) output.Write($"{m.Status} {bar}{endl}");
        else if (m.Stream is not null) output.Write(m.Stream + endl);
        else output.Write($"{m.Status}{endl}\n");
    }

    /// <summary>"[=====>      ]  1.2MB/4.5MB": the bar only on terminals wider than 110 columns, as docker.</summary>
    public static string Bar(ProgressDetail p, int width)
    {
        if (p.Current <= 0 && p.Total <= 0) return "";
        string current = Units.HumanSize(p.Current);
        if (p.Total <= 0) return $"{current,8}";
        string total = Units.HumanSize(p.Total);
        int percentage = Math.Min(50, (int)(p.Current * 100.0 / p.Total) / 2);
        string box = width > 110 ? "[" + new string('=', percentage) + (percentage < 50 ? ">" + new string(' ', 49 - percentage) : "") + "] " : "";
        string numbers = p.Current > p.Total ? $"{current,8}" : $"{current,8}/{total}";
        return box + numbers;
    }
}
