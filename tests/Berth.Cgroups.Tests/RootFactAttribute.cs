namespace Berth.Cgroups.Tests;

/// <summary>A fact that needs root and a real cgroup v1 memory hierarchy; skipped elsewhere.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!IsEffectiveRoot())
            Skip = "needs root";
        else if (!Directory.Exists("/sys/fs/cgroup/memory") || !File.Exists("/sys/fs/cgroup/memory/cgroup.procs"))
            Skip = "needs a cgroup v1 memory hierarchy at /sys/fs/cgroup/memory";
    }

    // "Uid:\treal\teffective\t..." in /proc/self/status
    private static bool IsEffectiveRoot() =>
        File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            ?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is { Length: > 2 } f && f[2] == "0";
}
