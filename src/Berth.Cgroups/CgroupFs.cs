using Berth.Core;
using Berth.Cgroups.V2.Devices;

namespace Berth.Cgroups;

/// <summary>
/// Where cgroups live: the hierarchy root and the two proc files that describe it.
/// The seam for tests, which point it at a temp tree and fake mountinfo and cgroup files.
/// </summary>
public sealed class CgroupFs
{
    public CgroupFs(string root = "/sys/fs/cgroup", string mountInfoPath = "/proc/self/mountinfo", string selfCgroupPath = "/proc/self/cgroup")
    {
        Root = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(root));
        MountInfoPath = mountInfoPath;
        SelfCgroupPath = selfCgroupPath;
    }

    public string Root { get; }
    public string MountInfoPath { get; }
    public string SelfCgroupPath { get; }

    /// <summary>Where a cgroup v2 device program goes: the kernel, unless a test on a fake tree records it instead.</summary>
    public IDevicePrograms DevicePrograms { get; init; } = BpfDevicePrograms.Instance;

    public CgroupMode DetectMode() => CgroupDetector.Detect(this);

    /// <summary>cgroup mounts at or below <see cref="Root"/>; where one point is mounted twice, the later (visible) one.</summary>
    internal List<CgroupMount> ReadMounts()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(MountInfoPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BerthException(ErrorKind.FailedPrecondition, $"read {MountInfoPath}: {e.Message}", e);
        }
        // A loop, not LINQ: NativeAOT resolves a generic LINQ operator over these types at its first call, at run
        // time (0.2 ms of every container).
        var mounts = new List<CgroupMount>();
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (CgroupMount m in MountInfo.ParseCgroupMounts(lines))
        {
            if (!IsAtOrBelowRoot(m.MountPoint)) continue;
            if (indexOf.TryGetValue(m.MountPoint, out int at)) mounts[at] = m;
            else
            {
                indexOf[m.MountPoint] = mounts.Count;
                mounts.Add(m);
            }
        }
        return mounts;
    }

    internal List<ProcCgroupEntry> ReadSelfCgroup()
    {
        try
        {
            return ProcCgroupFile.Parse(File.ReadAllLines(SelfCgroupPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BerthException(ErrorKind.FailedPrecondition, $"read {SelfCgroupPath}: {e.Message}", e);
        }
    }

    private bool IsAtOrBelowRoot(string mountPoint) =>
        mountPoint == Root || mountPoint.StartsWith(Root + "/", StringComparison.Ordinal);
}
