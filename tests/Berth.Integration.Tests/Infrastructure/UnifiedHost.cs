namespace Berth.Integration.Tests.Infrastructure;

/// <summary>
/// berth-runtime on this hybrid host as if the host had cgroup2 only: each invocation runs in a private mount
/// namespace where the host's cgroup2 tree is mounted on /sys/fs/cgroup (the trick crun's benchmarks need here
/// too), so the runtime picks its cgroup v2 manager. Tests using it need <c>RootFact(NeedsHybridCgroup2 = true)</c>.
/// </summary>
public static class UnifiedHost
{
    /// <summary><c>[wrapper] berth-runtime --root &lt;sandbox root&gt; args...</c> with /sys/fs/cgroup showing the cgroup2 tree only.</summary>
    public static RunResult Rt(Sandbox sb, IReadOnlyList<string> args, string? wrapper = null)
    {
        string[] runtime = wrapper is null ? [Runtime.BinaryPath] : [wrapper, Runtime.BinaryPath];
        return Runtime.Command("/usr/bin/unshare",
            ["-m", "/bin/sh", "-c", "mount -t cgroup2 none /sys/fs/cgroup && exec \"$@\"", "sh", .. runtime, "--root", sb.Root, .. args], sb.Dir);
    }

    /// <summary>Removes the v2 directories the containers of a test that failed midway may have left.</summary>
    public static void RemoveCgroups(IEnumerable<Container> containers)
    {
        foreach (var c in containers)
        {
            string dir = Path.Combine("/sys/fs/cgroup/unified", c.CgroupName);
            try { if (Directory.Exists(dir)) Directory.Delete(dir); } catch (IOException) { }
        }
    }
}
