using Berth.Core;

namespace Berth.Snapshots;

/// <summary>
/// Writable root filesystems for containers, made from unpacked image layers. The seam returns mount
/// descriptions rather than mounting, so whoever mounts (the engine, the runtime, a test) chooses the namespace.
/// </summary>
public interface ISnapshotter
{
    /// <summary>The driver in use: "overlay" or "copy".</summary>
    StorageDriver Driver { get; }

    /// <summary>
    /// Creates the writable snapshot <paramref name="key"/> on top of the layer <paramref name="top"/> (null: an
    /// empty rootfs). It becomes visible complete or not at all. Throws AlreadyExists for a key in use.
    /// </summary>
    Snapshot Prepare(string key, Digest? top);

    Snapshot? Get(string key);

    IReadOnlyList<Snapshot> List();

    /// <summary>Unmounts the snapshot if this snapshotter mounted it, then deletes it. Absent keys are ignored.</summary>
    void Remove(string key);
}

/// <summary>
/// An active (writable) snapshot. <see cref="Mounts"/>, performed in order on one target, give the container's
/// rootfs; their relative paths are relative to <see cref="Directory"/> (see <see cref="MountDescription.BaseDirectory"/>).
/// </summary>
public sealed record Snapshot(string Key, StorageDriver Driver, Digest? Top, string Directory, IReadOnlyList<MountDescription> Mounts);
