namespace Berth.Cli.Templates;

/// <summary>A template that does not parse, or fails while running; the message is in Go's words.</summary>
public sealed class TemplateException(string message, bool parsing) : Exception(message)
{
    /// <summary>True for a syntax error (docker: "template parsing error: ..."), false while executing.</summary>
    public bool Parsing { get; } = parsing;
}
