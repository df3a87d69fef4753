namespace Berth.Snapshots;

/// <summary>
/// A mount description, not a mount: whoever mounts (<see cref="SnapshotMounter"/>, the runtime in the container's
/// mount namespace, a test) performs it. Paths in <see cref="Source"/> and in the lowerdir, upperdir and workdir
/// options that do not start with "/" are relative to <see cref="BaseDirectory"/>: with many layers the absolute
/// option string would pass the kernel's one-page limit on mount data.
/// </summary>
public sealed record MountDescription(string Type, string Source, IReadOnlyList<string> Options)
{
    public string? BaseDirectory { get; init; }
}

public static class OverlayMount
{
    /// <summary>
    /// overlay of the image layers (top first in lowerdir, as the kernel wants) plus a writable upper layer.
    /// With no layers, a bind of the upper directory.
    /// </summary>
    public static MountDescription For(IReadOnlyList<string> layerDirsBottomFirst, string upper, string work)
    {
        if (layerDirsBottomFirst.Count == 0) return new MountDescription("bind", upper, ["rbind", "rw"]);
        string lower = string.Join(':', layerDirsBottomFirst.Reverse());
        return new MountDescription("overlay", "overlay", [$"lowerdir={lower}", $"upperdir={upper}", $"workdir={work}", "index=off"]);
    }
}
