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

    public static InitConfig Read(byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        var e = doc.RootElement;
        return new InitConfig
        {
            Id = e.GetProperty("id").GetString() ?? "",
            Rootfs = e.GetProperty("rootfs").GetString() ?? "",
            NoPivot = e.GetProperty("noPivot").GetBoolean(),
            NoNewKeyring = e.GetProperty("noNewKeyring").GetBoolean(),
            WantsHookState = e.GetProperty("wantsHookState").GetBoolean(),
            StartAtOnce = e.GetProperty("startAtOnce").GetBoolean(),
            IsExec = e.GetProperty("isExec").GetBoolean(),
            ExecProcessIsFull = e.GetProperty("execProcessIsFull").GetBoolean(),
        };
    }
}
