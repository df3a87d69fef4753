namespace Berth.Integration.Tests.Infrastructure;

/// <summary>Looks for processes on the host, through /proc.</summary>
public static class HostProcesses
{
    /// <summary>
    /// Pids of processes that belong to a test: their cwd or executable lies under <paramref name="dir"/>,
    /// their command line mentions <paramref name="needle"/>, or they sit in a cgroup whose path ends
    /// with <paramref name="cgroupName"/>.
    /// </summary>
    public static List<int> Find(string dir, string needle, string cgroupName)
    {
        var found = new List<int>();
        foreach (string entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (Under(Link($"{entry}/cwd"), dir) || Under(Link($"{entry}/exe"), dir)
                    || File.ReadAllText($"{entry}/cmdline").Replace('\0', ' ').Contains(needle, StringComparison.Ordinal)
                    || File.ReadAllLines($"{entry}/cgroup").Any(l => l.EndsWith("/" + cgroupName, StringComparison.Ordinal)))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // gone meanwhile
        }
        return found;
    }

    public static string? Link(string path)
    {
        try { return new FileInfo(path).LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            // A zombie has exited; only its parent's wait is missing.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>The value of a "Name:\tvalue" line of /proc/PID/status as printed by a container.</summary>
    public static string StatusField(string statusText, string name) =>
        statusText.Split('\n').Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0] == name)
            .Select(p => p[1].Trim()).FirstOrDefault() ?? throw new Xunit.Sdk.XunitException($"no {name} line in:\n{statusText}");

    private static bool Under(string? path, string dir) =>
        path is not null && (path == dir || path.StartsWith(dir + "/", StringComparison.Ordinal));
}
