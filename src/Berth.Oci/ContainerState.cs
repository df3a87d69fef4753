using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Oci;

/// <summary>
/// What <c>state</c> prints and hooks read on stdin: the spec's State plus runc's rootfs, created
/// and owner. Property order is the JSON order and matches runc's output.
/// </summary>
public sealed class ContainerState
{
    private Dictionary<string, string>? _annotations;

    public string OciVersion { get; set; } = "";
    public string Id { get; set; } = "";

    /// <summary>Host PID of the container's init; 0 once it is stopped.</summary>
    public int Pid { get; set; }

    /// <summary>One of <see cref="ContainerStatusNames"/>.</summary>
    public string Status { get; set; } = "";

    public string Bundle { get; set; } = "";
    public string Rootfs { get; set; } = "";

    [JsonConverter(typeof(Rfc3339UtcConverter))]
    public DateTimeOffset Created { get; set; }

    /// <summary>Never empty when read: an empty map reads back as null so that Go's omitempty is matched.</summary>
    public Dictionary<string, string>? Annotations
    {
        get => _annotations is { Count: > 0 } ? _annotations : null;
        set => _annotations = value;
    }

    /// <summary>User name of the container's owner; "" when run by root, always written.</summary>
    public string Owner { get; set; } = "";
}

/// <summary>Lifecycle status strings as the runtime-spec and runc print them.</summary>
public static class ContainerStatusNames
{
    public const string Creating = "creating";
    public const string Created = "created";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Stopped = "stopped";
}

/// <summary>
/// The state document sent with the seccomp listener fd to linux.seccomp.listenerPath.
/// </summary>
public sealed class ContainerProcessState
{
    public string OciVersion { get; set; } = "";
    public List<string> Fds { get; set; } = [];
    public int Pid { get; set; }
    public string? Metadata { get; set; }
    public ContainerState State { get; set; } = new();
}

/// <summary>
/// Writes UTC with a "Z" suffix, like Go's RFC3339Nano; STJ's default would write "+00:00".
/// Reads any RFC 3339 time, including Go's nine fractional digits.
/// </summary>
internal sealed class Rfc3339UtcConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.GetString();
        if (text is null || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value))
            throw new JsonException($"invalid RFC 3339 time \"{text}\"");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        => writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
}
