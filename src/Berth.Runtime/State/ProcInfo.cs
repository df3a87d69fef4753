namespace Berth.Runtime.State;

/// <summary>Facts about a host process from /proc/&lt;pid&gt;/stat.</summary>
internal static class ProcInfo
{
    /// <summary>Returns (state letter, start time) or null when the process does not exist.</summary>
    public static (char State, ulong StartTime)? Read(int pid)
    {
        if (pid <= 0) return null;
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        // The command name may contain spaces and parentheses: fields start after the last ')'.
        int close = text.LastIndexOf(')');
        if (close < 0) return null;
        string[] f = text[(close + 2)..].Split(' ');
        // f[0] is field 3 (state); start time is field 22.
        return (f[0][0], ulong.Parse(f[19], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Alive and the same process we started (not a reused pid, not a zombie).</summary>
    public static bool IsAlive(int pid, ulong startTime) =>
        Read(pid) is { } s && s.StartTime == startTime && s.State is not ('Z' or 'X');
}
