using System.Text.Json;
using Berth.Core;

namespace Berth.Runtime.State;

/// <summary>
/// state.json without serializer metadata: every runtime command reads it once, in a fresh process, where a
/// cold System.Text.Json type graph costs more than the rest of the command.
/// </summary>
internal static class ContainerRecordJson
{
    public static byte[] Write(ContainerRecord r)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, MinimalJsonEncoder.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", r.Id);
            w.WriteNumber("initPid", r.InitPid);
            w.WriteNumber("initStartTime", r.InitStartTime);
            w.WriteString("bundle", r.Bundle);
            w.WriteString("rootfs", r.Rootfs);
            w.WriteString("created", r.Created);
            w.WriteString("owner", r.Owner);
            w.WriteString("cgroupsPath", r.CgroupsPath);
            w.WriteBoolean("noCgroup", r.NoCgroup);
            w.WriteBoolean("hasPoststart", r.HasPoststart);
            w.WriteBoolean("hasPoststop", r.HasPoststop);
            if (r.Annotations is { Count: > 0 } a)
            {
                w.WriteStartObject("annotations");
                foreach (var (k, v) in a) w.WriteString(k, v);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>
    /// Read with a Utf8JsonReader, not a JsonDocument: disposing a document returns its buffer to the shared array
    /// pool, whose first use times the CPU-number lookup for its per-core partitions (0.3 ms of every exec,
    /// kill and delete).
    /// </summary>
    public static ContainerRecord Read(byte[] json, string path)
    {
        try
        {
            var r = new ContainerRecord();
            var reader = new Utf8JsonReader(json);
            Expect(ref reader, JsonTokenType.StartObject);
            const int All = (1 << 11) - 1;
            int seen = 0;
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                Next(ref reader);
                switch (name)
                {
                    case "id": r.Id = reader.GetString() ?? ""; seen |= 1; break;
                    case "initPid": r.InitPid = reader.GetInt32(); seen |= 2; break;
                    case "initStartTime": r.InitStartTime = reader.GetUInt64(); seen |= 4; break;
                    case "bundle": r.Bundle = reader.GetString() ?? ""; seen |= 8; break;
                    case "rootfs": r.Rootfs = reader.GetString() ?? ""; seen |= 16; break;
                    case "created": r.Created = reader.GetDateTimeOffset(); seen |= 32; break;
                    case "owner": r.Owner = reader.GetString() ?? ""; seen |= 64; break;
                    case "cgroupsPath": r.CgroupsPath = reader.GetString() ?? ""; seen |= 128; break;
                    case "noCgroup": r.NoCgroup = reader.GetBoolean(); seen |= 256; break;
                    case "hasPoststart": r.HasPoststart = reader.GetBoolean(); seen |= 512; break;
                    case "hasPoststop": r.HasPoststop = reader.GetBoolean(); seen |= 1024; break;
                    case "annotations": r.Annotations = ReadStrings(ref reader); break;
                    default: reader.Skip(); break;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("expected the end of the object");
            reader.Read(); // throws on anything but white space after the object
            if (seen != All) throw new JsonException("a field is missing");
            return r;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new BerthException(ErrorKind.Internal, $"{path} is damaged: {ex.Message}");
        }
    }

    private static Dictionary<string, string> ReadStrings(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("annotations: expected an object");
        var map = new Dictionary<string, string>();
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            Next(ref reader);
            map[key] = reader.GetString() ?? "";
        }
        return map;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("unexpected end of the document");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Next(ref reader) != type) throw new JsonException($"expected {type}, found {reader.TokenType}");
    }
}
