using System.Text;

namespace Berth.Distribution;

/// <summary>
/// One challenge from a <c>WWW-Authenticate</c> header (RFC 9110 §11.6.1): a scheme such as
/// Bearer or Basic, with either auth-params (<c>realm="…", service="…", scope="…"</c>) or a token68.
/// </summary>
public sealed class AuthChallenge
{
    public string Scheme { get; }

    /// <summary>The auth-params; names are case-insensitive.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    public string? Token68 { get; }

    public AuthChallenge(string scheme, IReadOnlyDictionary<string, string> parameters, string? token68 = null)
    {
        Scheme = scheme;
        Parameters = parameters;
        Token68 = token68;
    }

    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);
    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public string? Realm => Parameters.GetValueOrDefault("realm");
    public string? Service => Parameters.GetValueOrDefault("service");
    public string? Scope => Parameters.GetValueOrDefault("scope");
    public string? Error => Parameters.GetValueOrDefault("error");

    public override string ToString()
    {
        var sb = new StringBuilder(Scheme);
        if (Token68 is not null) sb.Append(' ').Append(Token68);
        bool first = true;
        foreach ((string k, string v) in Parameters)
        {
            sb.Append(first ? " " : ", ").Append(k).Append("=\"").Append(v.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
            first = false;
        }
        return sb.ToString();
    }

    /// <summary>All challenges in all the given header values. Malformed parts are skipped, never thrown on.</summary>
    public static IReadOnlyList<AuthChallenge> ParseAll(IEnumerable<string> headerValues)
    {
        var all = new List<AuthChallenge>();
        foreach (string v in headerValues) all.AddRange(Parse(v));
        return all;
    }

    /// <summary>
    /// Parses one header value, which may hold several comma-separated challenges, e.g.
    /// <c>Bearer realm="https://auth/token",service="reg",scope="repository:a/b:pull,push", Basic realm="x"</c>.
    /// Quoted strings may contain commas and backslash escapes.
    /// </summary>
    public static IReadOnlyList<AuthChallenge> Parse(string? header)
    {
        var result = new List<AuthChallenge>();
        if (string.IsNullOrEmpty(header)) return result;
        var p = new Parser(header);
        string? scheme = null;
        Dictionary<string, string>? parameters = null;
        string? token68 = null;

        void Flush()
        {
            if (scheme is not null) result.Add(new AuthChallenge(scheme, parameters!, token68));
            scheme = null;
            parameters = null;
            token68 = null;
        }

        while (true)
        {
            p.SkipSpacesAndCommas();
            if (p.AtEnd) break;
            int itemStart = p.Pos;
            string? token = p.ReadToken();
            if (token is null)
            {
                // Not a token where one must be: skip to the next comma and carry on.
                p.SkipPast(',');
                continue;
            }
            p.SkipSpaces();
            if (scheme is not null && p.Peek == '=')
            {
                // auth-param of the current challenge (or a token68 made of token chars and '=' padding).
                p.Advance();
                p.SkipSpaces();
                string? value = p.Peek == '"' ? p.ReadQuoted() : p.ReadToken();
                if (value is null)
                {
                    // "abc=" followed by end/comma: a token68 such as base64 padding.
                    if (parameters!.Count == 0 && token68 is null)
                    {
                        while (p.Peek == '=') p.Advance();
                        token68 = p.Slice(itemStart).Trim();
                    }
                    else
                    {
                        p.SkipPast(',');
                    }
                    continue;
                }
                parameters!.TryAdd(token, value);
                continue;
            }
            // A new challenge: the token is its scheme.
            Flush();
            scheme = token;
            parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            // token68 directly after the scheme: "Negotiate abc/+==" (no '=' straight after a token).
            if (!p.AtEnd && p.Peek != ',')
            {
                int save = p.Pos;
                string? next = p.ReadToken68();
                p.SkipSpaces();
                if (next is not null && (p.AtEnd || p.Peek == ',') && (next.Contains('/') || next.Contains('+') || next.EndsWith('=')))
                {
                    token68 = next;
                    continue;
                }
                p.Pos = save;
            }
        }
        Flush();
        return result;
    }

    private struct Parser(string s)
    {
        private readonly string _s = s;
        public int Pos;

        public readonly bool AtEnd => Pos >= _s.Length;
        public readonly char Peek => Pos < _s.Length ? _s[Pos] : '\0';
        public void Advance() => Pos++;
        public readonly string Slice(int start) => _s[start..Pos];

        public void SkipSpaces()
        {
            while (Pos < _s.Length && _s[Pos] is ' ' or '\t') Pos++;
        }

        public void SkipSpacesAndCommas()
        {
            while (Pos < _s.Length && _s[Pos] is ' ' or '\t' or ',') Pos++;
        }

        public void SkipPast(char c)
        {
            while (Pos < _s.Length && _s[Pos] != c)
            {
                if (_s[Pos] == '"') ReadQuoted();
                else Pos++;
            }
            if (Pos < _s.Length) Pos++;
        }

        public string? ReadToken()
        {
            int start = Pos;
            while (Pos < _s.Length && IsTChar(_s[Pos])) Pos++;
            return Pos > start ? _s[start..Pos] : null;
        }

        public string? ReadToken68()
        {
            int start = Pos;
            while (Pos < _s.Length && (char.IsAsciiLetterOrDigit(_s[Pos]) || _s[Pos] is '-' or '.' or '_' or '~' or '+' or '/')) Pos++;
            while (Pos < _s.Length && _s[Pos] == '=') Pos++;
            return Pos > start ? _s[start..Pos] : null;
        }

        /// <summary>Reads a quoted-string starting at the opening quote; an unterminated one runs to the end.</summary>
        public string ReadQuoted()
        {
            Pos++; // opening quote
            var sb = new StringBuilder();
            while (Pos < _s.Length)
            {
                char c = _s[Pos++];
                if (c == '"') break;
                if (c == '\\' && Pos < _s.Length) c = _s[Pos++];
                sb.Append(c);
            }
            return sb.ToString();
        }

        private static bool IsTChar(char c) =>
            char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
    }
}
