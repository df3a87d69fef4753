using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Berth.Cli.Api;

/// <summary>
/// A Docker Engine API client over a unix socket or TCP (plain HTTP). The API version is negotiated from
/// /_ping as docker does: the lower of ours and the daemon's, and every later path is /v{version}/....
/// </summary>
public sealed class ApiClient : IDisposable
{
    /// <summary>The newest API version this client speaks (docker 28.2's).</summary>
    public const string MaxVersion = "1.50";
    /// <summary>Assumed when /_ping has no Api-Version header.</summary>
    public const string FallbackVersion = "1.24";

    private readonly HttpClient _http;
    private string? _version;

    public DaemonHost Host { get; }

    public ApiClient(DaemonHost host)
    {
        Host = host;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        if (host.IsUnix)
        {
            string path = host.Address;
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        _http = new HttpClient(handler)
        {
            BaseAddress = new Uri(host.IsUnix ? "http://api.moby.localhost" : $"http://{host.Address}"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Berth-Client/" + BerthCli.Version);
    }

    public string? ApiVersion => _version;

    /// <summary>HEAD /_ping (GET when HEAD is refused); negotiates the version. Throws <see cref="ConnectionException"/>.</summary>
    public async Task<string> PingAsync(CancellationToken ct = default)
    {
        HttpResponseMessage r;
        try
        {
            r = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/_ping"), ct);
            if (r.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.InternalServerError))
            {
                r.Dispose();
                r = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/_ping"), ct);
            }
        }
        catch (HttpRequestException e) { throw new ConnectionException(Host, e); }
        using (r)
        {
            string server = r.Headers.TryGetValues("Api-Version", out var v) ? v.First() : FallbackVersion;
            _version = Compare(server, MaxVersion) < 0 ? server : MaxVersion;
            return _version;
        }
    }

    /// <summary>Sends a request; a status of 400 or more becomes <see cref="DaemonErrorException"/> with the daemon's message.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null,
        IEnumerable<KeyValuePair<string, string>>? headers = null, CancellationToken ct = default)
    {
        if (_version is null) await PingAsync(ct);
        var request = new HttpRequestMessage(method, $"/v{_version}{path}") { Content = content };
        if (headers is not null)
            foreach (var (k, v) in headers) request.Headers.TryAddWithoutValidation(k, v);
        HttpResponseMessage r;
        try { r = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct); }
        catch (HttpRequestException e) { throw new ConnectionException(Host, e); }
        if ((int)r.StatusCode < 400) return r;
        using (r)
        {
            string body = await r.Content.ReadAsStringAsync(ct);
            throw new DaemonErrorException((int)r.StatusCode, ErrorMessage(body, r.StatusCode));
        }
    }

    public Task<T> GetJsonAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Get, path, type, ct: ct);

    public async Task<T> SendJsonAsync<T>(HttpMethod method, string path, JsonTypeInfo<T> type, HttpContent? content = null, CancellationToken ct = default)
    {
        using var r = await SendAsync(method, path, content, ct: ct);
        await using var s = await r.Content.ReadAsStreamAsync(ct);
        return await JsonSerializer.DeserializeAsync(s, type, ct) ?? throw new CliException($"empty response from {path}");
    }

    public Task<JsonElement> GetElementAsync(string path, CancellationToken ct = default) =>
        GetJsonAsync(path, CliJsonContext.Default.JsonElement, ct);

    private static string ErrorMessage(string body, HttpStatusCode status)
    {
        if (body.TrimStart().StartsWith('{'))
        {
            try
            {
                var e = JsonSerializer.Deserialize(body, CliJsonContext.Default.ErrorBody);
                if (e?.Message is { } m) return m;
            }
            catch (JsonException) { }
        }
        return body.Trim() is { Length: > 0 } text ? text : $"{(int)status} {status}";
    }

    /// <summary>Compares "1.44" and "1.50" numerically.</summary>
    public static int Compare(string a, string b)
    {
        int[] pa = Parts(a), pb = Parts(b);
        for (int i = 0; i < Math.Max(pa.Length, pb.Length); i++)
        {
            int x = i < pa.Length ? pa[i] : 0, y = i < pb.Length ? pb[i] : 0;
            if (x != y) return x.CompareTo(y);
        }
        return 0;
    }

    private static int[] Parts(string v) =>
        v.Split('.').Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0).ToArray();

    /// <summary>?a=1&amp;b=x from the pairs whose value is not null.</summary>
    public static string Query(params (string Key, string? Value)[] pairs)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in pairs)
        {
            if (v is null) continue;
            sb.Append(sb.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(k)).Append('=').Append(Uri.EscapeDataString(v));
        }
        return sb.ToString();
    }

    /// <summary>A path segment for an image name: '/' and ':' stay readable, as moby's greedy routes expect.</summary>
    public static string Name(string name) => Uri.EscapeDataString(name).Replace("%2F", "/", StringComparison.Ordinal).Replace("%3A", ":", StringComparison.Ordinal).Replace("%40", "@", StringComparison.Ordinal);

    public void Dispose() => _http.Dispose();
}

/// <summary>Nothing answered at the host: docker's "Cannot connect to the Docker daemon" case.</summary>
public sealed class ConnectionException(DaemonHost host, Exception inner)
    : Exception($"Cannot connect to the Berth daemon at {host}. Is berthd running?", inner)
{
    public DaemonHost Host { get; } = host;

    private SocketError? Error
    {
        get
        {
            for (var e = InnerException; e is not null; e = e.InnerException)
                if (e is SocketException s) return s.SocketErrorCode;
            return null;
        }
    }

    /// <summary>
    /// No socket file, or nobody accepting on it (a daemon that died): berth may start one. .NET reports a
    /// missing unix socket (ENOENT) as AddressNotAvailable.
    /// </summary>
    public bool NobodyListening => Error is SocketError.AddressNotAvailable or SocketError.ConnectionRefused;

    /// <summary>What went wrong, in connect(2)'s words, for -D.</summary>
    public string Detail => Host.IsUnix && !File.Exists(Host.Address) ? $"dial unix {Host.Address}: connect: no such file or directory"
        : Error == SocketError.ConnectionRefused ? $"dial {Host.Scheme} {Host.Address}: connect: connection refused"
        : InnerException?.InnerException?.Message ?? InnerException?.Message ?? "";
}
