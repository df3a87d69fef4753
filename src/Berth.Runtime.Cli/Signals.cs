using Berth.Core;

namespace Berth.Runtime.Cli;

/// <summary>Linux x86_64 signal names and numbers, for <c>kill</c>'s signal argument.</summary>
public static class Signals
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    /// <summary>glibc's SIGRTMIN: 32 and 33 are taken by the C library's threading, so names start at 34.</summary>
    public const int RtMin = 34;
    public const int RtMax = 64;

    // Index = signal number; the first name is canonical, the rest are aliases.
    private static readonly string[][] Table =
    [
        [], ["HUP"], ["INT"], ["QUIT"], ["ILL"], ["TRAP"], ["ABRT", "IOT"], ["BUS"], ["FPE"], ["KILL"],
        ["USR1"], ["SEGV"], ["USR2"], ["PIPE"], ["ALRM"], ["TERM"], ["STKFLT"], ["CHLD", "CLD"], ["CONT"], ["STOP"],
        ["TSTP"], ["TTIN"], ["TTOU"], ["URG"], ["XCPU"], ["XFSZ"], ["VTALRM"], ["PROF"], ["WINCH"], ["IO", "POLL"],
        ["PWR"], ["SYS", "UNUSED"],
    ];

    /// <summary>
    /// A decimal number (1..64) or a name with or without "SIG", any case: "9", "KILL", "sigkill",
    /// "RTMIN", "RTMIN+3", "SIGRTMAX-1". Null or empty means SIGTERM, as runc's kill defaults.
    /// </summary>
    public static int Parse(string? s)
    {
        if (string.IsNullOrEmpty(s)) return SIGTERM;
        if (IsDigits(s))
            return int.TryParse(s, out int n) && n is >= 1 and <= RtMax ? n : throw Unknown(s);

        string name = s.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal)) name = name[3..];
        for (int sig = 1; sig < Table.Length; sig++)
            if (Array.IndexOf(Table[sig], name) >= 0) return sig;

        // RTMIN, RTMIN+n, RTMAX, RTMAX-n, staying inside 34..64.
        int offset = 0;
        if (name.StartsWith("RTMIN", StringComparison.Ordinal) && RtOffset(name.AsSpan(5), '+', out offset))
            return RtMin + offset;
        if (name.StartsWith("RTMAX", StringComparison.Ordinal) && RtOffset(name.AsSpan(5), '-', out offset))
            return RtMax - offset;
        throw Unknown(s);
    }

    /// <summary>"SIGKILL" for 9; real-time signals as bash's kill -l names them (SIGRTMIN+15, then SIGRTMAX-14).</summary>
    public static string Name(int signal) => signal switch
    {
        >= 1 and < 32 => "SIG" + Table[signal][0],
        32 or 33 => signal.ToString(System.Globalization.CultureInfo.InvariantCulture),   // reserved by glibc; no name
        RtMin => "SIGRTMIN",
        RtMax => "SIGRTMAX",
        > RtMin and <= RtMin + 15 => $"SIGRTMIN+{signal - RtMin}",
        > RtMin + 15 and < RtMax => $"SIGRTMAX-{RtMax - signal}",
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a Linux signal number"),
    };

    private static bool RtOffset(ReadOnlySpan<char> rest, char sign, out int offset)
    {
        offset = 0;
        if (rest.IsEmpty) return true;
        return rest[0] == sign && rest.Length > 1 && IsDigits(rest[1..])
            && int.TryParse(rest[1..], out offset) && offset <= RtMax - RtMin;
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
            if (!char.IsAsciiDigit(c)) return false;
        return !s.IsEmpty;
    }

    private static BerthException Unknown(string s) => new(ErrorKind.InvalidArgument, $"unknown signal {GoSyntax.Quote(s)}");
}
