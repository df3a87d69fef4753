using System.Text.Json;

namespace Berth.Runtime.Launch;

/// <summary>The init config record, without serializer metadata (see ContainerRecordJson for why).</summary>
internal static class InitConfigJson
{
    public static byte[] Write(InitConfig c)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, MinimalJsonEncoder.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", c.Id);
            w.WriteString("rootfs", c.Rootfs);
            w.WriteBoolean("noPivot", c.NoPivot);
            w.WriteBoolean("noNewKeyring", c.NoNewKeyring);
            w.WriteBoolean("wantsHookState", c.WantsHookState);
            w.WriteBoolean("startAtOnce", c.StartAtOnce);
            w.WriteBoolean("isExec", c.IsExec);
            w.WriteBoolean("execProcessIsFull", c.ExecProcessIsFull);
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>With a Utf8JsonReader, as ContainerRecordJson.Read and for the same reason (no pooled buffers).</summary>
    public static InitConfig Read(byte[] json)
    {
        var c = new InitConfig();
        bool hasId = false, hasRootfs = false;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("init config: expected an object");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            if (!reader.Read()) break;
            switch (name)
            {
                case "id": c.Id = reader.GetString() ?? ""; hasId = true; break;
                case "rootfs": c.Rootfs = reader.GetString() ?? ""; hasRootfs = true; break;
                case "noPivot": c.NoPivot = reader.GetBoolean(); break;
                case "noNewKeyring": c.NoNewKeyring = reader.GetBoolean(); break;
                case "wantsHookState": c.WantsHookState = reader.GetBoolean(); break;
                case "startAtOnce": c.StartAtOnce = reader.GetBoolean(); break;
                case "isExec": c.IsExec = reader.GetBoolean(); break;
                case "execProcessIsFull": c.ExecProcessIsFull = reader.GetBoolean(); break;
                default: reader.Skip(); break;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject || !hasId || !hasRootfs)
            throw new JsonException("init config: not as the runtime writes it");
        reader.Read(); // throws on anything but white space after the object
        return c;
    }
}
