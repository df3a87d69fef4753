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

    public static ContainerRecord Read(byte[] json, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var e = doc.RootElement;
            return new ContainerRecord
            {
                Id = e.GetProperty("id").GetString() ?? "",
                InitPid = e.GetProperty("initPid").GetInt32(),
                InitStartTime = e.GetProperty("initStartTime").GetUInt64(),
                Bundle = e.GetProperty("bundle").GetString() ?? "",
                Rootfs = e.GetProperty("rootfs").GetString() ?? "",
                Created = e.GetProperty("created").GetDateTimeOffset(),
                Owner = e.GetProperty("owner").GetString() ?? "",
                CgroupsPath = e.GetProperty("cgroupsPath").GetString() ?? "",
                NoCgroup = e.GetProperty("noCgroup").GetBoolean(),
                HasPoststart = e.GetProperty("hasPoststart").GetBoolean(),
                HasPoststop = e.GetProperty("hasPoststop").GetBoolean(),
                Annotations = e.TryGetProperty("annotations", out var a)
                    ? a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "") : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new BerthException(ErrorKind.Internal, $"{path} is damaged: {ex.Message}");
        }
    }
}
