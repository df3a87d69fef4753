using System.Text;
using System.Text.Json;

namespace Berth.Runtime;

/// <summary>
/// runc-style --log/--log-format output: text lines or one JSON object per line ({level, msg, time}),
/// which containerd and podman parse to learn why a command failed.
/// </summary>
public static class RuntimeLog
{
    private static string? _path;
    private static bool _json;
    public static bool Debug { get; set; }

    public static void Configure(string? path, bool json) => (_path, _json) = (path, json);

    public static bool ToStderr => _path is null or "" or "/dev/stderr";

    public static void Error(string msg) => Write("error", msg);
    public static void Warn(string msg) => Write("warning", msg);
    public static void DebugMsg(string msg) { if (Debug) Write("debug", msg); }

    private static void Write(string level, string msg)
    {
        string time = DateTimeOffset.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", System.Globalization.CultureInfo.InvariantCulture);
        string line;
        if (_json)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartObject();
                w.WriteString("level", level);
                w.WriteString("msg", msg);
                w.WriteString("time", time);
                w.WriteEndObject();
            }
            line = Encoding.UTF8.GetString(ms.ToArray());
        }
        else line = $"time=\"{time}\" level={level} msg=\"{msg.Replace("\"", "\\\"")}\"";
        try
        {
            if (ToStderr) Console.Error.WriteLine(line);
            else File.AppendAllText(_path!, line + "\n");
        }
        catch (IOException) { /* logging must never turn a result into a failure */ }
    }
}
