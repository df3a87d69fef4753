namespace Berth.Oci.Image;

/// <summary>The media types the client speaks, and what it knows about each.</summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerSchema1Manifest = "application/vnd.docker.distribution.manifest.v1+json";
    public const string DockerSchema1SignedManifest = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";

    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    /// <summary>The Accept header for manifest requests: every manifest and index type we can read.</summary>
    public const string ManifestAccept = OciIndex + ", " + OciManifest + ", " + DockerManifestList + ", " + DockerManifest;

    /// <summary>True for the two single-image manifest types (OCI, Docker v2 schema 2).</summary>
    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    /// <summary>True for the two multi-platform types (OCI index, Docker manifest list).</summary>
    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    /// <summary>True for the Docker v2 schema 1 types, which Berth does not support.</summary>
    public static bool IsSchema1(string? mediaType) => mediaType is DockerSchema1Manifest or DockerSchema1SignedManifest;

    /// <summary>The media type without parameters (<c>; charset=utf-8</c>), lower-cased and trimmed; null when empty.</summary>
    public static string? Normalize(string? contentType)
    {
        if (contentType is null) return null;
        int semi = contentType.IndexOf(';');
        string bare = (semi >= 0 ? contentType[..semi] : contentType).Trim();
        return bare.Length == 0 ? null : bare.ToLowerInvariant();
    }
}
