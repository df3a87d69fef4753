using System.Text.Json;
using Berth.Cgroups;
using Berth.Core;
using Berth.Oci;
using Berth.Runtime.Hooks;
using Berth.Runtime.State;

namespace Berth.Runtime.Operations;

/// <summary>The OCI runtime as a library: one instance per --root.</summary>
public sealed partial class ContainerRuntime(string root)
{
    internal ContainerStore Store { get; } = new(root);
    private readonly CgroupFs _cgroupFs = new();

    /// <summary>Managers already made by this command: making one reads mountinfo and /proc/self/cgroup.</summary>
    private readonly Dictionary<(string Id, string Path), ICgroupManager> _cgroups = [];

    internal ICgroupManager CgroupOf(ContainerRecord r)
    {
        if (r.NoCgroup) return new NoCgroup(r.InitPid);
        if (!_cgroups.TryGetValue((r.Id, r.CgroupsPath), out var manager))
            _cgroups[(r.Id, r.CgroupsPath)] = manager = CgroupManagerFactory.Create(r.CgroupsPath, r.Id, _cgroupFs);
        return manager;
    }

    internal ContainerStatus StatusOf(ContainerRecord r)
    {
        if (!ProcInfo.IsAlive(r.InitPid, r.InitStartTime)) return ContainerStatus.Stopped;
        if (File.Exists(Store.FifoOf(r.Id))) return ContainerStatus.Created;
        try { if (CgroupOf(r).IsFrozen()) return ContainerStatus.Paused; }
        catch (Exception e) when (e is IOException or BerthException) { }
        return ContainerStatus.Running;
    }

    internal static ContainerState StateOf(ContainerRecord r, ContainerStatus status) => new()
    {
        OciVersion = DefaultSpec.OciVersion,
        Id = r.Id,
        Pid = status == ContainerStatus.Stopped ? 0 : r.InitPid,
        Status = status.ToOci(),
        Bundle = r.Bundle,
        Rootfs = r.Rootfs,
        Created = r.Created,
        Annotations = r.Annotations,
        Owner = r.Owner,
    };

    internal static string HookStateJson(ContainerRecord r, ContainerStatus status) =>
        JsonSerializer.Serialize(StateOf(r, status), OciJsonContext.Default.ContainerState);

    public ContainerState State(string id)
    {
        var r = Store.Load(id);
        return StateOf(r, StatusOf(r));
    }

    public IEnumerable<ContainerState> List() => Store.Ids().Select(id =>
    {
        try { return State(id); }
        catch (BerthException) { return null; }
    }).Where(s => s is not null).OrderBy(s => s!.Created)!;

    public void Start(string id)
    {
        var r = Store.Load(id);
        var status = StatusOf(r);
        if (!status.CanStart())
            throw new BerthException(ErrorKind.FailedPrecondition, status == ContainerStatus.Stopped
                ? "cannot start a container that has stopped"
                : $"cannot start an already {status.ToOci()} container");
        ExecFifo.Release(Store.FifoOf(id), r.InitPid);
        RunPoststart(r);
    }

    private void RunPoststart(ContainerRecord r)
    {
        if (r.HasPoststart && Store.LoadSpec(r.Id).Hooks?.Poststart is { Count: > 0 } poststart)
            HookRunner.RunAllWarnOnly(poststart, "poststart", HookStateJson(r, ContainerStatus.Running), RuntimeLog.Warn);
    }

    public void Kill(string id, int signal, bool all)
    {
        var r = Store.Load(id);
        var status = StatusOf(r);
        if (!status.CanKill()) throw new BerthException(ErrorKind.FailedPrecondition, "container not running");
        if (all)
        {
            foreach (int pid in CgroupOf(r).GetPids()) Interop.Libc.Kill(pid, signal);
        }
        else if (Interop.Libc.Kill(r.InitPid, signal) < 0)
            throw new BerthException(ErrorKind.FailedPrecondition, $"container not running: {Interop.ErrnoException.Describe(Interop.Check.LastErrno)}");
        // A frozen task only acts on SIGKILL once thawed: runc thaws a paused container it kills.
        if (status == ContainerStatus.Paused && signal == Interop.Libc.SIGKILL) CgroupOf(r).Freeze(false);
    }

    public void Delete(string id, bool force)
    {
        ContainerId.Validate(id);
        if (!Store.Exists(id))
        {
            // runc: a leftover directory is removed; without --force a missing container is an error.
            bool leftover = Directory.Exists(Store.DirOf(id));
            Store.Remove(id);
            if (!force && !leftover) throw new BerthException(ErrorKind.NotFound, "container does not exist");
            return;
        }
        ContainerRecord r;
        try { r = Store.Load(id); }
        catch (BerthException e) when (force && e.Kind == ErrorKind.Internal)
        {
            // Damaged state (state files are not fsync'd: a power loss can leave one empty). Nothing in it can be
            // trusted to find processes or cgroups by, so only the directory goes.
            RuntimeLog.Warn($"removing container {id} with unreadable state: {e.Message}");
            Store.Remove(id);
            return;
        }
        var status = StatusOf(r);
        if (status is ContainerStatus.Running or ContainerStatus.Paused && !force)
            throw new BerthException(ErrorKind.FailedPrecondition, $"cannot delete container {id} that is not stopped: {status.ToOci()}");
        if (status != ContainerStatus.Stopped) KillAndWait(r);
        Destroy(r);
    }

    public IReadOnlyList<int> Pids(string id)
    {
        var r = Store.Load(id);
        return StatusOf(r) == ContainerStatus.Stopped ? [] : CgroupOf(r).GetPids();
    }

    public void Pause(string id)
    {
        var r = Store.Load(id);
        var status = StatusOf(r);
        if (!status.CanPause()) throw new BerthException(ErrorKind.FailedPrecondition, status == ContainerStatus.Paused ? "container already paused" : "container not running");
        CgroupOf(r).Freeze(true);
    }

    public void Resume(string id)
    {
        var r = Store.Load(id);
        if (!StatusOf(r).CanResume()) throw new BerthException(ErrorKind.FailedPrecondition, "container not paused");
        CgroupOf(r).Freeze(false);
    }

    public void Update(string id, LinuxResources resources)
    {
        var r = Store.Load(id);
        if (StatusOf(r) == ContainerStatus.Stopped) throw new BerthException(ErrorKind.FailedPrecondition, "container not running");
        CgroupOf(r).Apply(resources);
        var spec = Store.LoadSpec(id);
        spec.Linux ??= new Linux();
        spec.Linux.Resources = Merge(spec.Linux.Resources, resources);
        Store.SaveSpec(id, OciJson.WriteUtf8(spec));
    }

    private static LinuxResources Merge(LinuxResources? old, LinuxResources update)
    {
        if (old is null) return update;
        old.Memory = update.Memory ?? old.Memory;
        old.Cpu = update.Cpu ?? old.Cpu;
        old.Pids = update.Pids ?? old.Pids;
        old.BlockIO = update.BlockIO ?? old.BlockIO;
        old.HugepageLimits = update.HugepageLimits ?? old.HugepageLimits;
        old.Unified = update.Unified ?? old.Unified;
        return old;
    }

    /// <summary>SIGKILL everything in the container and wait until init is gone.</summary>
    private void KillAndWait(ContainerRecord r)
    {
        var cgroup = CgroupOf(r);
        Interop.Libc.Kill(r.InitPid, Interop.Libc.SIGKILL);
        try
        {
            foreach (int pid in cgroup.GetPids()) Interop.Libc.Kill(pid, Interop.Libc.SIGKILL);
            if (cgroup.IsFrozen()) cgroup.Freeze(false); // frozen tasks only die once thawed
        }
        catch (Exception e) when (e is IOException or BerthException) { }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ProcInfo.IsAlive(r.InitPid, r.InitStartTime))
        {
            if (DateTime.UtcNow > deadline) throw new BerthException(ErrorKind.Internal, $"container init {r.InitPid} did not die after SIGKILL");
            Thread.Sleep(2);
        }
    }

    /// <summary>A damaged or missing saved spec must not stop a delete: the hooks are then skipped, with a warning.</summary>
    private List<Hook>? PoststopHooks(string id)
    {
        try { return Store.LoadSpec(id).Hooks?.Poststop; }
        catch (Exception e) when (e is IOException or BerthException)
        {
            RuntimeLog.Warn($"poststop hooks not run: {e.Message}");
            return null;
        }
    }

    private void Destroy(ContainerRecord r)
    {
        try { CgroupOf(r).Remove(); }
        catch (Exception e) when (e is IOException or BerthException) { RuntimeLog.Warn($"remove cgroup: {e.Message}"); }
        if (r.HasPoststop && PoststopHooks(r.Id) is { Count: > 0 } poststop)
            HookRunner.RunAllWarnOnly(poststop, "poststop", HookStateJson(r, ContainerStatus.Stopped), RuntimeLog.Warn);
        Store.Remove(r.Id);
    }
}
