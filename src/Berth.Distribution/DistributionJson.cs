using System.Text.Json.Serialization;
using System.Text.Json;
using Berth.Core;
using Berth.Oci.Image;

namespace Berth.Distribution;

/// <summary>Every JSON shape the registry client reads or writes; reflection-free.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ManifestDocument))]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(Platform))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(TagList))]
internal sealed partial class DistributionJsonContext : JsonSerializerContext
{
    /// <summary>
    /// For documents we write: no escaping of '+' and friends, so that media types read as other tools
    /// write them ("v1+json", not "v1\u002Bjson"). The documents are never embedded in HTML.
    /// </summary>
    public static DistributionJsonContext Writer { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

/// <summary>
/// Every top-level field a manifest or index may carry, so that one parse can tell which it is
/// and refuse documents that are both (CVE-2021-41190).
/// </summary>
internal sealed class ManifestDocument
{
    [JsonPropertyName("schemaVersion")] public int? SchemaVersion { get; set; }
    [JsonPropertyName("mediaType")] public string? MediaType { get; set; }
    [JsonPropertyName("artifactType")] public string? ArtifactType { get; set; }
    [JsonPropertyName("config")] public Descriptor? Config { get; set; }
    [JsonPropertyName("layers")] public List<Descriptor>? Layers { get; set; }
    [JsonPropertyName("manifests")] public List<Descriptor>? Manifests { get; set; }
    [JsonPropertyName("subject")] public Descriptor? Subject { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    /// <summary>Docker schema 1 only.</summary>
    [JsonPropertyName("fsLayers")] public JsonElement? FsLayers { get; set; }
}

internal sealed class TokenResponse
{
    [JsonPropertyName("token")] public string? Token { get; set; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; set; }
    [JsonPropertyName("expires_in")] public long? ExpiresIn { get; set; }
    [JsonPropertyName("issued_at")] public string? IssuedAt { get; set; }
    [JsonPropertyName("refresh_token")] public string? RefreshToken { get; set; }
}

internal sealed class ErrorResponse
{
    [JsonPropertyName("errors")] public List<ErrorEntry>? Errors { get; set; }
}

internal sealed class ErrorEntry
{
    [JsonPropertyName("code")] public string? Code { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
    /// <summary>Any JSON value: registries put strings, objects or arrays here.</summary>
    [JsonPropertyName("detail")] public JsonElement? Detail { get; set; }
}

internal sealed class TagList
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("tags")] public List<string>? Tags { get; set; }
}
