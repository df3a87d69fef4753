using System.Text;
using System.Text.Json;

namespace Berth.Cli.Templates;

/// <summary>
/// A parsed Go text/template (the subset docker users write in --format) run over JSON data.
/// A missing field is an error either way: with <see cref="StrictType"/> set it names that type, as Go reports
/// for a struct (docker's list rows); otherwise the data is a decoded map run with missingkey=error (inspect).
/// </summary>
public sealed class GoTemplate
{
    private readonly List<Node> _nodes;
    private readonly string _source;

    private GoTemplate(string source, List<Node> nodes) => (_source, _nodes) = (source, nodes);

    /// <summary>The Go type named in "can't evaluate field X in type T"; null for map-like data.</summary>
    public string? StrictType { get; init; }

    /// <exception cref="TemplateException">a syntax error, in Go's words.</exception>
    public static GoTemplate Parse(string source) => new(source, TemplateParser.Parse(source));

    public GoTemplate WithStrictType(string? type) => new(_source, _nodes) { StrictType = type };

    public string Execute(JsonElement data)
    {
        var sb = new StringBuilder();
        Run(_nodes, data, data, sb);
        return sb.ToString();
    }

    private void Run(List<Node> nodes, object? dot, JsonElement root, StringBuilder sb)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode t: sb.Append(t.Text); break;
                case ActionNode a: sb.Append(TemplateValues.Print(Eval(a.Pipe, dot, root))); break;
                case IfNode i:
                    if (TemplateValues.Truth(Eval(i.Pipe, dot, root))) Run(i.Then, dot, root, sb);
                    else if (i.Else is not null) Run(i.Else, dot, root, sb);
                    break;
                case WithNode w:
                {
                    object? v = Eval(w.Pipe, dot, root);
                    if (TemplateValues.Truth(v)) Run(w.Body, v, root, sb);
                    else if (w.Else is not null) Run(w.Else, dot, root, sb);
                    break;
                }
                case RangeNode r:
                {
                    bool any = false;
                    foreach (object? item in TemplateValues.Items(Eval(r.Pipe, dot, root)))
                    {
                        any = true;
                        Run(r.Body, item, root, sb);
                    }
                    if (!any && r.Else is not null) Run(r.Else, dot, root, sb);
                    break;
                }
            }
        }
    }

    private object? Eval(Pipeline pipe, object? dot, JsonElement root)
    {
        object? result = null;
        bool first = true;
        foreach (var cmd in pipe.Commands)
        {
            var args = cmd.Args;
            if (args[0] is FunctionOperand f)
            {
                var values = new List<object?>(args.Count);
                for (int i = 1; i < args.Count; i++) values.Add(Operand(args[i], dot, root));
                if (!first) values.Add(result);
                result = TemplateFunctions.Call(f.Name, values);
            }
            else
            {
                if (args.Count > 1 || !first)
                    throw Exec(pipe, $"can't give argument to non-function {Describe(args[0])}", args[0] is FieldOperand fo ? fo.Offset : 0);
                result = Operand(args[0], dot, root);
            }
            first = false;
        }
        return result;
    }

    private static string Describe(Operand o) => o switch
    {
        FieldOperand f => f.Source,
        LiteralOperand l => TemplateValues.Print(l.Value),
        _ => "(...)",
    };

    private object? Operand(Operand op, object? dot, JsonElement root) => op switch
    {
        FieldOperand f => Walk(f.FromRoot ? root : dot, f.Path, f),
        LiteralOperand l => l.Value,
        SubPipeOperand s => Walk(Eval(s.Pipe, dot, root), s.Path, null),
        FunctionOperand fn => TemplateFunctions.Call(fn.Name, []),
        _ => null,
    };

    private object? Walk(object? v, string[] path, FieldOperand? at)
    {
        // Go reports the column of the field that failed: ".Config.Foo" fails at ".Foo".
        int offset = at?.Offset ?? 0;
        bool top = true;
        foreach (string name in path)
        {
            v = v switch
            {
                JsonElement { ValueKind: JsonValueKind.Object } e when e.TryGetProperty(name, out var p) => p,
                JsonElement { ValueKind: JsonValueKind.Object } => StrictType is not null && top
                    ? throw Exec(at, offset, $"can't evaluate field {name} in type {StrictType}")
                    : throw Exec(at, offset, $"map has no entry for key \"{name}\""),
                null or NoValue or JsonElement { ValueKind: JsonValueKind.Null } => throw Exec(at, offset, $"nil pointer evaluating interface {{}}.{name}"),
                _ => throw Exec(at, offset, $"can't evaluate field {name} in type {GoTypeOf(v)}"),
            };
            offset += name.Length + 1;
            top = false;
        }
        return v;
    }

    private static string GoTypeOf(object? v) => v switch
    {
        string or JsonElement { ValueKind: JsonValueKind.String } => "string",
        long or JsonElement { ValueKind: JsonValueKind.Number } => "int64",
        bool or JsonElement { ValueKind: JsonValueKind.True or JsonValueKind.False } => "bool",
        _ => "[]interface {}",
    };

    private TemplateException Exec(FieldOperand? at, int offset, string message) => Exec(null, message, offset, at?.Source);

    private TemplateException Exec(Pipeline? pipe, string message, int offset, string? source = null)
    {
        int line = TemplateParser.Line(_source, offset);
        int lineStart = offset == 0 ? 0 : _source.LastIndexOf('\n', Math.Max(0, offset - 1)) + 1;
        string at = source ?? pipe?.Source ?? "";
        return new TemplateException($"template: :{line}:{offset - lineStart}: executing \"\" at <{at}>: {message}", parsing: false);
    }
}
