using Berth.Cli.Api;

namespace Berth.Cli.Commands;

/// <summary>What a command handler gets: streams, its flags and arguments, the config dir, and the API client.</summary>
public sealed class CommandContext(CliIO io, GlobalOptions global, CommandDef command, string invokedAs, ParsedFlags flags, List<string> args) : IDisposable
{
    private ApiClient? _client;

    public CliIO IO { get; } = io;
    public TextWriter Out => IO.Out;
    public TextWriter Err => IO.Err;
    public GlobalOptions Global { get; } = global;
    public CommandDef Command { get; } = command;
    public string InvokedAs { get; } = invokedAs;
    public ParsedFlags Flags { get; } = flags;
    public List<string> Args { get; } = args;

    /// <summary>The client, pinged (and berthd started when the default socket has no daemon).</summary>
    public async Task<ApiClient> ClientAsync(CancellationToken ct = default)
    {
        if (_client is not null) return _client;
        var client = new ApiClient(Global.Host);
        try
        {
            await client.PingAsync(ct);
        }
        catch (ConnectionException e) when (!Global.HostIsExplicit && e.NobodyListening)
        {
            await DaemonStarter.StartAsync(Global.Host, IO, ct);
            await client.PingAsync(ct);
        }
        return _client = client;
    }

    public void Dispose() => _client?.Dispose();
}

/// <summary>The flags before the command name, and what they resolve to.</summary>
public sealed class GlobalOptions
{
    public required DaemonHost Host { get; init; }
    public required bool HostIsExplicit { get; init; }
    public required string ConfigDir { get; init; }
    public bool Debug { get; init; }
}
