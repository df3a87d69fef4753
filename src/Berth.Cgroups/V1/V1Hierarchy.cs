namespace Berth.Cgroups.V1;

/// <summary>
/// One mounted hierarchy and our container's directory in it. Co-mounted controllers ("cpu,cpuacct") share one.
/// Tracking-only hierarchies (name=systemd, the hybrid unified tree) are joined on a best-effort basis, as runc does.
/// </summary>
internal sealed class V1Hierarchy(string name, IReadOnlyList<string> controllers, string mountPoint, string directory, bool bestEffort)
{
    public string Name { get; } = name;
    public IReadOnlyList<string> Controllers { get; } = controllers;
    public string MountPoint { get; } = mountPoint;
    public CgroupDirectory Directory { get; } = new(directory);
    public bool BestEffort { get; } = bestEffort;

    public override string ToString() => $"{Name} at {Directory.Path}";
}
