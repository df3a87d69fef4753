using System.Text.Json.Serialization;
using Berth.Core;

namespace Berth.Oci.Image;

/// <summary>An OCI content descriptor: what a manifest or index says about one blob or manifest.</summary>
public sealed record Descriptor
{
    [JsonPropertyName("mediaType")]
    public string MediaType { get; init; } = "";

    /// <summary>The content's digest. A document with a malformed digest fails to parse.</summary>
    [JsonPropertyName("digest")]
    [JsonConverter(typeof(DigestJsonConverter))]
    public Digest Digest { get; init; }

    [JsonPropertyName("size")]
    public long Size { get; init; }

    /// <summary>Foreign-layer URLs. The client never fetches these (CVE-2020-15157); they are kept for callers.</summary>
    [JsonPropertyName("urls")]
    public IReadOnlyList<string>? Urls { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    [JsonPropertyName("platform")]
    public Platform? Platform { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    public Descriptor() { }

    public Descriptor(string mediaType, Digest digest, long size)
    {
        MediaType = mediaType;
        Digest = digest;
        Size = size;
    }
}

/// <summary>An OCI image manifest (or Docker v2 schema 2 manifest, which has the same shape).</summary>
public sealed record ImageManifest
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    [JsonPropertyName("config")]
    public Descriptor Config { get; init; } = new();

    [JsonPropertyName("layers")]
    public IReadOnlyList<Descriptor> Layers { get; init; } = [];

    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

/// <summary>An OCI image index (or Docker manifest list, which has the same shape).</summary>
public sealed record ImageIndex
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    [JsonPropertyName("manifests")]
    public IReadOnlyList<Descriptor> Manifests { get; init; } = [];

    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}
