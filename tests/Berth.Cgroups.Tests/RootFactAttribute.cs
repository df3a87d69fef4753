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

    /// <summary>Also skip unless a cgroup2 hierarchy is mounted (hybrid hosts have one at /sys/fs/cgroup/unified).</summary>
    public bool NeedsCgroup2
    {
        get => _needsCgroup2;
        init
        {
            _needsCgroup2 = value;
            if (value && Skip is null && Cgroup2Mount() is null) Skip = "needs a cgroup2 mount";
        }
    }

    private readonly bool _needsCgroup2;

    /// <summary>Where cgroup2 is mounted, from /proc/self/mounts, or null.</summary>
    public static string? Cgroup2Mount() =>
        File.ReadLines("/proc/self/mounts").Select(l => l.Split(' ')).FirstOrDefault(f => f.Length > 2 && f[2] == "cgroup2")?[1];

    // "Uid:\treal\teffective\t..." in /proc/self/status
    private static bool IsEffectiveRoot() =>
        File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            ?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is { Length: > 2 } f && f[2] == "0";
}
