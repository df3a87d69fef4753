using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Core;

/// <summary>Reads and writes <see cref="Digest"/> as its string form; malformed digests fail the parse.</summary>
public sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("digest must be a string");
        string? s = reader.GetString();
        return Digest.TryParse(s, out Digest d) ? d : throw new JsonException($"invalid digest \"{Truncate(s)}\"");
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options)
        => writer.WriteStringValue(value.ToString());

    private static string? Truncate(string? s) => s is { Length: > 100 } ? s[..100] + "..." : s;
}
