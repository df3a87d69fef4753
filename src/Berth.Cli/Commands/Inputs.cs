using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Core;
using Berth.Images;

namespace Berth.Cli.Commands;

/// <summary>Shared pieces: reference parsing with docker's messages, registry credentials, filters, confirmations.</summary>
internal static class Inputs
{
    /// <summary>docker's ParseNormalizedNamed; a bad reference is docker's "invalid reference format" error.</summary>
    public static ImageReference Reference(string text)
    {
        try { return ImageReference.ParseNormalizedNamed(text); }
        catch (BerthException e) { throw new CliException(e.Message); }
    }

    /// <summary>The X-Registry-Auth header for the registry of <paramref name="reference"/>, from config.json; none if not logged in.</summary>
    public static IEnumerable<KeyValuePair<string, string>> AuthHeader(CommandContext ctx, ImageReference reference)
    {
        string server = reference.Domain == ImageReference.DefaultDomain ? DockerConfig.IndexServer : reference.Domain;
        if (DockerConfig.Load(ctx.Global.ConfigDir).Get(server) is not { } credentials) return [];
        var auth = new AuthConfig { Username = credentials.User, Password = credentials.Password, ServerAddress = server };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(auth, CliJsonContext.Default.AuthConfig);
        string header = Convert.ToBase64String(json).Replace('+', '-').Replace('/', '_');
        return [new("X-Registry-Auth", header)];
    }

    /// <summary>--filter k=v (repeatable) as the API's {"k":{"v":true}}; null when none.</summary>
    public static string? Filters(IEnumerable<string> filters, IEnumerable<(string Key, string Value)>? extra = null)
    {
        var map = new Dictionary<string, Dictionary<string, bool>>(StringComparer.Ordinal);
        foreach (string f in filters)
        {
            int eq = f.IndexOf('=');
            if (eq <= 0) throw new CliException($"invalid argument \"{f}\" for \"-f, --filter\" flag: bad format of filter (expected name=value)");
            Add(f[..eq].Trim().ToLowerInvariant(), f[(eq + 1)..]);
        }
        foreach (var (k, v) in extra ?? []) Add(k, v);
        return map.Count == 0 ? null : JsonSerializer.Serialize(map, CliJsonContext.Default.DictionaryStringDictionaryStringBoolean);

        void Add(string k, string v)
        {
            if (!map.TryGetValue(k, out var set)) map[k] = set = new Dictionary<string, bool>(StringComparer.Ordinal);
            set[v] = true;
        }
    }

    /// <summary>docker's y/N prompt; anything but y or yes is no.</summary>
    public static bool Confirm(CommandContext ctx, string message)
    {
        ctx.Out.Write($"{message}\nAre you sure you want to continue? [y/N] ");
        ctx.Out.Flush();
        string answer = ReadLine(ctx.IO.In)?.Trim().ToLowerInvariant() ?? "";
        return answer is "y" or "yes";
    }

    /// <summary>One line from stdin without buffering ahead (stdin may carry more input).</summary>
    public static string? ReadLine(Stream input)
    {
        var bytes = new List<byte>();
        int b;
        while ((b = input.ReadByte()) >= 0 && b != '\n') bytes.Add((byte)b);
        if (b < 0 && bytes.Count == 0) return null;
        return Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\r');
    }
}
