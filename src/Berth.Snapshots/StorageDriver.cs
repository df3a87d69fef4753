using Berth.Core;

namespace Berth.Snapshots;

/// <summary>How container root filesystems are made from the unpacked layers (dockerd's --storage-driver).</summary>
public enum StorageDriver
{
    /// <summary>overlay when a trial mount under the snapshots root works, else copy (with the reason logged).</summary>
    Auto,

    /// <summary>An overlay mount of the shared layer directories plus a per-container upper directory.</summary>
    Overlay,

    /// <summary>The layers copied into one directory per container: slower and bigger, but needs no overlayfs.</summary>
    Copy,
}

public static class StorageDrivers
{
    public static StorageDriver Parse(string name) => name switch
    {
        "auto" or "" => StorageDriver.Auto,
        "overlay" or "overlay2" or "overlayfs" => StorageDriver.Overlay,
        "copy" or "vfs" => StorageDriver.Copy,
        _ => throw new BerthException(ErrorKind.InvalidArgument, $"unknown storage driver \"{name}\" (overlay, copy or auto)"),
    };

    public static string Name(this StorageDriver driver) => driver switch
    {
        StorageDriver.Overlay => "overlay",
        StorageDriver.Copy => "copy",
        _ => "auto",
    };
}
