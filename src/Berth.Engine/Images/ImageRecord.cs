namespace Berth.Engine.Images;

/// <summary>What the engine keeps about one image (keyed by its ID, the config digest).</summary>
public sealed class ImageRecord
{
    public string Id { get; set; } = "";
    /// <summary>"registry/repo@sha256:..." for each repository it was pulled from.</summary>
    public List<string> RepoDigests { get; set; } = [];
    public string ManifestDigest { get; set; } = "";
    public string ManifestMediaType { get; set; } = "";
    public List<string> LayerDigests { get; set; } = [];
    /// <summary>The sum of the layer blobs' sizes as stored (compressed when pulled, plain when loaded).</summary>
    public long Size { get; set; }
    public DateTimeOffset Pulled { get; set; }
}

/// <summary>The tag index: canonical reference ("docker.io/library/busybox:latest") → image ID.</summary>
public sealed class TagIndex
{
    public Dictionary<string, string> Tags { get; set; } = [];
}
