using System.Text.Encodings.Web;
using System.Text.Json;

namespace Berth.Runtime;

/// <summary>
/// JSON's own escaping and nothing more: quote, backslash and control characters, as \uXXXX; everything else is
/// written as UTF-8. For documents only Berth reads back (a container's state, init's config). The stock encoders
/// build an allow-list of every Unicode range the first time they are used: 0.1 ms of every short-lived runtime
/// command that writes one.
/// </summary>
internal sealed class MinimalJsonEncoder : JavaScriptEncoder
{
    public static readonly MinimalJsonEncoder Instance = new();

    /// <summary>Writer options with this encoder.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = Instance };

    private MinimalJsonEncoder() { }

    public override int MaxOutputCharactersPerInputCharacter => 6; // \uXXXX

    // Lone surrogates too: the writer then puts U+FFFD in their place.
    public override bool WillEncode(int unicodeScalar) =>
        unicodeScalar is < 0x20 or '"' or '\\' or (>= 0xD800 and <= 0xDFFF);

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (int i = 0; i < textLength; i++)
            if (WillEncode(text[i])) return i;
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        numberOfCharactersWritten = 0;
        // WillEncode never asks for a scalar above the BMP; should one come, it is written as its surrogate pair.
        if (unicodeScalar > 0xFFFF)
        {
            if (bufferLength < 12) return false;
            int v = unicodeScalar - 0x10000;
            Escape(0xD800 + (v >> 10), buffer);
            Escape(0xDC00 + (v & 0x3FF), buffer + 6);
            numberOfCharactersWritten = 12;
            return true;
        }
        if (bufferLength < 6) return false;
        Escape(unicodeScalar, buffer);
        numberOfCharactersWritten = 6;
        return true;
    }

    private static unsafe void Escape(int codeUnit, char* to)
    {
        const string Hex = "0123456789abcdef";
        to[0] = '\\';
        to[1] = 'u';
        for (int i = 0; i < 4; i++) to[2 + i] = Hex[(codeUnit >> (12 - 4 * i)) & 0xF];
    }
}
