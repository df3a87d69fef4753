using Berth.Interop;

namespace Berth.Archive;

/// <summary>What an OCI whiteout (".wh.name", ".wh..wh..opq") becomes on disk.</summary>
public enum WhiteoutMode
{
    /// <summary>
    /// For overlayfs, one directory per layer: ".wh.name" becomes a 0:0 character device "name" and
    /// ".wh..wh..opq" sets the overlay opaque xattr on its directory. The target starts empty.
    /// </summary>
    Overlay,

    /// <summary>
    /// For a copy-based snapshotter that applies each layer onto the merged tree: ".wh.name" deletes
    /// "name" and ".wh..wh..opq" empties its directory, in both cases sparing what this layer itself wrote.
    /// </summary>
    Remove,
}

/// <summary>What to do with character and block device entries.</summary>
public enum DeviceNodePolicy
{
    /// <summary>mknod them; if the kernel says no (no CAP_MKNOD, user namespace), the layer fails with PermissionDenied.</summary>
    Create,

    /// <summary>Leave them out and count them in <see cref="LayerApplyResult.SkippedDeviceNodes"/>.</summary>
    Skip,

    /// <summary>Fail the layer on the first device node.</summary>
    Refuse,
}

/// <summary>The compression a layer stream was found to use (by its magic bytes).</summary>
public enum LayerCompression
{
    None,
    Gzip,
    Zstd,
}

/// <summary>One range of an id map: ids [ContainerId, ContainerId + Size) become [HostId, HostId + Size).</summary>
public readonly record struct IdMapping(uint ContainerId, uint HostId, uint Size);

/// <summary>How <see cref="LayerApplier.Apply"/> writes a layer. The defaults suit a root daemon with overlayfs.</summary>
public sealed record LayerApplyOptions
{
    public static LayerApplyOptions Default { get; } = new();

    public WhiteoutMode Whiteouts { get; init; } = WhiteoutMode.Overlay;

    /// <summary>Decompression-bomb bound: the tar stream (after decompression, trailing padding included) may not exceed this.</summary>
    public long MaxUncompressedBytes { get; init; } = 32L << 30;

    /// <summary>Most tar entries one layer may hold (metadata headers not counted).</summary>
    public long MaxEntries { get; init; } = 2_000_000;

    /// <summary>Largest pax extended header or GNU long name/link block; TarReader buffers these whole.</summary>
    public int MaxHeaderBytes { get; init; } = 1 << 20;

    /// <summary>Most bytes allowed after the tar end-of-archive marker (tar writers pad to a 10 KiB record).</summary>
    public long MaxTrailingBytes { get; init; } = 1 << 20;

    /// <summary>lchown entries to their (mapped) uid/gid. Defaults to true when running as root.</summary>
    public bool PreserveOwners { get; init; } = Libc.Geteuid() == 0;

    /// <summary>Container-to-host uid map for user-namespaced storage; null means identity. Unmapped ids fail the layer.</summary>
    public IReadOnlyList<IdMapping>? UidMappings { get; init; }

    /// <summary>Container-to-host gid map; null means identity.</summary>
    public IReadOnlyList<IdMapping>? GidMappings { get; init; }

    public DeviceNodePolicy DeviceNodes { get; init; } = DeviceNodePolicy.Create;

    /// <summary>
    /// Apply "trusted.*" xattrs from the archive (needs CAP_SYS_ADMIN). "trusted.overlay.*" and "user.overlay.*"
    /// are never taken from an archive whatever this says: they would let a layer forge overlayfs whiteouts,
    /// opaque directories, redirects and metacopy files (containerd refuses all of "trusted.*").
    /// </summary>
    public bool ApplyTrustedXattrs { get; init; } = true;

    /// <summary>Write overlay opaque markers as "user.overlay.opaque" (overlayfs mounted with userxattr, rootless) instead of "trusted.overlay.opaque".</summary>
    public bool OverlayUserXattrs { get; init; }

    /// <summary>Largest zstd window accepted, as a power of two; 27 (128 MiB) is libzstd's own default limit.</summary>
    public int ZstdWindowLogMax { get; init; } = 27;

    /// <summary>Test seam: resolve paths with the portable openat(O_NOFOLLOW) walk even where openat2 exists.</summary>
    internal bool DisableOpenat2 { get; init; }
}

/// <summary>What <see cref="LayerApplier.Apply"/> read and wrote.</summary>
public sealed record LayerApplyResult
{
    /// <summary>Bytes of the uncompressed tar stream, trailing padding included: the bytes <see cref="DiffId"/> covers.</summary>
    public required long TarBytes { get; init; }

    /// <summary>Bytes read from the (possibly compressed) input stream.</summary>
    public required long CompressedBytes { get; init; }

    /// <summary>Tar entries applied (pax and GNU metadata headers are not entries).</summary>
    public required long Entries { get; init; }

    /// <summary>"sha256:&lt;hex&gt;" of the uncompressed tar: the layer's diffID, to check against the image config's rootfs.diff_ids.</summary>
    public required string DiffId { get; init; }

    public required LayerCompression Compression { get; init; }

    /// <summary>Device nodes left out under <see cref="DeviceNodePolicy.Skip"/>.</summary>
    public int SkippedDeviceNodes { get; init; }

    /// <summary>xattrs not applied: unsupported by the filesystem, not permitted, or dropped by policy (trusted.overlay.*).</summary>
    public int SkippedXattrs { get; init; }
}
