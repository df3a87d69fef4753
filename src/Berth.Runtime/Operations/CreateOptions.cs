namespace Berth.Runtime.Operations;

public sealed class CreateOptions
{
    public string Bundle { get; set; } = ".";
    public string? PidFile { get; set; }
    public string? ConsoleSocket { get; set; }
    public bool NoPivot { get; set; }
    public bool NoNewKeyring { get; set; }
    public int PreserveFds { get; set; }
    /// <summary>Foreground run: with terminal true and no console socket, the runtime relays the pty itself.</summary>
    internal bool RelayTerminal { get; set; }

    /// <summary>run: init goes on to exec once created, without waiting for a start on the exec fifo.</summary>
    internal bool StartAtOnce { get; set; }

    /// <summary>Set by create when it set up that relay; the caller relays and disposes it.</summary>
    internal TerminalProxy? Proxy { get; set; }
}
