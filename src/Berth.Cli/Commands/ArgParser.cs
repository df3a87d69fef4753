namespace Berth.Cli.Commands;

/// <summary>
/// pflag's rules, as docker's cobra commands use them: long flags <c>--f v</c> or <c>--f=v</c>, short flags
/// combined (<c>-qa</c>) with a value attached or next (<c>-ofile</c>, <c>-o file</c>), booleans with
/// <c>--f=false</c>, flags and arguments interleaved, and <c>--</c> ending the flags.
/// </summary>
public static class ArgParser
{
    /// <param name="stopAtFirstArg">for the global level: everything from the command name on is left alone</param>
    public static (ParsedFlags Flags, List<string> Args) Parse(IReadOnlyList<string> argv, IReadOnlyList<FlagDef> defs, bool stopAtFirstArg = false)
    {
        var flags = new ParsedFlags(defs);
        var args = new List<string>();
        for (int i = 0; i < argv.Count; i++)
        {
            string a = argv[i];
            if (a == "--")
            {
                args.AddRange(argv.Skip(i + 1));
                break;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                string name = a[2..];
                string? inline = null;
                int eq = name.IndexOf('=');
                if (eq >= 0) (name, inline) = (name[..eq], name[(eq + 1)..]);
                var f = defs.FirstOrDefault(d => d.Name == name) ?? throw new UsageException($"unknown flag: --{name}");
                if (f.Type == FlagType.Bool) flags.Add(f, ParseBool(inline ?? "true", $"--{name}"));
                else if (inline is not null) flags.Add(f, inline);
                else if (i + 1 < argv.Count) flags.Add(f, argv[++i]);
                else throw new UsageException($"flag needs an argument: --{name}");
            }
            else if (a.StartsWith('-') && a.Length > 1)
            {
                for (int j = 1; j < a.Length; j++)
                {
                    char c = a[j];
                    var f = defs.FirstOrDefault(d => d.Short == c) ?? throw new UsageException($"unknown shorthand flag: '{c}' in {a}");
                    if (f.Type == FlagType.Bool)
                    {
                        if (j + 1 < a.Length && a[j + 1] == '=')
                        {
                            flags.Add(f, ParseBool(a[(j + 2)..], $"-{c}"));
                            break;
                        }
                        flags.Add(f, "true");
                        continue;
                    }
                    string rest = a[(j + 1)..];
                    if (rest.StartsWith('=')) rest = rest[1..];
                    if (rest.Length > 0) flags.Add(f, rest);
                    else if (i + 1 < argv.Count) flags.Add(f, argv[++i]);
                    else throw new UsageException($"flag needs an argument: '{c}' in -{c}");
                    break;
                }
            }
            else
            {
                if (stopAtFirstArg)
                {
                    args.AddRange(argv.Skip(i));
                    break;
                }
                args.Add(a);
            }
        }
        return (flags, args);
    }

    private static string ParseBool(string v, string flag) => v.ToLowerInvariant() switch
    {
        "1" or "t" or "true" => "true",
        "0" or "f" or "false" => "false",
        _ => throw new UsageException($"invalid argument \"{v}\" for \"{flag}\" flag: strconv.ParseBool: parsing \"{v}\": invalid syntax"),
    };
}
