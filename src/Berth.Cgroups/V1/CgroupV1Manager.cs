using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.V1;

/// <summary>
/// The cgroupfs driver for v1 and hybrid hosts: one directory per mounted hierarchy, limits written to the
/// hierarchy that owns each controller (runc fs.Manager).
/// </summary>
internal sealed class CgroupV1Manager : ICgroupManager
{
    private readonly List<V1Hierarchy> _hierarchies;
    private readonly bool _hybrid;

    public CgroupV1Manager(CgroupPath path, IReadOnlyList<V1Hierarchy> hierarchies, bool hybrid)
    {
        Path = path.ToString();
        _hierarchies = [.. hierarchies];
        _hybrid = hybrid;
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (V1Hierarchy h in _hierarchies)
            foreach (string controller in h.Controllers) paths[controller] = h.Directory.Path;
        Paths = paths;
        // The v2 tree of a hybrid host is the only "unified" hierarchy; every other one is v1.
        Entries = [.. _hierarchies.Select(h => h.Name == "unified"
            ? new CgroupEntry(h.Directory.Path, IsV2: true, h.BestEffort)
            : new CgroupEntry(System.IO.Path.Join(h.Directory.Path, "tasks"), IsV2: false, h.BestEffort))];
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, string> Paths { get; }
    public IReadOnlyList<CgroupEntry> Entries { get; }

    private V1Hierarchy? Find(string controller) => _hierarchies.FirstOrDefault(h => h.Controllers.Contains(controller));

    private CgroupDirectory? Dir(string controller) => Find(controller)?.Directory;

    public void Create()
    {
        foreach (V1Hierarchy h in _hierarchies)
        {
            try
            {
                if (h.Controllers.Contains("cpuset")) CpusetV1.CreateTree(h.MountPoint, h.Directory.Path);
                else CgroupTree.CreateDirectory(h.Directory.Path);
            }
            catch (BerthException) when (h.BestEffort)
            {
                // tracking only
            }
        }
    }

    public void AddProcess(int pid)
    {
        foreach (V1Hierarchy h in _hierarchies)
        {
            try
            {
                ProcsWriter.Add(h.Directory, pid);
            }
            catch (BerthException) when (h.BestEffort)
            {
                // tracking only
            }
        }
    }

    public void Apply(LinuxResources? r)
    {
        if (r is null) return;
        if (r.Unified is { Count: > 0 })
            throw new BerthException(ErrorKind.FailedPrecondition,
                "linux.resources.unified needs cgroup v2, but this host enforces limits through cgroup v1 controllers");

        // Check every needed controller before the first write, so a refusal leaves nothing half-applied.
        Require(CpusetV1.IsSet(r.Cpu), "cpuset", "cpuset.cpus/mems");
        Require(DevicesV1.IsSet(r.Devices), "devices", "device rules");
        Require(MemoryV1.IsSet(r.Memory), "memory", "memory limits");
        Require(CpuV1.IsSet(r.Cpu), "cpu", "cpu limits");
        Require(PidsController.IsSet(r.Pids), "pids", "a pids limit");
        Require(BlkioV1.IsSet(r.BlockIO), "blkio", "block I/O limits");
        Require(HugetlbV1.IsSet(r.HugepageLimits), "hugetlb", "hugepage limits");
        Require(NetworkV1.IsClassIdSet(r.Network), "net_cls", "a network class id");
        Require(NetworkV1.IsPrioritySet(r.Network), "net_prio", "network priorities");
        Require(RdmaController.IsSet(r.Rdma), "rdma", "rdma limits");

        // runc's subsystem order
        if (CpusetV1.IsSet(r.Cpu)) CpusetV1.Apply(r.Cpu!, Dir("cpuset")!);
        if (DevicesV1.IsSet(r.Devices)) DevicesV1.Apply(r.Devices!, Dir("devices")!);
        if (MemoryV1.IsSet(r.Memory)) MemoryV1.Apply(r.Memory!, Dir("memory")!);
        if (CpuV1.IsSet(r.Cpu)) CpuV1.Apply(r.Cpu!, Dir("cpu")!);
        if (PidsController.IsSet(r.Pids)) PidsController.Apply(r.Pids!, Dir("pids")!);
        if (BlkioV1.IsSet(r.BlockIO)) BlkioV1.Apply(r.BlockIO!, Dir("blkio")!);
        if (HugetlbV1.IsSet(r.HugepageLimits)) HugetlbV1.Apply(r.HugepageLimits!, Dir("hugetlb")!);
        if (NetworkV1.IsClassIdSet(r.Network)) NetworkV1.ApplyClassId(r.Network!, Dir("net_cls")!);
        if (NetworkV1.IsPrioritySet(r.Network)) NetworkV1.ApplyPriorities(r.Network!, Dir("net_prio")!);
        if (RdmaController.IsSet(r.Rdma)) RdmaController.Apply(r.Rdma!, Dir("rdma")!);
    }

    private void Require(bool needed, string controller, string what)
    {
        if (!needed || Dir(controller) is not null) return;
        string hint = _hybrid ? " (on this hybrid host only the v1 hierarchies enforce limits)" : "";
        throw new BerthException(ErrorKind.FailedPrecondition,
            $"{what} requested, but the cgroup v1 \"{controller}\" controller is not mounted on this host{hint}");
    }

    public void Freeze(bool frozen)
    {
        CgroupDirectory dir = Dir("freezer")
            ?? throw new BerthException(ErrorKind.FailedPrecondition, "cannot pause: the cgroup v1 \"freezer\" controller is not mounted on this host");
        if (frozen) FreezerV1.Freeze(dir);
        else FreezerV1.Thaw(dir);
    }

    public bool IsFrozen() => Dir("freezer") is { } dir && FreezerV1.IsFrozen(dir);

    /// <summary>Every hierarchy holds the same processes; read one that is always there.</summary>
    public IReadOnlyList<int> GetPids()
    {
        V1Hierarchy? source = Find("pids") ?? Find("memory") ?? Find("devices") ?? _hierarchies.FirstOrDefault(h => !h.BestEffort);
        return source is null ? [] : CgroupTree.ReadProcsRecursive(source.Directory.Path);
    }

    public CgroupStats GetStats()
    {
        var stats = new CgroupStats();
        if (Existing("cpuacct") is { } cpuacct) CpuacctV1.ReadStats(cpuacct, stats.Cpu.Usage);
        if (Existing("cpu") is { } cpu) CpuV1.ReadStats(cpu, stats.Cpu.Throttling);
        if (Existing("memory") is { } memory) MemoryV1.ReadStats(memory, stats.Memory);
        if (Existing("pids") is { } pids) PidsController.ReadStats(pids, stats.Pids);
        if (Existing("blkio") is { } blkio) BlkioV1.ReadStats(blkio, stats.Blkio);
        if (Existing("hugetlb") is { } hugetlb) HugetlbV1.ReadStats(hugetlb, stats.Hugetlb);
        return stats;
    }

    private CgroupDirectory? Existing(string controller) => Dir(controller) is { Exists: true } dir ? dir : null;

    public void Remove()
    {
        // Loops, not LINQ: NativeAOT resolves a generic LINQ operator over these types at its first call, at run time
        // (0.1 ms of every container).
        List<string> required = [], bestEffort = [];
        foreach (V1Hierarchy h in _hierarchies) (h.BestEffort ? bestEffort : required).Add(h.Directory.Path);
        CgroupTree.RemoveWithRetry(required, bestEffort, KillAll);
    }

    /// <summary>SIGKILL stays pending in a frozen cgroup, so thaw after signalling.</summary>
    private void KillAll()
    {
        CgroupTree.Kill(GetPids());
        if (Dir("freezer") is { Exists: true } freezer && FreezerV1.IsFrozen(freezer))
            FreezerV1.Thaw(freezer);
    }
}
