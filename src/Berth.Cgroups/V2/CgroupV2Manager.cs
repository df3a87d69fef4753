using Berth.Cgroups.V2.Devices;
using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.V2;

/// <summary>The cgroupfs driver for a unified (v2-only) host: one directory, every controller in it (runc fs2.Manager).</summary>
internal sealed class CgroupV2Manager : ICgroupManager
{
    private readonly string _root;
    private readonly CgroupDirectory _dir;
    private readonly IDevicePrograms _devicePrograms;

    public CgroupV2Manager(CgroupPath path, string root, string directory, IDevicePrograms devicePrograms)
    {
        _devicePrograms = devicePrograms;
        Path = path.ToString();
        _root = root;
        _dir = new CgroupDirectory(directory);
        Paths = new Dictionary<string, string>(StringComparer.Ordinal) { ["unified"] = directory };
    }

    /// <summary>
    /// Absolute paths hang from the root. Relative ones hang from the parent of our own cgroup: ours most likely
    /// has processes, and the no-internal-processes rule would stop us enabling controllers for its children.
    /// </summary>
    public static CgroupV2Manager Open(CgroupPath path, CgroupFs fs)
    {
        string parent = "/";
        if (!path.IsAbsolute)
        {
            ProcCgroupEntry own = fs.ReadSelfCgroup().FirstOrDefault(e => e.IsV2)
                ?? throw new BerthException(ErrorKind.FailedPrecondition, $"no \"0::\" line in {fs.SelfCgroupPath}");
            parent = System.IO.Path.GetDirectoryName(own.Path) ?? "/";
        }
        return new CgroupV2Manager(path, fs.Root, System.IO.Path.Join(fs.Root, parent, path.Inner), fs.DevicePrograms);
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, string> Paths { get; }
    public IReadOnlyList<CgroupEntry> Entries => [new CgroupEntry(_dir.Path, IsV2: true, BestEffort: false)];

    /// <summary>mkdir each level, enabling every available controller in each ancestor's cgroup.subtree_control.</summary>
    public void Create()
    {
        string[] controllers = ReadControllers(new CgroupDirectory(_root));
        string enable = string.Join(' ', controllers.Select(c => "+" + c));
        string current = _root;
        foreach (string part in System.IO.Path.GetRelativePath(_root, _dir.Path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            EnableControllers(new CgroupDirectory(current), enable, controllers);
            current = System.IO.Path.Join(current, part);
            CgroupTree.CreateDirectory(current);
        }
    }

    /// <summary>All at once, else one by one: a controller that cannot be enabled here simply stays off (runc does the same).</summary>
    private static void EnableControllers(CgroupDirectory dir, string all, string[] controllers)
    {
        if (controllers.Length == 0) return;
        try
        {
            dir.Write("cgroup.subtree_control", all);
        }
        catch (BerthException)
        {
            foreach (string c in controllers)
            {
                try { dir.Write("cgroup.subtree_control", "+" + c); }
                catch (BerthException) { /* stays disabled; Apply reports it if a limit needs it */ }
            }
        }
    }

    private static string[] ReadControllers(CgroupDirectory dir) =>
        (dir.TryRead("cgroup.controllers") ?? "").Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);

    public void AddProcess(int pid) => ProcsWriter.Add(_dir, pid);

    public void Apply(LinuxResources? r)
    {
        if (r is null) return;
        if (NetworkRequested(r.Network))
            throw new BerthException(ErrorKind.FailedPrecondition, "network classID/priorities need the v1 net_cls/net_prio controllers, which cgroup v2 does not have");

        // Check every needed controller before the first write, so a refusal leaves nothing half-applied.
        HashSet<string>? enabled = _dir.Exists ? [.. ReadControllers(_dir)] : null;
        Require(enabled, PidsController.IsSet(r.Pids), "pids", "a pids limit");
        Require(enabled, MemoryV2.IsSet(r.Memory), "memory", "memory limits");
        Require(enabled, IoV2.IsSet(r.BlockIO), "io", "block I/O limits");
        Require(enabled, CpuV2.IsSet(r.Cpu), "cpu", "cpu limits");
        Require(enabled, CpusetV2.IsSet(r.Cpu), "cpuset", "cpuset.cpus/mems");
        Require(enabled, HugetlbV2.IsSet(r.HugepageLimits), "hugetlb", "hugepage limits");
        Require(enabled, RdmaController.IsSet(r.Rdma), "rdma", "rdma limits");
        // v2 has no devices controller: the rules become an eBPF program, compiled (and so validated) before any write.
        var devices = r.Devices is null ? null : DeviceProgram.Compile(r.Devices);
        if (devices is not null) _devicePrograms.Replace(_dir.Path, devices);

        // runc's order
        if (PidsController.IsSet(r.Pids)) PidsController.Apply(r.Pids!, _dir);
        if (MemoryV2.IsSet(r.Memory)) MemoryV2.Apply(r.Memory!, _dir);
        if (IoV2.IsSet(r.BlockIO)) IoV2.Apply(r.BlockIO!, _dir);
        if (CpuV2.IsSet(r.Cpu)) CpuV2.Apply(r.Cpu!, _dir);
        if (CpusetV2.IsSet(r.Cpu)) CpusetV2.Apply(r.Cpu!, _dir);
        if (HugetlbV2.IsSet(r.HugepageLimits)) HugetlbV2.Apply(r.HugepageLimits!, _dir);
        if (RdmaController.IsSet(r.Rdma)) RdmaController.Apply(r.Rdma!, _dir);
        if (r.Unified is { Count: > 0 }) UnifiedV2.Apply(r.Unified, _dir);
    }

    private static bool NetworkRequested(LinuxNetwork? n) => n is not null && (n.ClassID is not null and not 0 || n.Priorities is { Count: > 0 });

    private void Require(HashSet<string>? enabled, bool needed, string controller, string what)
    {
        if (!needed || enabled is null || enabled.Contains(controller)) return;
        throw new BerthException(ErrorKind.FailedPrecondition,
            $"{what} requested, but the cgroup v2 \"{controller}\" controller is not enabled for {_dir.Path} (available: \"{string.Join(' ', enabled)}\")");
    }

    public void Freeze(bool frozen) => FreezerV2.Set(_dir, frozen);

    public bool IsFrozen() => _dir.Exists && FreezerV2.IsFrozen(_dir);

    public IReadOnlyList<int> GetPids() => CgroupTree.ReadProcsRecursive(_dir.Path);

    public CgroupStats GetStats()
    {
        var stats = new CgroupStats();
        if (!_dir.Exists) return stats;
        CpuV2.ReadStats(_dir, stats.Cpu);
        MemoryV2.ReadStats(_dir, stats.Memory);
        PidsController.ReadStats(_dir, stats.Pids);
        IoV2.ReadStats(_dir, stats.Blkio);
        HugetlbV2.ReadStats(_dir, stats.Hugetlb);
        return stats;
    }

    public void Remove() => CgroupTree.RemoveWithRetry([_dir.Path], [], KillAll);

    /// <summary>cgroup.kill (5.14+) kills the whole subtree atomically, racing no fork; older kernels get a pid walk.</summary>
    private void KillAll()
    {
        if (_dir.Has("cgroup.kill"))
        {
            try
            {
                _dir.Write("cgroup.kill", "1");
                return;
            }
            catch (BerthException)
            {
                // fall back to signalling each pid
            }
        }
        CgroupTree.Kill(GetPids());
    }
}
