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

    private static FileStream Fd(int fd, FileAccess access) =>
        new(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false), access, bufferSize: 0);

    public static CliIO FromProcess()
    {
        // Plain fd streams: .NET's console streams set the terminal up on first write (keypad mode escapes)
        var stdout = new StreamWriter(Fd(1, FileAccess.Write)) { AutoFlush = true, NewLine = "\n" };
        var stderr = new StreamWriter(Fd(2, FileAccess.Write)) { AutoFlush = true, NewLine = "\n" };
        bool tty = !Console.IsOutputRedirected;
        int width = tty ? TerminalSize.Columns(1, 80) : 80;
        return new CliIO(Fd(0, FileAccess.Read), stdout, stderr, tty, Environment.GetEnvironmentVariable)
        {
            RawOut = () => Fd(1, FileAccess.Write),
            TerminalWidth = width,
        };
    }
}
