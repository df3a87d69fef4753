namespace Berth.Runtime.Init;

/// <summary>The environment the user process gets, as runc builds it.</summary>
internal static class ProcessEnv
{
    /// <summary>Later entries override earlier ones with the same name (exec --env over the spec's); order of first appearance kept.</summary>
    public static List<string> Dedupe(IEnumerable<string> env)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (string entry in env)
        {
            int eq = entry.IndexOf('=');
            string name = eq < 0 ? entry : entry[..eq];
            if (index.TryGetValue(name, out int at)) result[at] = entry;
            else
            {
                index[name] = result.Count;
                result.Add(entry);
            }
        }
        return result;
    }

    /// <summary>HOME from the container's /etc/passwd when the spec does not set it ("/" when the user has no entry).</summary>
    public static List<string> WithHome(List<string> env, uint uid, string passwdPath = "/etc/passwd")
    {
        if (env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal))) return env;
        string home = "/";
        try
        {
            foreach (string line in File.ReadLines(passwdPath))
            {
                string[] f = line.Split(':');
                if (f.Length >= 7 && uint.TryParse(f[2], out uint u) && u == uid && f[5].Length > 0)
                {
                    home = f[5];
                    break;
                }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return [.. env, "HOME=" + home];
    }
}
