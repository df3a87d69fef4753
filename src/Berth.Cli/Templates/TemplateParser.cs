using System.Globalization;
using System.Text;

namespace Berth.Cli.Templates;

/// <summary>
/// Parses the Go text/template subset docker users write: text, <c>{{ pipeline }}</c> with <c>{{-</c>/<c>-}}</c>
/// trimming, fields, function calls, pipes, parentheses, string/number/bool literals, and if/else, range/else,
/// with/else ... end. Errors use Go's wording (<c>template: :LINE: ...</c>).
/// </summary>
internal sealed class TemplateParser
{
    private readonly string _src;
    private int _pos;

    private TemplateParser(string src) => _src = src;

    public static List<Node> Parse(string src)
    {
        var p = new TemplateParser(src);
        var nodes = p.ParseList(out string? end, out _);
        if (end is not null) throw p.Error($"unexpected {{{{{end}}}}}", p._pos);
        return nodes;
    }

    private TemplateException Error(string message, int offset) =>
        new($"template: :{Line(_src, offset)}: {message}", parsing: true);

    internal static int Line(string src, int offset) => 1 + src.AsSpan(0, Math.Min(offset, src.Length)).Count('\n');

    /// <summary>Nodes until EOF or a closing keyword (end/else), which is returned in <paramref name="end"/>.</summary>
    private List<Node> ParseList(out string? end, out int endPos)
    {
        var nodes = new List<Node>();
        bool trimNext = false;
        while (true)
        {
            int open = _src.IndexOf("{{", _pos, StringComparison.Ordinal);
            string text = open < 0 ? _src[_pos..] : _src[_pos..open];
            bool trimLeft = open >= 0 && open + 2 < _src.Length && _src[open + 2] == '-' && open + 3 < _src.Length && IsSpace(_src[open + 3]);
            if (trimNext) text = text.TrimStart(' ', '\t', '\r', '\n');
            if (trimLeft) text = text.TrimEnd(' ', '\t', '\r', '\n');
            if (text.Length > 0) nodes.Add(new TextNode(text));
            if (open < 0)
            {
                _pos = _src.Length;
                end = null; endPos = _pos;
                return nodes;
            }
            int start = open + (trimLeft ? 4 : 2);
            int close = FindClose(start);
            if (close < 0) throw Error("unclosed action", open);
            bool trimRight = close >= 2 && _src[close - 1] == '-' && IsSpace(_src[close - 2]);
            int contentEnd = trimRight ? close - 1 : close;
            _pos = close + 2;
            trimNext = trimRight;
            var tokens = Lexer.Tokenize(_src, start, contentEnd, this);
            if (tokens.Count == 0) throw Error("missing value for command", start);
            if (tokens[0].Kind == TokenKind.Identifier)
            {
                switch (tokens[0].Text)
                {
                    case "end" or "else":
                        end = tokens[0].Text; endPos = open;
                        if (tokens.Count > 1 && tokens[0].Text == "else") throw Error("else with a pipeline (else if) is not supported", open);
                        if (tokens.Count > 1) throw Error($"unexpected {tokens[1].Text} in end", open);
                        // trailing trim of the closing tag applies to the text that follows
                        _trimAfterClose = trimRight;
                        return nodes;
                    case "if" or "range" or "with":
                        nodes.Add(ParseBlock(tokens[0].Text, tokens, open));
                        trimNext = _trimAfterClose;
                        continue;
                    case "define" or "template" or "block":
                        throw Error($"{{{{{tokens[0].Text}}}}} is not supported", open);
                }
            }
            var pipe = new PipeParser(tokens, this, _src).ParsePipeline(0, tokens.Count);
            nodes.Add(new ActionNode(pipe, open));
        }
    }

    private bool _trimAfterClose;

    private Node ParseBlock(string keyword, List<Token> tokens, int open)
    {
        if (tokens.Count < 2) throw Error($"missing value for {keyword}", open);
        var pipe = new PipeParser(tokens, this, _src).ParsePipeline(1, tokens.Count);
        var body = ParseList(out string? end, out int endPos);
        List<Node>? elseList = null;
        if (end is null) throw Error("unexpected EOF", _src.Length);
        if (end == "else")
        {
            elseList = ParseList(out end, out endPos);
            if (end != "end") throw Error(end is null ? "unexpected EOF" : "unexpected {{else}}", endPos);
        }
        return keyword switch
        {
            "if" => new IfNode(pipe, body, elseList),
            "range" => new RangeNode(pipe, body, elseList),
            _ => new WithNode(pipe, body, elseList),
        };
    }

    /// <summary>The "}}" closing an action, skipping quoted strings.</summary>
    private int FindClose(int from)
    {
        for (int i = from; i < _src.Length - 1; i++)
        {
            char c = _src[i];
            if (c is '"' or '`')
            {
                int j = i + 1;
                while (j < _src.Length && _src[j] != c) j += c == '"' && _src[j] == '\\' ? 2 : 1;
                i = j;
                continue;
            }
            if (c == '}' && _src[i + 1] == '}') return i;
        }
        return -1;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    internal enum TokenKind { Field, Variable, Identifier, String, Number, Pipe, LeftParen, RightParen }

    internal readonly record struct Token(TokenKind Kind, string Text, int Offset, object? Value = null);

    private static class Lexer
    {
        public static List<Token> Tokenize(string src, int start, int end, TemplateParser p)
        {
            var tokens = new List<Token>();
            int i = start;
            while (i < end)
            {
                char c = src[i];
                if (IsSpace(c)) { i++; continue; }
                int s = i;
                switch (c)
                {
                    case '|': tokens.Add(new Token(TokenKind.Pipe, "|", s)); i++; continue;
                    case '(': tokens.Add(new Token(TokenKind.LeftParen, "(", s)); i++; continue;
                    case ')':
                        tokens.Add(new Token(TokenKind.RightParen, ")", s)); i++;
                        // fields applied to a parenthesised pipeline: (...).A.B
                        if (i < end && src[i] == '.') { int fe = FieldEnd(src, i, end); tokens.Add(new Token(TokenKind.Field, src[i..fe], i)); i = fe; }
                        continue;
                    case '"': tokens.Add(new Token(TokenKind.String, "", s, QuotedString(src, ref i, end, p))); continue;
                    case '`':
                    {
                        int close = src.IndexOf('`', i + 1);
                        if (close < 0 || close >= end) throw p.Error("unterminated raw quoted string", s);
                        tokens.Add(new Token(TokenKind.String, "", s, src[(i + 1)..close]));
                        i = close + 1;
                        continue;
                    }
                    case '.':
                    {
                        int fe = FieldEnd(src, i, end);
                        tokens.Add(new Token(TokenKind.Field, src[i..fe], s));
                        i = fe;
                        continue;
                    }
                    case '$':
                    {
                        int fe = i + 1;
                        while (fe < end && (char.IsLetterOrDigit(src[fe]) || src[fe] == '_')) fe++;
                        if (fe > i + 1) throw p.Error($"undefined variable \"{src[i..fe]}\"", s);
                        int fieldsEnd = fe < end && src[fe] == '.' ? FieldEnd(src, fe, end) : fe;
                        tokens.Add(new Token(TokenKind.Variable, src[i..fieldsEnd], s));
                        i = fieldsEnd;
                        continue;
                    }
                }
                if (char.IsDigit(c) || c == '-' && i + 1 < end && char.IsDigit(src[i + 1]))
                {
                    int ne = i + 1;
                    while (ne < end && (char.IsLetterOrDigit(src[ne]) || src[ne] == '.')) ne++;
                    string text = src[i..ne];
                    object value = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) ? l
                        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d
                        : throw p.Error($"bad number syntax: \"{text}\"", s);
                    tokens.Add(new Token(TokenKind.Number, text, s, value));
                    i = ne;
                    continue;
                }
                if (char.IsLetter(c) || c == '_')
                {
                    int ie = i + 1;
                    while (ie < end && (char.IsLetterOrDigit(src[ie]) || src[ie] == '_')) ie++;
                    tokens.Add(new Token(TokenKind.Identifier, src[i..ie], s));
                    i = ie;
                    continue;
                }
                throw p.Error($"unexpected \"{c}\" in command", s);
            }
            return tokens;
        }

        private static int FieldEnd(string src, int i, int end)
        {
            int e = i + 1;
            while (e < end && (char.IsLetterOrDigit(src[e]) || src[e] is '_' or '.')) e++;
            return e;
        }

        private static string QuotedString(string src, ref int i, int end, TemplateParser p)
        {
            int s = i;
            var sb = new StringBuilder();
            i++;
            while (i < end && src[i] != '"')
            {
                if (src[i] == '\\' && i + 1 < end)
                {
                    i++;
                    sb.Append(src[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '\\' => '\\', '"' => '"', _ => src[i] });
                }
                else sb.Append(src[i]);
                i++;
            }
            if (i >= end) throw p.Error("unterminated quoted string", s);
            i++;
            return sb.ToString();
        }
    }

    private sealed class PipeParser(List<Token> tokens, TemplateParser p, string src)
    {
        public Pipeline ParsePipeline(int from, int to)
        {
            var commands = new List<Command>();
            var args = new List<Operand>();
            for (int i = from; i < to; i++)
            {
                var t = tokens[i];
                switch (t.Kind)
                {
                    case TokenKind.Pipe:
                        if (args.Count == 0) throw p.Error("missing command", t.Offset);
                        commands.Add(new Command(args));
                        args = [];
                        break;
                    case TokenKind.LeftParen:
                    {
                        int depth = 1, j = i + 1;
                        for (; j < to && depth > 0; j++)
                            depth += tokens[j].Kind == TokenKind.LeftParen ? 1 : tokens[j].Kind == TokenKind.RightParen ? -1 : 0;
                        if (depth != 0) throw p.Error("unclosed left paren", t.Offset);
                        var inner = ParsePipeline(i + 1, j - 1);
                        string[] path = [];
                        if (j < to && tokens[j].Kind == TokenKind.Field) { path = SplitPath(tokens[j].Text); j++; }
                        args.Add(new SubPipeOperand(inner, path));
                        i = j - 1;
                        break;
                    }
                    case TokenKind.RightParen: throw p.Error("unexpected right paren", t.Offset);
                    case TokenKind.Field: args.Add(new FieldOperand(false, SplitPath(t.Text), t.Text) { Offset = t.Offset }); break;
                    case TokenKind.Variable: args.Add(new FieldOperand(true, SplitPath(t.Text[1..]), t.Text) { Offset = t.Offset }); break;
                    case TokenKind.String or TokenKind.Number: args.Add(new LiteralOperand(t.Value)); break;
                    case TokenKind.Identifier:
                        args.Add(t.Text switch
                        {
                            "true" => new LiteralOperand(true),
                            "false" => new LiteralOperand(false),
                            "nil" => new LiteralOperand(null),
                            _ when TemplateFunctions.Exists(t.Text) => new FunctionOperand(t.Text),
                            _ => throw p.Error($"function \"{t.Text}\" not defined", t.Offset),
                        });
                        break;
                }
            }
            if (args.Count == 0) throw p.Error(commands.Count == 0 ? "missing value for command" : "missing command", from < tokens.Count ? tokens[from].Offset : 0);
            commands.Add(new Command(args));
            int a = from < tokens.Count ? tokens[from].Offset : 0;
            int b = to - 1 < tokens.Count && to > from ? tokens[to - 1].Offset + Math.Max(tokens[to - 1].Text.Length, 1) : a;
            return new Pipeline(commands, src[a..Math.Min(b, src.Length)]);
        }

        private static string[] SplitPath(string text) =>
            text == "." || text.Length == 0 ? [] : text.TrimStart('.').Split('.');
    }
}
