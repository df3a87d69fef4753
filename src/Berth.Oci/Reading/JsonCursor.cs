using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Berth.Oci.Reading;

/// <summary>
/// A <see cref="Utf8JsonReader"/> over a whole document that also remembers the JSON path System.Text.Json
/// would report, so that <see cref="SpecReader"/> fails with the same message, path and position as the
/// <see cref="OciJsonContext"/> deserializer. Nothing is allocated for the path until an error is built:
/// frames hold the input offset of the current property name or dictionary key, or an array's element count.
/// </summary>
/// <remarks>
/// STJ quirks kept on purpose: an object forgets its property name once the value is read (an error at the
/// next name is reported at the object), a dictionary keeps its last key until the next one is read, and an
/// array reports the number of elements read so far.
/// </remarks>
internal ref struct JsonCursor
{
    // The model nests at most eight containers deep (spec.linux.resources.blockIO.weightDevice[i]...).
    private const int MaxFrames = 16;

    private readonly ReadOnlySpan<byte> _utf8;
    private Utf8JsonReader _reader;
    private Frames _frames;
    private int _depth;
    private ReadOnlySpan<byte> _name;

    /// <summary>Default reader options, as OciJsonContext's: no comments, no trailing commas, depth 64.</summary>
    public JsonCursor(ReadOnlySpan<byte> utf8)
    {
        _utf8 = utf8;
        _reader = new Utf8JsonReader(utf8, isFinalBlock: true, state: default);
    }

    private enum FrameKind : byte { Object, Array, Map }

    private struct Frame
    {
        public FrameKind Kind;

        /// <summary>Object and map: offset of the current name or key token, or -1. Array: elements read.</summary>
        public int Value;

        /// <summary>The object's type, for a property name that cannot be unescaped.</summary>
        public Type? Type;
    }

    [InlineArray(MaxFrames)]
    private struct Frames
    {
        private Frame _first;
    }

    /// <summary>Reads the first token of the document.</summary>
    public void Start() => _reader.Read();

    /// <summary>After the root value: only whitespace may follow (the reader throws otherwise).</summary>
    public void End() => _reader.Read();

    // ---- containers ----

    /// <summary>At a value: false for null; enters an object; anything else cannot be converted to <paramref name="type"/>.</summary>
    public bool StartObject(Type type) => Start(JsonTokenType.StartObject, FrameKind.Object, type);

    /// <summary>At a value: false for null; enters a dictionary (a JSON object) of type <paramref name="type"/>.</summary>
    public bool StartMap(Type type) => Start(JsonTokenType.StartObject, FrameKind.Map, type);

    /// <summary>At a value: false for null; enters an array of type <paramref name="type"/>.</summary>
    public bool StartArray(Type type) => Start(JsonTokenType.StartArray, FrameKind.Array, type);

    private bool Start(JsonTokenType start, FrameKind kind, Type type)
    {
        JsonTokenType token = _reader.TokenType;
        if (token == JsonTokenType.Null) return false;
        if (token != start) throw CannotConvert(type);
        Debug.Assert(_depth < MaxFrames, "the OCI model nests less than MaxFrames deep");
        _frames[_depth++] = new Frame { Kind = kind, Value = kind == FrameKind.Array ? 0 : -1, Type = type };
        return true;
    }

    /// <summary>
    /// Moves to the next property of the current object and reads its value token, or leaves the object and
    /// returns false. The name is then matched with <see cref="Is"/>.
    /// </summary>
    public bool NextProperty()
    {
        int top = _depth - 1;
        _frames[top].Value = -1;
        _reader.Read();
        if (_reader.TokenType == JsonTokenType.EndObject)
        {
            _depth = top;
            return false;
        }
        int start = checked((int)_reader.TokenStartIndex);
        _name = _reader.ValueIsEscaped ? Unescape(_frames[top].Type!) : _reader.ValueSpan;
        _frames[top].Value = start;
        _reader.Read();
        return true;
    }

    /// <summary>
    /// Whether the current property is <paramref name="jsonName"/>, ignoring case. ASCII folding is exact here:
    /// <see cref="StringComparison.OrdinalIgnoreCase"/> (what STJ uses) never equates a non-ASCII character
    /// with an ASCII one, and every OCI property name is ASCII.
    /// </summary>
    public readonly bool Is(ReadOnlySpan<byte> jsonName) => Ascii.EqualsIgnoreCase(_name, jsonName);

    /// <summary>Skips the current (unknown) property's value.</summary>
    public void Skip() => _reader.Skip();

    /// <summary>
    /// Moves to the next element of the current array (<paramref name="count"/> read so far), or leaves the
    /// array and returns false.
    /// </summary>
    public bool NextElement(int count)
    {
        int top = _depth - 1;
        _frames[top].Value = count;
        _reader.Read();
        if (_reader.TokenType != JsonTokenType.EndArray) return true;
        _depth = top;
        return false;
    }

    /// <summary>Moves to the next key of the current dictionary and reads its value token, or leaves it.</summary>
    public bool NextKey(out string key)
    {
        int top = _depth - 1;
        _reader.Read();
        if (_reader.TokenType == JsonTokenType.EndObject)
        {
            _depth = top;
            key = "";
            return false;
        }
        int start = checked((int)_reader.TokenStartIndex);
        key = ReadString();
        _frames[top].Value = start;
        _reader.Read();
        return true;
    }

    // ---- values ----

    public string? GetString() => _reader.TokenType switch
    {
        JsonTokenType.String => ReadString(),
        JsonTokenType.Null => null,
        _ => throw CannotConvert(typeof(string)),
    };

    /// <summary>A string property declared non-nullable: JSON null is rejected, as RespectNullableAnnotations does.</summary>
    public string GetRequiredString(string jsonName, Type owner) => GetString() ?? throw NullNotAllowed(jsonName, owner);

    public bool GetBoolean() => _reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw CannotConvert(typeof(bool)),
    };

    public bool? GetNullableBoolean() => _reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.Null => null,
        _ => throw CannotConvert(typeof(bool?)),
    };

    public int GetInt32() => IsNumber && _reader.TryGetInt32(out int v) ? v : throw CannotConvert(typeof(int));

    public int? GetNullableInt32() => IsNull ? null : IsNumber && _reader.TryGetInt32(out int v) ? v : throw CannotConvert(typeof(int?));

    public uint GetUInt32() => IsNumber && _reader.TryGetUInt32(out uint v) ? v : throw CannotConvert(typeof(uint));

    public uint? GetNullableUInt32() => IsNull ? null : IsNumber && _reader.TryGetUInt32(out uint v) ? v : throw CannotConvert(typeof(uint?));

    public long GetInt64() => IsNumber && _reader.TryGetInt64(out long v) ? v : throw CannotConvert(typeof(long));

    public long? GetNullableInt64() => IsNull ? null : IsNumber && _reader.TryGetInt64(out long v) ? v : throw CannotConvert(typeof(long?));

    public ulong GetUInt64() => IsNumber && _reader.TryGetUInt64(out ulong v) ? v : throw CannotConvert(typeof(ulong));

    public ulong? GetNullableUInt64() => IsNull ? null : IsNumber && _reader.TryGetUInt64(out ulong v) ? v : throw CannotConvert(typeof(ulong?));

    public ushort? GetNullableUInt16() => IsNull ? null : IsNumber && _reader.TryGetUInt16(out ushort v) ? v : throw CannotConvert(typeof(ushort?));

    private readonly bool IsNull => _reader.TokenType == JsonTokenType.Null;

    private readonly bool IsNumber => _reader.TokenType == JsonTokenType.Number;

    private string ReadString()
    {
        try
        {
            return _reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            // Invalid UTF-8 or a lone surrogate escape.
            throw CannotConvert(typeof(string), e);
        }
    }

    private ReadOnlySpan<byte> Unescape(Type owner)
    {
        // Rare (who escapes a property name?), so a heap buffer is fine.
        byte[] buffer = new byte[_reader.ValueSpan.Length];
        try
        {
            return buffer.AsSpan(0, _reader.CopyString(buffer));
        }
        catch (InvalidOperationException e)
        {
            throw CannotConvert(owner, e);
        }
    }

    // ---- errors, shaped like STJ's (see ThrowHelper.Serialization.cs) ----

    /// <summary>The value at the cursor does not fit <paramref name="type"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public readonly JsonException CannotConvert(Type type, Exception? inner = null)
        => Error($"The JSON value could not be converted to {type}.", inner);

    /// <summary>JSON null for a property whose type is not nullable.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public readonly JsonException NullNotAllowed(string jsonName, Type owner)
        => Error($"The property or field '{jsonName}' on type '{owner}' doesn't allow setting null values. Consider updating its nullability annotation.", null);

    /// <summary>Adds the path to an exception thrown by <see cref="Utf8JsonReader"/>, which knows only the position.</summary>
    public readonly JsonException WithPath(JsonException readerError)
    {
        if (readerError.Path is not null) return readerError;
        string path = Path();
        string message = readerError.Message;
        int at = message.LastIndexOf(" LineNumber: ", StringComparison.Ordinal);
        message = at >= 0 ? $"{message[..at]} Path: {path} |{message[at..]}" : $"{message} Path: {path}.";
        return new JsonException(message, path, readerError.LineNumber, readerError.BytePositionInLine, readerError);
    }

    private readonly JsonException Error(string message, Exception? inner)
    {
        // STJ reports the reader's position, which is just past the current token.
        int consumed = checked((int)_reader.BytesConsumed);
        ReadOnlySpan<byte> before = _utf8[..consumed];
        long line = before.Count((byte)'\n');
        long column = consumed - (before.LastIndexOf((byte)'\n') + 1);
        string path = Path();
        return new JsonException($"{message} Path: {path} | LineNumber: {line} | BytePositionInLine: {column}.", path, line, column, inner);
    }

    private readonly string Path()
    {
        var sb = new StringBuilder("$");
        for (int i = 0; i < _depth; i++)
        {
            Frame frame = _frames[i];
            if (frame.Kind == FrameKind.Array)
            {
                sb.Append('[').Append(frame.Value).Append(']');
            }
            else if (frame.Value >= 0)
            {
                string name = NameAt(frame.Value);
                if (name.AsSpan().IndexOfAny(". '/\"[]()\t\n\r\f\b\\\u0085\u2028\u2029") >= 0)
                    sb.Append("['").Append(name).Append("']");
                else
                    sb.Append('.').Append(name);
            }
        }
        return sb.ToString();
    }

    // The name as the document spells it (unescaped), like STJ's path; invalid UTF-8 becomes U+FFFD.
    private readonly string NameAt(int tokenStart)
    {
        var reader = new Utf8JsonReader(_utf8[tokenStart..]);
        reader.Read();
        if (!reader.ValueIsEscaped) return Encoding.UTF8.GetString(reader.ValueSpan);
        byte[] buffer = new byte[reader.ValueSpan.Length];
        return Encoding.UTF8.GetString(buffer, 0, reader.CopyString(buffer));
    }
}
