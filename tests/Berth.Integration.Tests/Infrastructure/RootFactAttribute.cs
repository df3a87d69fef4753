namespace Berth.Integration.Tests.Infrastructure;

/// <summary>
/// A fact that needs root and a built berth-runtime binary; skipped with the reason otherwise.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    private string? _skip;

    /// <summary>
    /// Also skip when this process has CAP_SYS_RESOURCE: with it, rlimits above our own hard limit
    /// are allowed, so there is no failure to observe.
    /// </summary>
    public bool NeedsCallerWithoutCapSysResource { get; set; }

    /// <summary>Also skip unless the host has a hybrid layout's cgroup2 tree at /sys/fs/cgroup/unified.</summary>
    public bool NeedsHybridCgroup2 { get; set; }

    public override string? Skip
    {
        get => _skip ?? Runtime.SkipReason
            ?? (NeedsCallerWithoutCapSysResource && Runtime.CallerHasCapability(24) ? "this process has CAP_SYS_RESOURCE, so any rlimit can be raised" : null)
            ?? (NeedsHybridCgroup2 && !File.Exists("/sys/fs/cgroup/unified/cgroup.procs") ? "needs a cgroup2 tree at /sys/fs/cgroup/unified" : null);
        set => _skip = value;
    }
}

/// <summary>A theory with the same preconditions as <see cref="RootFactAttribute"/>.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    private string? _skip;

    public override string? Skip
    {
        get => _skip ?? Runtime.SkipReason;
        set => _skip = value;
    }
}
