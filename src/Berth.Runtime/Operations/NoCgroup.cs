using Berth.Cgroups;
using Berth.Core;
using Berth.Oci;

namespace Berth.Runtime.Operations;

/// <summary>
/// A rootless container without write access to any cgroup hierarchy, as runc allows when the spec
/// asks for no limits: the container is just its init process; operations that need a cgroup say so.
/// </summary>
internal sealed class NoCgroup(int initPid) : ICgroupManager
{
    public string Path => "";
    public IReadOnlyDictionary<string, string> Paths { get; } = new Dictionary<string, string>();
    public IReadOnlyList<CgroupEntry> Entries => [];
    public void Create() { }
    public void AddProcess(int pid) { }
    public void Remove() { }
    public bool IsFrozen() => false;
    public IReadOnlyList<int> GetPids() => [initPid];

    public void Apply(LinuxResources? resources)
    {
        if (HasLimits(resources)) throw Unavailable("resource limits");
    }

    public void Freeze(bool frozen) => throw Unavailable(frozen ? "pause" : "resume");

    public CgroupStats GetStats() => throw Unavailable("stats");

    /// <summary>Device rules alone are not limits a rootless container can be refused for: it cannot mknod anyway.</summary>
    public static bool HasLimits(LinuxResources? r) =>
        r is not null && (r.Memory is not null || r.Cpu is not null || r.Pids is not null || r.BlockIO is not null
            || r.HugepageLimits is { Count: > 0 } || r.Network is not null || r.Rdma is { Count: > 0 } || r.Unified is { Count: > 0 });

    private static BerthException Unavailable(string what) => new(ErrorKind.FailedPrecondition,
        $"{what} needs a cgroup, and this rootless container has none (no write access to the cgroup hierarchy)");
}
