namespace Berth.Cli.Templates;

// The parsed form of a Go text/template subset: text, actions, if/else, range/else, with/else.

internal abstract record Node;
internal sealed record TextNode(string Text) : Node;
internal sealed record ActionNode(Pipeline Pipe, int Column) : Node;
internal sealed record IfNode(Pipeline Pipe, List<Node> Then, List<Node>? Else) : Node;
internal sealed record RangeNode(Pipeline Pipe, List<Node> Body, List<Node>? Else) : Node;
internal sealed record WithNode(Pipeline Pipe, List<Node> Body, List<Node>? Else) : Node;

/// <summary>Commands joined by '|': each command's result is the last argument of the next.</summary>
internal sealed record Pipeline(List<Command> Commands, string Source);

internal sealed record Command(List<Operand> Args);

internal abstract record Operand;
/// <summary><c>.</c>, <c>.A.B</c> or <c>$.A</c>: fields looked up from dot (or the root for $).</summary>
internal sealed record FieldOperand(bool FromRoot, string[] Path, string Source) : Operand
{
    /// <summary>Offset of the field in the template text, for "template: :1:2: executing ..." errors.</summary>
    public int Offset { get; init; }
}
/// <summary>A function name (json, join, upper ...).</summary>
internal sealed record FunctionOperand(string Name) : Operand;
internal sealed record LiteralOperand(object? Value) : Operand;
internal sealed record SubPipeOperand(Pipeline Pipe, string[] Path) : Operand;

