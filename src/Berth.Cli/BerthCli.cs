using Berth.Cli.Api;
using Berth.Cli.Commands;
using Berth.Cli.Templates;

namespace Berth.Cli;

/// <summary>
/// berth's entry point: global flags, then the command (or a group and its command), then that command's
/// flags and arguments, with docker's error texts and exit codes (125 for a bad flag, 1 for anything else).
/// </summary>
public static class BerthCli
{
    public const string Version = "0.1.0";
    private const int EPIPE = 32;

    internal static readonly FlagDef[] GlobalFlags =
    [
        FlagDef.Str("host", 'H', "Daemon socket to connect to (default: $BERTH_HOST, $DOCKER_HOST, unix:///run/berth/berth.sock)"),
        FlagDef.Str("config", null, "Location of client config files (default: $DOCKER_CONFIG or ~/.docker)"),
        FlagDef.Bool("debug", 'D', "Enable debug mode"),
        FlagDef.Str("log-level", 'l', "Set the logging level (\"debug\"|\"info\"|\"warn\"|\"error\"|\"fatal\")", "info"),
        FlagDef.Bool("version", 'v', "Print version information and quit"),
        FlagDef.Bool("help", 'h', "Print usage"),
    ];

    public static async Task<int> RunAsync(string[] argv, CliIO io)
    {
        try { return await RunCoreAsync(argv, io); }
        catch (IOException e) when (e.HResult == EPIPE) { return 128 + 13; } // the reader left (berth events | head): quiet, as SIGPIPE
    }

    private static async Task<int> RunCoreAsync(string[] argv, CliIO io)
    {
        ParsedFlags global;
        List<string> rest;
        try { (global, rest) = ArgParser.Parse(argv, GlobalFlags, stopAtFirstArg: true); }
        catch (UsageException e) { return UsageError(io, e.Message, "Usage:  berth [OPTIONS] COMMAND [ARG...]", "berth", e.ExitCode); }

        if (global.Bool("version"))
        {
            await io.Out.WriteLineAsync($"Berth version {Version}");
            return 0;
        }
        if (rest.Count == 0 || rest is ["help"])
        {
            await io.Out.WriteAsync(CommandTable.TopLevelHelp());
            return 0;
        }
        if (rest[0] == "help") rest = [.. rest.Skip(1), "--help"];
        else if (global.Bool("help")) rest = [.. rest, "--help"];

        var (command, invokedAs, argsAt) = CommandTable.Find(rest);
        if (command is null)
        {
            if (invokedAs.Contains(' ') || CommandTable.IsGroup(invokedAs))
            {
                // a group with no or an unknown subcommand
                if (argsAt >= rest.Count || rest[argsAt] is "--help" or "-h")
                {
                    // docker writes a group's help to stderr when no subcommand is given
                    await (argsAt >= rest.Count ? io.Err : io.Out).WriteAsync(CommandTable.GroupHelp(invokedAs));
                    return 0;
                }
                await io.Err.WriteLineAsync($"berth: unknown command: berth {invokedAs} {rest[argsAt]}\n\nUsage:  berth {invokedAs}\n\nRun 'berth {invokedAs} --help' for more information");
                return 1;
            }
            await io.Err.WriteLineAsync($"berth: unknown command: berth {rest[0]}\n\nRun 'berth --help' for more information");
            return 1;
        }

        GlobalOptions options;
        ParsedFlags flags;
        List<string> args;
        try
        {
            var (host, explicitHost) = DaemonHost.Resolve(global.String("host"), io.Env);
            options = new GlobalOptions
            {
                Host = host,
                HostIsExplicit = explicitHost,
                ConfigDir = global.String("config") is { Length: > 0 } c ? c : DockerConfig.DefaultDir(io.Env),
                Debug = global.Bool("debug"),
            };
            (flags, args) = ArgParser.Parse(rest.Skip(argsAt).ToList(), [.. command.Flags, FlagDef.Bool("help", 'h', "Print usage")]);
        }
        catch (UsageException e) { return UsageError(io, e.Message, command.UsageLine(invokedAs), $"berth {invokedAs}", e.ExitCode); }

        if (flags.Bool("help"))
        {
            await io.Out.WriteAsync(command.Help(invokedAs));
            return 0;
        }
        if (command.CheckArgs(args.Count, invokedAs) is { } argError)
        {
            // docker says "See" after "requires at least" and "Run" after the others
            string hint = argError.Contains("at least", StringComparison.Ordinal) ? "See" : "Run";
            await io.Err.WriteLineAsync($"berth: {argError}\n\n{command.UsageLine(invokedAs)}\n\n{hint} 'berth {invokedAs} --help' for more information");
            return 1;
        }

        var ctx = new CommandContext(io, options, command, invokedAs, flags, args);
        try
        {
            return await command.Run(ctx);
        }
        catch (UsageException e) { return UsageError(io, e.Message, command.UsageLine(invokedAs), $"berth {invokedAs}", e.ExitCode); }
        catch (DaemonErrorException e) { await io.Err.WriteLineAsync($"Error response from daemon: {e.Message}"); }
        catch (ConnectionException e)
        {
            await io.Err.WriteLineAsync(e.Message + (options.Debug ? $" ({e.Detail})" : ""));
        }
        catch (TemplateException e) { await io.Err.WriteLineAsync($"template parsing error: {e.Message}"); } // docker's words, even while executing
        catch (CliException e)
        {
            await io.Err.WriteLineAsync(e.Message);
            return e.ExitCode;
        }
        catch (IOException e) when (e.HResult != EPIPE) { await io.Err.WriteLineAsync(e.Message); }
        catch (UnauthorizedAccessException e) { await io.Err.WriteLineAsync(e.Message); }
        finally { ctx.Dispose(); }
        return 1;
    }

    private static int UsageError(CliIO io, string message, string usage, string command, int exit)
    {
        io.Err.WriteLine($"{message}\n\n{usage}\n\nRun '{command} --help' for more information");
        return exit;
    }
}
