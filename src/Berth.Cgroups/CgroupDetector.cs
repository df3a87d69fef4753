using Berth.Core;

namespace Berth.Cgroups;

/// <summary>Tells the three host layouts apart from mountinfo (the same facts statfs magic would give, but testable).</summary>
internal static class CgroupDetector
{
    public static CgroupMode Detect(CgroupFs fs) => Detect(fs.ReadMounts(), fs.Root);

    public static CgroupMode Detect(IReadOnlyList<CgroupMount> mounts, string root)
    {
        if (mounts.Any(m => m.IsV2 && m.MountPoint == root))
            return CgroupMode.Unified;
        if (!mounts.Any(m => !m.IsV2))
            throw new BerthException(ErrorKind.FailedPrecondition, $"no cgroup filesystem is mounted at or below {root}");
        string unified = System.IO.Path.Combine(root, "unified");
        return mounts.Any(m => m.IsV2 && m.MountPoint == unified) ? CgroupMode.Hybrid : CgroupMode.V1Legacy;
    }
}
