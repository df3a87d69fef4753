using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Core;

namespace Berth.Api;

/// <summary>
/// The ?filters= argument of list, prune and events endpoints: {"key":{"value":true}} as the CLI sends it, or the
/// legacy {"key":["value"]}. Keys a route does not know are refused, as Docker does.
/// </summary>
public sealed partial class FilterArgs
{
    private readonly Dictionary<string, HashSet<string>> _values = new(StringComparer.Ordinal);

    public static FilterArgs Parse(string json, params string[] allowedKeys)
    {
        var f = new FilterArgs();
        if (json.Length == 0) return f;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new BerthException(ErrorKind.InvalidArgument, "invalid filter: not a JSON object");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (allowedKeys.Length > 0 && !allowedKeys.Contains(p.Name))
                    throw new BerthException(ErrorKind.InvalidArgument, $"invalid filter '{p.Name}'");
                var set = new HashSet<string>(StringComparer.Ordinal);
                if (p.Value.ValueKind == JsonValueKind.Object) foreach (var v in p.Value.EnumerateObject()) set.Add(v.Name);
                else if (p.Value.ValueKind == JsonValueKind.Array) foreach (var v in p.Value.EnumerateArray()) set.Add(v.GetString() ?? "");
                f._values[p.Name] = set;
            }
        }
        catch (JsonException e) { throw new BerthException(ErrorKind.InvalidArgument, $"invalid filter: {e.Message}"); }
        return f;
    }

    public bool Has(string key) => _values.ContainsKey(key);

    public IReadOnlyCollection<string> Values(string key) => _values.TryGetValue(key, out var set) ? set : [];

    /// <summary>No filter for the key, or the value is one of its values.</summary>
    public bool Accepts(string key, string value) => !_values.TryGetValue(key, out var set) || set.Contains(value);

    /// <summary>A boolean filter (dangling=true|false|1|0); null when absent. Two different values are refused.</summary>
    public bool? Bool(string key)
    {
        if (!_values.TryGetValue(key, out var set) || set.Count == 0) return null;
        var parsed = set.Select(v => v.ToLowerInvariant() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw new BerthException(ErrorKind.InvalidArgument, $"invalid filter '{key}={v}'"),
        }).Distinct().ToList();
        return parsed.Count == 1 ? parsed[0] : throw new BerthException(ErrorKind.InvalidArgument, $"invalid filter '{key}': conflicting values");
    }

    /// <summary>
    /// A time as the daemon reads filter and query times: Unix seconds (with a fraction), RFC 3339 or a date,
    /// or a Go duration ("24h", "1h30m") meaning that long before <paramref name="now"/>.
    /// </summary>
    public static DateTimeOffset ParseTime(string s, DateTimeOffset now)
    {
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double secs))
            return DateTimeOffset.UnixEpoch.AddSeconds(secs);
        if (GoDuration(s) is { } ago) return now - ago;
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
            : throw new BerthException(ErrorKind.InvalidArgument, $"invalid time \"{s}\"");
    }

    private static TimeSpan? GoDuration(string s)
    {
        var m = DurationPattern().Match(s);
        if (!m.Success) return null;
        var total = TimeSpan.Zero;
        foreach (Capture c in m.Groups["part"].Captures)
        {
            var part = PartPattern().Match(c.Value);
            double n = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "s" => TimeSpan.FromSeconds(n),
                "ms" => TimeSpan.FromMilliseconds(n),
                "us" or "µs" => TimeSpan.FromMicroseconds(n),
                _ => TimeSpan.FromTicks((long)(n / 100)),
            };
        }
        return total;
    }

    [GeneratedRegex(@"^(?<part>[0-9]+(?:\.[0-9]+)?(?:h|ms|m|s|us|µs|ns))+$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(h|ms|m|s|us|µs|ns)$")]
    private static partial Regex PartPattern();
}
