using System.Net;
using Berth.Core;

namespace Berth.Distribution;

/// <summary>Where and how to talk to one registry, resolved from the options.</summary>
internal sealed class RegistryEndpoint
{
    /// <summary>The registry as named in references and credential stores (e.g. docker.io, 127.0.0.1:5000).</summary>
    public required string Name { get; init; }

    /// <summary>scheme://host[:port]/ of the API.</summary>
    public required Uri BaseUri { get; init; }

    public required bool Insecure { get; init; }
    public required RegistryHostSettings Settings { get; init; }
    public required TimeSpan RequestTimeout { get; init; }
    public required TimeSpan ReadTimeout { get; init; }

    public Uri ApiUri(string pathAndQuery) => new(BaseUri, pathAndQuery);

    /// <summary>True when <paramref name="uri"/> is this registry's own origin (scheme, host and port).</summary>
    public bool IsOwnOrigin(Uri? uri) => uri is not null
        && Uri.Compare(uri, BaseUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    public static RegistryEndpoint Create(string registry, RegistryClientOptions options)
    {
        Names.CheckRegistry(registry);
        RegistryHostSettings settings = options.Registries.GetValueOrDefault(registry) ?? new RegistryHostSettings();
        bool insecure = settings.Insecure || options.InsecureRegistries.Contains(registry);
        string apiHost = registry.ToLowerInvariant() switch
        {
            // Docker Hub is named docker.io in references but served from registry-1.docker.io.
            "docker.io" or "index.docker.io" => "registry-1.docker.io",
            _ => registry,
        };
        string scheme = settings.Scheme?.ToLowerInvariant() switch
        {
            null => insecure || IsLoopbackHost(HostOf(apiHost)) ? "http" : "https",
            "http" => "http",
            "https" => "https",
            var s => throw new BerthException(ErrorKind.InvalidArgument, $"registry {registry}: unsupported scheme \"{s}\""),
        };
        return new RegistryEndpoint
        {
            Name = registry,
            BaseUri = new Uri($"{scheme}://{apiHost}/"),
            Insecure = insecure,
            Settings = settings,
            RequestTimeout = settings.RequestTimeout ?? options.RequestTimeout,
            ReadTimeout = settings.ReadTimeout ?? options.ReadTimeout,
        };
    }

    /// <summary>The host part of host[:port] or [v6]:port, without brackets.</summary>
    internal static string HostOf(string hostPort)
    {
        if (hostPort.StartsWith('['))
        {
            int close = hostPort.IndexOf(']');
            return close > 0 ? hostPort[1..close] : hostPort;
        }
        int colon = hostPort.LastIndexOf(':');
        return colon >= 0 ? hostPort[..colon] : hostPort;
    }

    /// <summary>localhost, 127.0.0.0/8 and ::1.</summary>
    internal static bool IsLoopbackHost(string host)
    {
        host = host.Trim('[', ']');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out IPAddress? ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>
    /// Throws unless credentials for this registry may be sent to <paramref name="target"/>:
    /// https, or plain http to a loopback host, or plain http to anything when the registry is marked insecure.
    /// </summary>
    public void EnsureCredentialsAllowed(Uri target)
    {
        if (target.Scheme == Uri.UriSchemeHttps) return;
        if (IsLoopbackHost(target.Host)) return;
        if (Insecure) return;
        throw new RegistryException(ErrorKind.FailedPrecondition,
            $"refusing to send credentials for registry {Name} over plain HTTP to {target.Authority}; mark the registry insecure to allow it",
            Name, null, null);
    }
}
