using System.Globalization;
using System.Text;

namespace Berth.Runtime.Cli;

/// <summary>
/// The value syntaxes runc's flag library accepts (Go's strconv and time.ParseDuration), so callers
/// written against runc see the same accept/reject decisions.
/// </summary>
internal static class GoSyntax
{
    /// <summary>strconv.ParseBool's exact set.</summary>
    public static bool TryParseBool(string s, out bool value)
    {
        switch (s)
        {
            case "1" or "t" or "T" or "true" or "TRUE" or "True": value = true; return true;
            case "0" or "f" or "F" or "false" or "FALSE" or "False": value = false; return true;
            default: value = false; return false;
        }
    }

    /// <summary>strconv.ParseInt(s, 0, 64): optional sign, then decimal, 0x, 0o, 0b or leading-0 octal.</summary>
    public static bool TryParseInt(string s, out long value)
    {
        value = 0;
        ReadOnlySpan<char> t = s;
        bool negative = false;
        if (t.Length > 0 && (t[0] == '+' || t[0] == '-')) { negative = t[0] == '-'; t = t[1..]; }
        int radix = 10;
        if (t.Length > 1 && t[0] == '0')
        {
            radix = char.ToLowerInvariant(t[1]) switch { 'x' => 16, 'b' => 2, _ => 8 };
            t = t[(char.ToLowerInvariant(t[1]) is 'x' or 'o' or 'b' ? 2 : 1)..];
        }
        if (t.IsEmpty) return false;
        ulong magnitude = 0;
        foreach (char c in t)
        {
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix) return false;
            if (magnitude > (ulong.MaxValue - (ulong)digit) / (ulong)radix) return false;
            magnitude = magnitude * (ulong)radix + (ulong)digit;
        }
        if (negative ? magnitude > (ulong)long.MaxValue + 1 : magnitude > long.MaxValue) return false;
        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    /// <summary>
    /// time.ParseDuration: "0", or a signed sequence of decimal numbers each with a unit
    /// (ns, us, µs, ms, s, m, h), e.g. "1h2m3.5s". Precision below 100 ns (one tick) is dropped.
    /// </summary>
    public static bool TryParseDuration(string s, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        ReadOnlySpan<char> t = s;
        bool negative = false;
        if (t.Length > 0 && (t[0] == '+' || t[0] == '-')) { negative = t[0] == '-'; t = t[1..]; }
        if (t is "0") return true;
        if (t.IsEmpty) return false;
        decimal totalNs = 0;
        while (!t.IsEmpty)
        {
            int n = 0;
            while (n < t.Length && (char.IsAsciiDigit(t[n]) || t[n] == '.')) n++;
            if (n == 0 || !decimal.TryParse(t[..n], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
                return false;
            t = t[n..];
            int u = 0;
            while (u < t.Length && !char.IsAsciiDigit(t[u]) && t[u] != '.') u++;
            decimal unitNs = t[..u] switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => -1m,
            };
            if (unitNs < 0) return false;
            t = t[u..];
            totalNs += number * unitNs;
            if (totalNs > long.MaxValue) return false;
        }
        long ticks = (long)(totalNs / 100m);
        value = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }

    /// <summary>Go's %q for the strings that appear in error messages (runc quotes user input this way).</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                case < ' ' or '\x7f': sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }
}
