using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary>events: the daemon's event stream, replayed with --since/--until, filtered, printed as docker does.</summary>
internal static class EventCommands
{
    public static IEnumerable<CommandDef> Definitions =>
    [
        new("system events", ["events"], "", "Get real time events from the server", 0, 0,
            [FlagDef.List("filter", 'f', "Filter output based on conditions provided"),
             FlagDef.Str("format", null, "Format output using a custom template"),
             FlagDef.Str("since", null, "Show all events created since timestamp"),
             FlagDef.Str("until", null, "Stream events until this timestamp")], EventsAsync),
    ];

    private static async Task<int> EventsAsync(CommandContext ctx)
    {
        string? format = ctx.Flags.String("format");
        GoTemplate? template = string.IsNullOrEmpty(format) ? null : GoTemplate.Parse(format == "json" ? "{{json .}}" : format);
        var api = await ctx.ClientAsync();
        var now = DateTimeOffset.UtcNow;
        string query = ApiClient.Query(
            ("since", ctx.Flags.String("since") is { Length: > 0 } s ? EventTimes.ToApi(s, now) : null),
            ("until", ctx.Flags.String("until") is { Length: > 0 } u ? EventTimes.ToApi(u, now) : null),
            ("filters", Inputs.Filters(ctx.Flags.List("filter"))));
        using var r = await api.SendAsync(HttpMethod.Get, "/events" + query);
        using var reader = new StreamReader(await r.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0) continue;
            if (template is not null)
            {
                await ctx.Out.WriteLineAsync(template.Execute(JsonDocument.Parse(line).RootElement));
                continue;
            }
            var e = JsonSerializer.Deserialize(line, CliJsonContext.Default.EventMessage);
            if (e is not null) await ctx.Out.WriteLineAsync(EventTimes.Line(e));
        }
        return 0;
    }
}

/// <summary>docker events' time arguments and default line format.</summary>
internal static partial class EventTimes
{
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:([0-9.]+)(h|ms|m|s|us|ns))+$")]
    private static partial System.Text.RegularExpressions.Regex DurationPattern();

    /// <summary>A Go duration ("10m", "1h30m": that long ago), unix seconds, or an RFC 3339 / date-time, as the API's seconds.</summary>
    public static string ToApi(string value, DateTimeOffset now)
    {
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return value;
        if (GoDuration(value) is { } d) return (now - d).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var t))
            return t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        throw new CliException($"failed to parse value as time or duration: \"{value}\"");
    }

    private static TimeSpan? GoDuration(string s)
    {
        var m = DurationPattern().Match(s);
        if (!m.Success) return null;
        var total = TimeSpan.Zero;
        for (int i = 0; i < m.Groups[1].Captures.Count; i++)
        {
            double n = double.Parse(m.Groups[1].Captures[i].Value, CultureInfo.InvariantCulture);
            total += m.Groups[2].Captures[i].Value switch
            {
                "h" => TimeSpan.FromHours(n), "m" => TimeSpan.FromMinutes(n), "s" => TimeSpan.FromSeconds(n),
                "ms" => TimeSpan.FromMilliseconds(n), "us" => TimeSpan.FromMicroseconds(n), _ => TimeSpan.FromTicks((long)(n / 100)),
            };
        }
        return total;
    }

    /// <summary>"2024-05-01T10:00:00.123456789Z image pull busybox:latest (name=busybox)": time, type, action, actor, sorted attributes.</summary>
    public static string Line(EventMessage e)
    {
        var sb = new StringBuilder();
        if (e.TimeNano != 0) sb.Append(NanoTime(e.TimeNano)).Append(' ');
        else if (e.Time != 0) sb.Append(NanoTime(e.Time * 1_000_000_000)).Append(' ');
        sb.Append($"{e.Type} {e.Action} {e.Actor.ID}");
        if (e.Actor.Attributes is { Count: > 0 } attrs)
            sb.Append(" (").Append(string.Join(", ", attrs.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"))).Append(')');
        return sb.ToString();
    }

    /// <summary>Go's RFC3339NanoFixed in local time: nine fraction digits always.</summary>
    private static string NanoTime(long unixNanos)
    {
        long seconds = Math.DivRem(unixNanos, 1_000_000_000, out long nanos);
        var t = DateTimeOffset.FromUnixTimeSeconds(seconds).ToLocalTime();
        string zone = t.Offset == TimeSpan.Zero ? "Z" : t.ToString("zzz", CultureInfo.InvariantCulture);
        return t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + nanos.ToString("D9", CultureInfo.InvariantCulture) + zone;
    }
}
