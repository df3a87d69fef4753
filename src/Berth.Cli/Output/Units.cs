using System.Globalization;

namespace Berth.Cli.Output;

/// <summary>docker's human units (go-units): decimal sizes ("4.26MB") and coarse durations ("2 minutes").</summary>
public static class Units
{
    private static readonly string[] DecimalUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

    /// <summary>Size with <paramref name="precision"/> significant digits: 3 in tables, 4 in progress bars.</summary>
    public static string HumanSize(double size, int precision = 4)
    {
        int i = 0;
        while (size >= 1000 && i < DecimalUnits.Length - 1)
        {
            size /= 1000;
            i++;
        }
        string n = size.ToString("G" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            .Replace("E+", "e+", StringComparison.Ordinal).Replace("E-", "e-", StringComparison.Ordinal);
        return n + DecimalUnits[i];
    }

    public static string HumanDuration(TimeSpan d)
    {
        int seconds = (int)d.TotalSeconds;
        if (seconds < 1) return "Less than a second";
        if (seconds == 1) return "1 second";
        if (seconds < 60) return $"{seconds} seconds";
        int minutes = (int)d.TotalMinutes;
        if (minutes == 1) return "About a minute";
        if (minutes < 60) return $"{minutes} minutes";
        int hours = (int)(d.TotalHours + 0.5);
        if (hours == 1) return "About an hour";
        if (hours < 48) return $"{hours} hours";
        if (hours < 24 * 7 * 2) return $"{hours / 24} days";
        if (hours < 24 * 30 * 2) return $"{hours / 24 / 7} weeks";
        if (hours < 24 * 365 * 2) return $"{hours / 24 / 30} months";
        return $"{(int)d.TotalHours / 24 / 365} years";
    }

    /// <summary>"2 minutes ago" for a unix time, as docker's CREATED columns.</summary>
    public static string Ago(long unixSeconds, DateTimeOffset now) =>
        HumanDuration(now - DateTimeOffset.FromUnixTimeSeconds(unixSeconds)) + " ago";

    /// <summary>Go's time.Time.String() in local time: "2006-01-02 15:04:05 -0700 MST" (UTC shows "+0000 UTC").</summary>
    public static string GoTimeString(long unixSeconds)
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToLocalTime();
        string offset = (t.Offset < TimeSpan.Zero ? "-" : "+") + t.Offset.ToString("hhmm", CultureInfo.InvariantCulture);
        string zone = t.Offset == TimeSpan.Zero ? "UTC" : offset;
        return t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " " + offset + " " + zone;
    }

    /// <summary>RFC 3339 in local time, as Go's time.RFC3339 ("Z" for UTC).</summary>
    public static string Rfc3339(long unixSeconds)
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToLocalTime();
        return t.Offset == TimeSpan.Zero
            ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }

    /// <summary>docker's short id: the hex after "sha256:", 12 characters.</summary>
    public static string ShortId(string id)
    {
        int colon = id.IndexOf(':');
        string hex = colon >= 0 ? id[(colon + 1)..] : id;
        return hex.Length > 12 ? hex[..12] : hex;
    }

    /// <summary>Cut to <paramref name="max"/> characters ending in "…" (docker's formatter.Ellipsis).</summary>
    public static string Ellipsis(string s, int max)
    {
        if (s.Length <= max) return s;
        return max <= 1 ? s[..max] : s[..(max - 1)] + "…";
    }
}
