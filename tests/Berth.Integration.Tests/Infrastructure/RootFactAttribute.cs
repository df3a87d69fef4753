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

    public override string? Skip
    {
        get => _skip ?? Runtime.SkipReason
            ?? (NeedsCallerWithoutCapSysResource && Runtime.CallerHasCapability(24) ? "this process has CAP_SYS_RESOURCE, so any rlimit can be raised" : null);
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
