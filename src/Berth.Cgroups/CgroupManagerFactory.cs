using Berth.Cgroups.V1;
using Berth.Cgroups.V2;

namespace Berth.Cgroups;

public static class CgroupManagerFactory
{
    /// <summary>
    /// The manager for <paramref name="cgroupsPath"/> (the spec's linux.cgroupsPath; empty means the container id
    /// below our own cgroup, as runc) on whatever layout <paramref name="fs"/> has. Nothing is created yet.
    /// </summary>
    public static ICgroupManager Create(string cgroupsPath, string containerId, CgroupFs fs)
    {
        CgroupPath path = CgroupPath.Parse(cgroupsPath, containerId);
        List<CgroupMount> mounts = fs.ReadMounts(); // once: every runtime command starts here
        return CgroupDetector.Detect(mounts, fs.Root) switch
        {
            CgroupMode.Unified => CgroupV2Manager.Open(path, fs),
            CgroupMode.Hybrid => new CgroupV1Manager(path, V1Layout.Resolve(path, fs, mounts, hybrid: true), hybrid: true),
            _ => new CgroupV1Manager(path, V1Layout.Resolve(path, fs, mounts, hybrid: false), hybrid: false),
        };
    }
}
