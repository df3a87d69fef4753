using Berth.Oci;

namespace Berth.Cgroups;

/// <summary>One container's cgroup, across every hierarchy the host has.</summary>
public interface ICgroupManager
{
    /// <summary>The cleaned cgroupsPath: "/a/b" (from the hierarchy roots) or "a/b" (from our own cgroup).</summary>
    string Path { get; }

    /// <summary>The absolute directory in each hierarchy, keyed by controller ("memory", "cpu", ..., "name=systemd", "unified").</summary>
    IReadOnlyDictionary<string, string> Paths { get; }

    /// <summary>Creates the directory in every hierarchy; idempotent.</summary>
    void Create();

    /// <summary>Where a new single-threaded process joins the cgroup by itself, in every hierarchy.</summary>
    IReadOnlyList<CgroupEntry> Entries { get; }

    /// <summary>Moves <paramref name="pid"/> into the cgroup in every hierarchy.</summary>
    void AddProcess(int pid);

    /// <summary>Writes the limits. A limit this host cannot enforce fails with FailedPrecondition.</summary>
    void Apply(LinuxResources? resources);

    /// <summary>Freezes or thaws every process, waiting until the kernel reports the new state.</summary>
    void Freeze(bool frozen);

    bool IsFrozen();

    /// <summary>Host pids of every process in the cgroup and its descendants.</summary>
    IReadOnlyList<int> GetPids();

    CgroupStats GetStats();

    /// <summary>Removes the cgroup everywhere, SIGKILLing leftover processes; missing directories are fine.</summary>
    void Remove();
}
