namespace Berth.Cli;

/// <summary>The process's streams, and whether stdout is a terminal (progress bars) — swapped for buffers in tests.</summary>
public sealed class CliIO(Stream stdin, TextWriter stdout, TextWriter stderr, bool stdoutIsTerminal, Func<string, string?> env)
{
    public Stream In { get; } = stdin;
    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;
    public bool OutIsTerminal { get; } = stdoutIsTerminal;
    public Func<string, string?> Env { get; } = env;

    /// <summary>stdout as raw bytes (docker save to a pipe); null when Out is not the process's stdout.</summary>
    public Func<Stream>? RawOut { get; init; }

    public int TerminalWidth { get; init; } = 80;

    public static CliIO FromProcess()
    {
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true, NewLine = "\n" };
        var stderr = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true, NewLine = "\n" };
        bool tty = !Console.IsOutputRedirected;
        int width = 80;
        if (tty)
        {
            try { width = Console.WindowWidth > 0 ? Console.WindowWidth : 80; }
            catch (IOException) { }
        }
        return new CliIO(Console.OpenStandardInput(), stdout, stderr, tty, Environment.GetEnvironmentVariable)
        {
            RawOut = Console.OpenStandardOutput,
            TerminalWidth = width,
        };
    }
}
