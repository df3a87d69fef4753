namespace Berth.Cgroups;

/// <summary>
/// One place where a new process puts itself into the container's cgroup while it still has a single thread
/// (the runtime's C stage, native/nsexec.c): a v1 hierarchy's "tasks" file, to which it writes "0", or the
/// cgroup2 directory it is cloned into (CLONE_INTO_CGROUP). Neither takes the kernel's global attach lock for
/// writing, which a pid written to cgroup.procs does, at the cost of an RCU grace period (5-10 ms here).
/// </summary>
/// <param name="Path">the v1 tasks file, or the cgroup2 directory</param>
/// <param name="IsV2">Path is a cgroup2 directory</param>
/// <param name="BestEffort">a hierarchy kept for tracking only: failing to join it is not an error</param>
public readonly record struct CgroupEntry(string Path, bool IsV2, bool BestEffort);
