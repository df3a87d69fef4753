using System.Text;
using System.Text.Json;
using Berth.Core;

namespace Berth.Engine.Images;

/// <summary>
/// docker import --change / docker commit --change: single Dockerfile instructions applied to an image's container
/// defaults. CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME and STOPSIGNAL are supported; variables
/// ($VAR) are not expanded. HEALTHCHECK and ONBUILD, which Docker also accepts here, are refused as unsupported;
/// anything else is not a change instruction at all.
/// </summary>
public static class DockerfileChanges
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static void Apply(ContainerDefaults config, IEnumerable<string> changes)
    {
        foreach (string change in changes)
        {
            string line = change.Trim();
            if (line.Length == 0) continue;
            int space = line.IndexOfAny([' ', '\t']);
            string instruction = (space < 0 ? line : line[..space]).ToUpperInvariant();
            string args = space < 0 ? "" : line[(space + 1)..].Trim();
            if (args.Length == 0 && instruction is not ("CMD" or "ENTRYPOINT"))
                throw Invalid($"{instruction} requires at least one argument");
            switch (instruction)
            {
                case "CMD": config.Cmd = CommandForm(args); break;
                case "ENTRYPOINT": config.Entrypoint = CommandForm(args); break;
                case "ENV": foreach (var (k, v) in Pairs(instruction, args, legacySpaceForm: true)) SetEnv(config, k, v); break;
                case "LABEL": foreach (var (k, v) in Pairs(instruction, args, legacySpaceForm: false)) (config.Labels ??= [])[k] = v; break;
                case "WORKDIR": config.WorkingDir = WorkDir(config.WorkingDir, Unquote(args)); break;
                case "USER": config.User = Unquote(args); break;
                case "STOPSIGNAL": config.StopSignal = Unquote(args); break;
                case "EXPOSE": foreach (string p in Words(args)) (config.ExposedPorts ??= [])[Port(p)] = EmptyObject; break;
                case "VOLUME": foreach (string v in ListForm(args)) (config.Volumes ??= [])[v] = EmptyObject; break;
                case "HEALTHCHECK" or "ONBUILD":
                    throw new BerthException(ErrorKind.InvalidArgument, $"{instruction} is not supported by berthd in --change yet");
                default:
                    throw Invalid($"{instruction} is not a valid change command");
            }
        }
    }

    /// <summary>["exec", "form"] as given; anything else is shell form, run by /bin/sh -c.</summary>
    private static List<string> CommandForm(string args) =>
        TryJsonArray(args) ?? (args.Length == 0 ? [] : ["/bin/sh", "-c", args]);

    private static List<string> ListForm(string args) => TryJsonArray(args) ?? Words(args);

    private static List<string>? TryJsonArray(string args)
    {
        if (!args.StartsWith('[')) return null;
        try
        {
            using var doc = JsonDocument.Parse(args);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) return null;
            var list = new List<string>();
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.String) return null;
                list.Add(e.GetString()!);
            }
            return list;
        }
        catch (JsonException) { return null; } // not JSON: shell form, as Docker falls back
    }

    private static void SetEnv(ContainerDefaults config, string key, string value)
    {
        var env = config.Env ??= [];
        string entry = $"{key}={value}";
        int at = env.FindIndex(e => e.StartsWith(key + "=", StringComparison.Ordinal));
        if (at >= 0) env[at] = entry; else env.Add(entry);
    }

    /// <summary>KEY=VALUE pairs (quoted as a shell would); ENV also has the old "KEY value with spaces" form.</summary>
    private static List<(string Key, string Value)> Pairs(string instruction, string args, bool legacySpaceForm)
    {
        var words = Words(args);
        if (legacySpaceForm && !words[0].Contains('='))
        {
            int space = args.IndexOfAny([' ', '\t']);
            if (space < 0) throw Invalid($"{instruction} names {args} without a value");
            return [(words[0], Unquote(args[(space + 1)..].Trim()))];
        }
        var pairs = new List<(string, string)>();
        foreach (string w in words)
        {
            int eq = w.IndexOf('=');
            if (eq <= 0) throw Invalid($"{instruction}: \"{w}\" is not of the form KEY=VALUE");
            pairs.Add((w[..eq], w[(eq + 1)..]));
        }
        return pairs;
    }

    private static string WorkDir(string? current, string dir) =>
        dir.StartsWith('/') ? dir : Path.Combine(string.IsNullOrEmpty(current) ? "/" : current, dir);

    /// <summary>"80", "80/tcp", "53/udp" → Docker's "80/tcp" keys.</summary>
    private static string Port(string p)
    {
        string[] parts = p.Split('/');
        string proto = parts.Length > 1 ? parts[1].ToLowerInvariant() : "tcp";
        if (parts.Length > 2 || !ushort.TryParse(parts[0], out ushort port) || port == 0 || proto is not ("tcp" or "udp" or "sctp"))
            throw Invalid($"EXPOSE: invalid port \"{p}\"");
        return $"{port}/{proto}";
    }

    private static string Unquote(string s)
    {
        var words = Words(s);
        return words.Count == 1 ? words[0] : s;
    }

    /// <summary>Splits on blanks outside quotes; quotes are removed, a backslash escapes the next character.</summary>
    private static List<string> Words(string s)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < s.Length) current.Append(s[++i]);
                else current.Append(c);
            }
            else if (c is '"' or '\'') { quote = c; inWord = true; }
            else if (c == '\\' && i + 1 < s.Length) { current.Append(s[++i]); inWord = true; }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(current.ToString());
                current.Clear();
                inWord = false;
            }
            else { current.Append(c); inWord = true; }
        }
        if (quote != '\0') throw Invalid($"unterminated quote in \"{s}\"");
        if (inWord) words.Add(current.ToString());
        return words;
    }

    private static BerthException Invalid(string message) => new(ErrorKind.InvalidArgument, message);
}
