namespace Berth.Cli;

/// <summary>Where the daemon listens: <c>unix:///path</c> or <c>tcp://host:port</c> (docker's -H syntax).</summary>
public sealed record DaemonHost(string Scheme, string Address)
{
    public const string DefaultSocket = "/run/berth/berth.sock";
    public static readonly DaemonHost Default = new("unix", DefaultSocket);

    /// <summary>tcp without a port gets docker's 2375 (plain HTTP; TLS is not supported).</summary>
    public const int DefaultTcpPort = 2375;

    public override string ToString() => Scheme == "unix" ? $"unix://{Address}" : $"tcp://{Address}";

    public bool IsUnix => Scheme == "unix";

    /// <summary>Parses a host as docker's -H does; a bare path is a unix socket.</summary>
    public static DaemonHost Parse(string text)
    {
        string s = text.Trim();
        if (s.Length == 0) throw new UsageException("invalid empty host");
        if (s.StartsWith('/')) return new DaemonHost("unix", s);
        int sep = s.IndexOf("://", StringComparison.Ordinal);
        if (sep < 0) return ParseTcp(s, text);
        string scheme = s[..sep].ToLowerInvariant();
        string rest = s[(sep + 3)..];
        return scheme switch
        {
            "unix" => rest.Length > 0 ? new DaemonHost("unix", rest) : Default,
            "tcp" or "http" => ParseTcp(rest, text),
            "https" => throw new UsageException($"invalid host {text}: TLS (https) is not supported by berth"),
            "ssh" or "npipe" or "fd" => throw new UsageException($"invalid host {text}: the {scheme} scheme is not supported by berth"),
            _ => throw new UsageException($"Invalid bind address format: {text}"),
        };
    }

    private static DaemonHost ParseTcp(string rest, string original)
    {
        rest = rest.TrimEnd('/');
        if (rest.Contains('/')) throw new UsageException($"invalid host {original}: a path is not supported");
        if (rest.Length == 0) throw new UsageException($"Invalid bind address format: {original}");
        bool hasPort = rest.StartsWith('[') ? rest.Contains("]:", StringComparison.Ordinal) : rest.Contains(':');
        if (!hasPort) rest = $"{rest}:{DefaultTcpPort}";
        int colon = rest.LastIndexOf(':');
        if (!int.TryParse(rest[(colon + 1)..], out int port) || port is <= 0 or > 65535)
            throw new UsageException($"invalid host {original}: bad port");
        return new DaemonHost("tcp", rest);
    }

    /// <summary>
    /// -H, then BERTH_HOST, then DOCKER_HOST, then the default socket. Explicit is false only for the default,
    /// the one case where berth may start berthd itself.
    /// </summary>
    public static (DaemonHost Host, bool Explicit) Resolve(string? flag, Func<string, string?> env)
    {
        if (!string.IsNullOrEmpty(flag)) return (Parse(flag), true);
        if (env("BERTH_HOST") is { Length: > 0 } b) return (Parse(b), true);
        if (env("DOCKER_HOST") is { Length: > 0 } d) return (Parse(d), true);
        return (Default, false);
    }
}
