using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.Core;
using Berth.Oci.Reading;

namespace Berth.Oci;

/// <summary>
/// Reading and writing OCI documents through <see cref="OciJsonContext"/>. Parse errors become
/// <see cref="BerthException"/>(InvalidArgument) naming the file, line and column.
/// </summary>
public static class OciJson
{
    // Go's encoder writes non-ASCII as UTF-8 and only escapes <, > and &; STJ's default encoder
    // would also escape '+' and every non-ASCII character, so relax it for byte-compatible output.
    // In a nested class so that reading, which does not need the context, does not build it.
    private static class WriteOptions
    {
        public static readonly JsonSerializerOptions Compact = new(OciJsonContext.Default.Options)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        // Two-space indentation, as Go's json.MarshalIndent(v, "", "  ") that runc uses for state and spec.
        public static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true, IndentSize = 2 };
    }

    // RuntimeSpec, Process and LinuxResources go through SpecReader: same results and errors as the
    // serializer, without building its metadata (1.5-2 ms on the first call under NativeAOT). Merely
    // evaluating OciJsonContext.Default.RuntimeSpec builds it, so short-lived callers should use these
    // overloads rather than Read(utf8, OciJsonContext.Default.RuntimeSpec, name).

    public static RuntimeSpec ReadSpec(string path) => SpecReader.ReadSpec(ReadFile(path), Path.GetFileName(path));

    public static RuntimeSpec ReadSpec(Stream stream) => SpecReader.ReadSpec(ReadAll(stream), "config.json");

    public static RuntimeSpec ReadSpec(ReadOnlySpan<byte> utf8, string name = "config.json") => SpecReader.ReadSpec(utf8, name);

    /// <summary>Reads the process document given to <c>exec --process</c>.</summary>
    public static Process ReadProcess(string path) => SpecReader.ReadProcess(ReadFile(path), Path.GetFileName(path));

    public static Process ReadProcess(Stream stream) => SpecReader.ReadProcess(ReadAll(stream), "process.json");

    public static Process ReadProcess(ReadOnlySpan<byte> utf8, string name = "process.json") => SpecReader.ReadProcess(utf8, name);

    /// <summary>Reads the linux.resources document given to <c>update --resources</c>.</summary>
    public static LinuxResources ReadResources(ReadOnlySpan<byte> utf8, string name = "resources") => SpecReader.ReadResources(utf8, name);

    /// <summary>
    /// Reads any document of the context; <paramref name="name"/> prefixes error messages. RuntimeSpec, Process
    /// and LinuxResources of <see cref="OciJsonContext.Default"/> are read by <see cref="SpecReader"/>.
    /// </summary>
    public static T Read<T>(ReadOnlySpan<byte> utf8, JsonTypeInfo<T> typeInfo, string name) where T : class
    {
        if (ReferenceEquals(typeInfo.Options, OciJsonContext.Default.Options))
        {
            if (typeof(T) == typeof(RuntimeSpec)) return (T)(object)SpecReader.ReadSpec(utf8, name);
            if (typeof(T) == typeof(Process)) return (T)(object)SpecReader.ReadProcess(utf8, name);
            if (typeof(T) == typeof(LinuxResources)) return (T)(object)SpecReader.ReadResources(utf8, name);
        }
        return Deserialize(utf8, typeInfo, name);
    }

    /// <summary>The serializer path of <see cref="Read"/>; the reference SpecReader is tested against.</summary>
    internal static T Deserialize<T>(ReadOnlySpan<byte> utf8, JsonTypeInfo<T> typeInfo, string name) where T : class
    {
        if (IsBlank(utf8)) throw Invalid(name, "file is empty");
        try
        {
            return JsonSerializer.Deserialize(utf8, typeInfo) ?? throw Invalid(name, "document is null");
        }
        catch (JsonException e)
        {
            throw Invalid(name, Describe(e), e);
        }
    }

    /// <summary>Compact JSON, e.g. for state files and hook stdin.</summary>
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>(WriteOptions.Compact));

    public static byte[] WriteUtf8<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>(WriteOptions.Compact));

    /// <summary>Two-space indented JSON without a trailing newline, as runc prints <c>state</c> and writes <c>spec</c>.</summary>
    public static string WriteIndented<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>(WriteOptions.Indented));

    public static byte[] WriteIndentedUtf8<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>(WriteOptions.Indented));

    // Throws NotSupportedException for a type not listed in OciJsonContext: a programming error.
    private static JsonTypeInfo<T> TypeInfo<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    private static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BerthException(ErrorKind.NotFound, $"JSON specification file {path} not found", e);
        }
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    internal static bool IsBlank(ReadOnlySpan<byte> utf8) => utf8.Trim(" \t\r\n"u8).IsEmpty;

    // STJ appends " Path: $.x | LineNumber: 2 | BytePositionInLine: 4." to its message; say it once, 1-based.
    internal static string Describe(JsonException e)
    {
        string reason = e.Message;
        int cut = reason.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut >= 0) reason = reason[..cut];
        reason = reason.TrimEnd('.');
        string where = e.LineNumber is long line
            ? $"line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}"
            : "unknown position";
        string path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" ({e.Path})";
        return $"invalid JSON at {where}{path}: {reason}";
    }

    internal static BerthException Invalid(string name, string reason, Exception? inner = null)
        => new(ErrorKind.InvalidArgument, $"{name}: {reason}", inner);
}
