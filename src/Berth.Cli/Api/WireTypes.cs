using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Cli.Api;

// The client's own view of the Docker Engine API: only the fields berth reads or sends, named as moby's JSON tags.
// Responses printed as they came (inspect, version, info) stay JsonElement so that nothing is lost.

public sealed class ErrorBody
{
    [JsonPropertyName("message")] public string? Message { get; set; }
}

public sealed class ImageSummary
{
    public string Id { get; set; } = "";
    public string ParentId { get; set; } = "";
    public List<string>? RepoTags { get; set; }
    public List<string>? RepoDigests { get; set; }
    public long Created { get; set; }
    public long Size { get; set; }
    public long SharedSize { get; set; } = -1;
    public long Containers { get; set; } = -1;
    public Dictionary<string, string>? Labels { get; set; }
}

public sealed class HistoryItem
{
    public string Id { get; set; } = "";
    public long Created { get; set; }
    public string CreatedBy { get; set; } = "";
    public List<string>? Tags { get; set; }
    public long Size { get; set; }
    public string Comment { get; set; } = "";
}

public sealed class DeleteItem
{
    public string? Untagged { get; set; }
    public string? Deleted { get; set; }
}

public sealed class PruneReport
{
    public List<DeleteItem>? ImagesDeleted { get; set; }
    public long SpaceReclaimed { get; set; }
}

/// <summary>One message of a progress stream (pull, push, load, import).</summary>
public sealed class JsonMessage
{
    [JsonPropertyName("stream")] public string? Stream { get; set; }
    [JsonPropertyName("status")] public string? Status { get; set; }
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("progressDetail")] public ProgressDetail? ProgressDetail { get; set; }
    [JsonPropertyName("errorDetail")] public ErrorDetail? ErrorDetail { get; set; }
    [JsonPropertyName("error")] public string? Error { get; set; }
    [JsonPropertyName("aux")] public JsonElement? Aux { get; set; }
}

public sealed class ProgressDetail
{
    [JsonPropertyName("current")] public long Current { get; set; }
    [JsonPropertyName("total")] public long Total { get; set; }
}

public sealed class ErrorDetail
{
    [JsonPropertyName("code")] public int Code { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
}

/// <summary>POST /auth body and (base64url) X-Registry-Auth header content.</summary>
public sealed class AuthConfig
{
    [JsonPropertyName("username"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Username { get; set; }
    [JsonPropertyName("password"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Password { get; set; }
    [JsonPropertyName("serveraddress"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ServerAddress { get; set; }
    [JsonPropertyName("identitytoken"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? IdentityToken { get; set; }
}

public sealed class AuthResponse
{
    public string? Status { get; set; }
    public string? IdentityToken { get; set; }
}

public sealed class EventMessage
{
    public string Type { get; set; } = "";
    public string Action { get; set; } = "";
    public EventActor Actor { get; set; } = new();
    [JsonPropertyName("scope")] public string? Scope { get; set; }
    [JsonPropertyName("time")] public long Time { get; set; }
    [JsonPropertyName("timeNano")] public long TimeNano { get; set; }
    [JsonPropertyName("status")] public string? Status { get; set; }
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("from")] public string? From { get; set; }
}

public sealed class EventActor
{
    public string ID { get; set; } = "";
    public Dictionary<string, string>? Attributes { get; set; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(List<ImageSummary>))]
[JsonSerializable(typeof(List<HistoryItem>))]
[JsonSerializable(typeof(List<DeleteItem>))]
[JsonSerializable(typeof(PruneReport))]
[JsonSerializable(typeof(JsonMessage))]
[JsonSerializable(typeof(AuthConfig))]
[JsonSerializable(typeof(AuthResponse))]
[JsonSerializable(typeof(EventMessage))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(Dictionary<string, List<string>>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, bool>>))]
internal partial class CliJsonContext : JsonSerializerContext;
