using Berth.Core;

namespace Berth.Runtime.Cli;

/// <summary>
/// Parses <c>berth-runtime [global flags] command [flags and arguments]</c> the way runc's flag
/// library (urfave/cli v3) does, so argv built for runc by containerd, conmon and podman parses identically.
/// </summary>
public static partial class RuntimeArgs
{
    public const string ProgramName = "berth-runtime";

    public static ParsedArgs Parse(string[] argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        var globals = new GlobalOptions();
        var none = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        int i = 0;
        for (; i < argv.Length; i++)
        {
            string arg = argv[i];
            if (arg == "--") { i++; break; }
            if (!LooksLikeFlag(arg)) break;   // the command name (or junk that will be reported as one)
            (string name, string? inline) = Split(arg);
            FlagSpec flag = RuntimeCommands.FindGlobal(name)
                ?? (RuntimeCommands.VersionFlag.Matches(name) ? RuntimeCommands.VersionFlag : null)
                ?? (RuntimeCommands.HelpFlag.Matches(name) ? RuntimeCommands.HelpFlag : null)
                ?? throw NotDefined(name);
            ApplyGlobal(globals, flag, name, ReadValue(flag, arg, name, inline, argv, ref i));
        }

        // runc checks help before version, and both before looking at the command.
        if (globals.Help)
            return new ParsedArgs(globals, HelpTopic(i < argv.Length ? argv[i] : null), none, []);
        if (globals.Version)
            return new ParsedArgs(globals, null, none, []);
        if (i >= argv.Length || argv[i] is "help" or "h")
        {
            // A bare invocation shows the overview, as runc does (its root has no action of its own).
            globals.Help = true;
            return new ParsedArgs(globals, HelpTopic(i + 1 < argv.Length ? argv[i + 1] : null), none, []);
        }

        CommandSpec command = RuntimeCommands.Find(argv[i]) ?? throw NoHelpTopic(argv[i]);
        return ParseCommand(command, globals, argv, i + 1);
    }

    private static ParsedArgs ParseCommand(CommandSpec command, GlobalOptions globals, string[] argv, int i)
    {
        var flags = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var positionals = new List<string>();
        for (; i < argv.Length; i++)
        {
            string arg = argv[i];
            // "--" is honoured even after the first positional of exec/kill/ps, and dropped, as in runc.
            if (arg == "--") { positionals.AddRange(argv.AsSpan(i + 1)); break; }
            if (command.StopAfterPositional && positionals.Count >= 1) { positionals.AddRange(argv.AsSpan(i)); break; }
            if (arg.Length < 2 || arg[0] != '-')
            {
                // runc also drops everything after a lone "-"; that loses arguments silently, so we keep them.
                positionals.Add(arg);
                continue;
            }
            if (!LooksLikeFlag(arg)) { positionals.AddRange(argv.AsSpan(i)); break; }   // "-1": flags end here

            (string name, string? inline) = Split(arg);
            if (command.FindFlag(name) is { } local)
            {
                string value = ReadValue(local, arg, name, inline, argv, ref i);
                if (local.IsList && flags.TryGetValue(local.Name, out List<string>? values)) values.Add(value);
                else flags[local.Name] = [value];
            }
            else if (RuntimeCommands.HelpFlag.Matches(name))
            {
                if (ReadValue(RuntimeCommands.HelpFlag, arg, name, inline, argv, ref i) == "true")
                {
                    globals.Help = true;
                    return new ParsedArgs(globals, command, flags, positionals);
                }
            }
            else if (RuntimeCommands.FindGlobal(name) is { } global)
            {
                // runc's root flags are persistent: "runc create --debug ..." works in current runc.
                ApplyGlobal(globals, global, name, ReadValue(global, arg, name, inline, argv, ref i));
            }
            else
            {
                throw NotDefined(name);
            }
        }

        CheckCount(command, positionals.Count);
        return new ParsedArgs(globals, command, flags, positionals);
    }

    /// <summary>"-x" or "--x...": a single dash must be followed by a letter, so "-1" and "-" are arguments.</summary>
    private static bool LooksLikeFlag(string arg)
        => arg.Length >= 2 && arg[0] == '-' && (arg[1] == '-' || char.IsLetter(arg[1]));

    /// <summary>One or two dashes, either spelling: "-bundle=x", "--b x" and "--bundle x" are all the same flag.</summary>
    private static (string Name, string? Inline) Split(string arg)
    {
        string body = arg[(arg.StartsWith("--", StringComparison.Ordinal) ? 2 : 1)..];
        int eq = body.IndexOf('=');
        return eq < 0 ? (body, null) : (body[..eq], body[(eq + 1)..]);
    }

    private static string ReadValue(FlagSpec flag, string arg, string typedName, string? inline, string[] argv, ref int i)
    {
        if (flag.Kind == FlagKind.Bool)
        {
            // A bool never consumes the next argument; only "=value" can turn it off.
            if (string.IsNullOrEmpty(inline)) return "true";
            return GoSyntax.TryParseBool(inline, out bool b) ? (b ? "true" : "false") : throw InvalidValue(inline, typedName, "not a boolean");
        }

        string value;
        if (inline is not null) value = inline;
        else if (i + 1 < argv.Length) value = argv[++i];   // taken as-is, even if it starts with '-'
        else throw new BerthException(ErrorKind.InvalidArgument, $"flag needs an argument: {arg}");

        bool ok = flag.Kind switch
        {
            FlagKind.Int or FlagKind.IntList => GoSyntax.TryParseInt(value, out _),
            FlagKind.Duration => GoSyntax.TryParseDuration(value, out _),
            _ => true,
        };
        return ok ? value : throw InvalidValue(value, typedName, flag.Kind == FlagKind.Duration ? "not a duration" : "not an integer");
    }

    private static void ApplyGlobal(GlobalOptions g, FlagSpec flag, string typedName, string value)
    {
        switch (flag.Name)
        {
            case "debug": g.Debug = value == "true"; break;
            case "systemd-cgroup": g.SystemdCgroup = value == "true"; break;
            case "version": g.Version = value == "true"; break;
            case "help": g.Help = value == "true"; break;
            case "root": g.Root = value; break;
            case "log": g.Log = value; break;
            case "cgroup-manager": g.CgroupManager = value; break;
            case "log-format":
                g.LogFormat = value switch
                {
                    "" or "text" => LogFormat.Text,
                    "json" => LogFormat.Json,
                    _ => throw new BerthException(ErrorKind.InvalidArgument, $"invalid log-format: {value}"),   // runc's text
                };
                break;
            case "rootless":
                if (value.Length == 0 || value.Equals("auto", StringComparison.OrdinalIgnoreCase)) g.Rootless = "auto";
                else if (GoSyntax.TryParseBool(value, out bool b)) g.Rootless = b ? "true" : "false";
                else throw InvalidValue(value, typedName, "must be true, false or auto");
                break;
            default:
                throw new InvalidOperationException($"global flag --{flag.Name} has no handler");
        }
    }

    private static void CheckCount(CommandSpec c, int n)
    {
        string? problem =
            c.MinArgs == c.MaxArgs && n != c.MinArgs ? $"exactly {c.MinArgs}" :
            n < c.MinArgs ? $"a minimum of {c.MinArgs}" :
            n > c.MaxArgs ? $"a maximum of {c.MaxArgs}" : null;
        if (problem is not null)
            throw new BerthException(ErrorKind.InvalidArgument, $"{ProgramName}: \"{c.Name}\" requires {problem} argument(s)");
    }

    private static CommandSpec? HelpTopic(string? topic)
        => topic is null or "help" or "h" ? null : RuntimeCommands.Find(topic) ?? throw NoHelpTopic(topic);

    private static BerthException NoHelpTopic(string name)
        => new(ErrorKind.InvalidArgument, $"No help topic for '{name}'");

    private static BerthException NotDefined(string name)
        => new(ErrorKind.InvalidArgument, $"flag provided but not defined: -{name}");

    private static BerthException InvalidValue(string value, string typedName, string why)
        => new(ErrorKind.InvalidArgument, $"invalid value {GoSyntax.Quote(value)} for flag -{typedName}: {why}");
}
