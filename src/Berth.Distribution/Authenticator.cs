using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Berth.Core;

namespace Berth.Distribution;

/// <summary>
/// Answers registry challenges: Bearer tokens fetched from the challenge's realm (cached per
/// registry and scope until they expire) or Basic credentials. Remembers per registry which scheme
/// it wants, so later requests authenticate up front instead of taking a 401 first.
/// </summary>
internal sealed class Authenticator(HttpClient http, RegistryClientOptions options, TimeProvider time)
{
    /// <summary>Bodies of token responses are capped (security case 3E-26: containers/image uses 1 MiB).</summary>
    internal const int MaxTokenResponseSize = 1024 * 1024;

    private readonly ConcurrentDictionary<string, AuthChallenge> _schemes = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _tokenLocks = new(StringComparer.Ordinal);

    private sealed record CachedToken(string Token, DateTimeOffset Expires);

    /// <summary>Number of tokens fetched from token servers (for tests and diagnostics).</summary>
    public int TokensFetched => _tokensFetched;
    private int _tokensFetched;

    /// <summary>The Authorization to send up front, from what the registry asked for before; null for none yet.</summary>
    public async ValueTask<AuthenticationHeaderValue?> GetPreemptiveAsync(RegistryEndpoint ep, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        if (!_schemes.TryGetValue(ep.Name, out AuthChallenge? known)) return null;
        if (known.IsBasic)
        {
            RegistryCredentials? creds = await GetCredentialsAsync(ep, ct).ConfigureAwait(false);
            if (creds is not { HasPassword: true }) return null;
            ep.EnsureCredentialsAllowed(ep.BaseUri);
            return BasicHeader(creds);
        }
        string token = await GetTokenAsync(ep, known, scopes, forceRefresh: false, ct).ConfigureAwait(false);
        return new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>
    /// Answers a 401 from the registry itself. <paramref name="rejected"/> is what was sent and refused
    /// (null when nothing was). Returns the Authorization to retry with, or null when there is nothing
    /// better to try (the 401 then stands). Throws when authentication is impossible.
    /// </summary>
    public async ValueTask<AuthenticationHeaderValue?> AnswerChallengeAsync(RegistryEndpoint ep, IReadOnlyList<AuthChallenge> challenges,
        IReadOnlyList<string> scopes, AuthenticationHeaderValue? rejected, RequestTarget target, CancellationToken ct)
    {
        AuthChallenge? bearer = challenges.FirstOrDefault(c => c.IsBearer && !string.IsNullOrEmpty(c.Realm));
        AuthChallenge? basic = challenges.FirstOrDefault(c => c.IsBasic);
        if (bearer is not null)
        {
            _schemes[ep.Name] = new AuthChallenge(bearer.Scheme, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["realm"] = bearer.Realm!,
                ["service"] = bearer.Service ?? "",
            });
            // The registry may ask for more than we asked for (e.g. a mount's source repository).
            var wanted = new List<string>(scopes);
            if (!string.IsNullOrEmpty(bearer.Scope))
            {
                foreach (string s in bearer.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    if (!wanted.Contains(s)) wanted.Add(s);
            }
            bool refresh = rejected is not null && rejected.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);
            string token = await GetTokenAsync(ep, bearer, wanted, refresh, ct, cacheScopes: scopes).ConfigureAwait(false);
            if (refresh && rejected!.Parameter == token) return null;
            return new AuthenticationHeaderValue("Bearer", token);
        }
        if (basic is not null)
        {
            if (rejected is not null && rejected.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)) return null;
            RegistryCredentials? creds = await GetCredentialsAsync(ep, ct).ConfigureAwait(false);
            if (creds is not { HasPassword: true })
                throw new RegistryException(ErrorKind.PermissionDenied,
                    $"{target.Operation} {target}: the registry requires Basic authentication and no user name and password are configured for {ep.Name}",
                    ep.Name, target.Repository, target.Reference, HttpStatusCode.Unauthorized);
            ep.EnsureCredentialsAllowed(ep.BaseUri);
            _schemes[ep.Name] = basic;
            return BasicHeader(creds);
        }
        if (challenges.Count == 0) return null;
        throw new RegistryException(ErrorKind.PermissionDenied,
            $"{target.Operation} {target}: unsupported authentication challenge \"{challenges[0].Scheme}\"",
            ep.Name, target.Repository, target.Reference, HttpStatusCode.Unauthorized);
    }

    private async ValueTask<RegistryCredentials?> GetCredentialsAsync(RegistryEndpoint ep, CancellationToken ct)
    {
        if (ep.Settings.Credentials is { } c) return c;
        if (options.Credentials is null) return null;
        return await options.Credentials.GetCredentialsAsync(ep.Name, ct).ConfigureAwait(false);
    }

    private static string CredentialIdentity(RegistryCredentials? c) => c is null ? "anonymous"
        : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            Encoding.UTF8.GetBytes($"{c.Username}\n{c.Password}\n{c.IdentityToken}")));

    private static AuthenticationHeaderValue BasicHeader(RegistryCredentials creds)
        => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{creds.Username}:{creds.Password}")));

    private async Task<string> GetTokenAsync(RegistryEndpoint ep, AuthChallenge challenge, IReadOnlyList<string> scopes,
        bool forceRefresh, CancellationToken ct, IReadOnlyList<string>? cacheScopes = null)
    {
        string realm = challenge.Realm!;
        string service = challenge.Service ?? "";
        // A token belongs to the credentials it was fetched with: with per-request credentials (berthd), a token
        // fetched for one user must never serve another user or an anonymous request.
        string who = CredentialIdentity(await GetCredentialsAsync(ep, ct).ConfigureAwait(false));
        string key = $"{ep.Name}\n{realm}\n{service}\n{who}\n{string.Join(' ', (cacheScopes ?? scopes).Order(StringComparer.Ordinal))}";
        SemaphoreSlim gate = _tokenLocks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!forceRefresh && _tokens.TryGetValue(key, out CachedToken? cached) && cached.Expires > time.GetUtcNow())
                return cached.Token;
            _tokens.TryRemove(key, out _);
            CachedToken fresh = await FetchTokenAsync(ep, realm, service, scopes, ct).ConfigureAwait(false);
            _tokens[key] = fresh;
            return fresh.Token;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<CachedToken> FetchTokenAsync(RegistryEndpoint ep, string realm, string service, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        if (!Uri.TryCreate(realm, UriKind.Absolute, out Uri? realmUri) || (realmUri.Scheme != Uri.UriSchemeHttps && realmUri.Scheme != Uri.UriSchemeHttp))
            throw new RegistryException(ErrorKind.PermissionDenied, $"registry {ep.Name} sent an unusable token realm \"{realm}\"", ep.Name, null, null);
        RegistryCredentials? creds = await GetCredentialsAsync(ep, ct).ConfigureAwait(false);
        if (creds is not null) ep.EnsureCredentialsAllowed(realmUri);

        HttpRequestMessage MakeRequest()
        {
            HttpRequestMessage request;
            if (creds?.IdentityToken is { } refreshToken)
            {
                // OAuth2 refresh-token grant, as the distribution token spec describes for identity tokens.
                var form = new List<KeyValuePair<string, string>>
                {
                    new("grant_type", "refresh_token"),
                    new("refresh_token", refreshToken),
                    new("client_id", "berth"),
                };
                if (service.Length > 0) form.Add(new("service", service));
                if (scopes.Count > 0) form.Add(new("scope", string.Join(' ', scopes)));
                request = new HttpRequestMessage(HttpMethod.Post, realmUri) { Content = new FormUrlEncodedContent(form) };
            }
            else
            {
                var query = new StringBuilder(realmUri.Query.Length > 1 ? realmUri.Query[1..] : "");
                void Add(string k, string v)
                {
                    if (query.Length > 0) query.Append('&');
                    query.Append(k).Append('=').Append(Uri.EscapeDataString(v));
                }
                if (service.Length > 0) Add("service", service);
                foreach (string s in scopes) Add("scope", s);
                if (creds?.Username is { } user) Add("account", user);
                var ub = new UriBuilder(realmUri) { Query = query.ToString() };
                request = new HttpRequestMessage(HttpMethod.Get, ub.Uri);
                if (creds is { HasPassword: true }) request.Headers.Authorization = BasicHeader(creds);
            }
            return request;
        }

        for (int attempt = 1; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ep.RequestTimeout);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(MakeRequest(), HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                if (attempt < options.MaxAttempts)
                {
                    await Task.Delay(Retry.Backoff(options, attempt), ct).ConfigureAwait(false);
                    continue;
                }
                throw new RegistryException(ErrorKind.Unavailable, $"fetching a token for registry {ep.Name} from {realmUri.GetLeftPart(UriPartial.Path)}: {Retry.Describe(e)}",
                    ep.Name, null, null, inner: e);
            }
            using (response)
            {
                if (Retry.IsTransientStatus(response.StatusCode) && attempt < options.MaxAttempts
                    && Retry.DelayFor(response, options, attempt) is { } delay)
                {
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    continue;
                }
                byte[] body;
                try
                {
                    body = await BodyReader.ReadBoundedAsync(response.Content, MaxTokenResponseSize, ep.ReadTimeout, ct).ConfigureAwait(false);
                }
                catch (BodyTooLargeException)
                {
                    throw new RegistryException(ErrorKind.PermissionDenied,
                        $"token server for registry {ep.Name} sent a response larger than {MaxTokenResponseSize} bytes", ep.Name, null, null);
                }
                if (!response.IsSuccessStatusCode)
                {
                    ErrorKind kind = (int)response.StatusCode is 401 or 403 or 400 ? ErrorKind.PermissionDenied : RegistryException.KindForStatus(response.StatusCode);
                    string why = creds is null ? "anonymous token request refused" : $"credentials ({creds}) refused";
                    throw new RegistryException(kind,
                        $"token server {realmUri.GetLeftPart(UriPartial.Path)} for registry {ep.Name}: {(kind == ErrorKind.PermissionDenied ? why : "failed")} (HTTP {(int)response.StatusCode}){ErrorBodies.Summary(body)}",
                        ep.Name, null, null, response.StatusCode);
                }
                TokenResponse? parsed;
                try
                {
                    parsed = JsonSerializer.Deserialize(body, DistributionJsonContext.Default.TokenResponse);
                }
                catch (JsonException e)
                {
                    throw new RegistryException(ErrorKind.PermissionDenied, $"token server for registry {ep.Name} sent malformed JSON: {e.Message}", ep.Name, null, null, inner: e);
                }
                string? token = !string.IsNullOrEmpty(parsed?.Token) ? parsed.Token : parsed?.AccessToken;
                if (string.IsNullOrEmpty(token))
                    throw new RegistryException(ErrorKind.PermissionDenied, $"token server for registry {ep.Name} sent no token", ep.Name, null, null);
                Interlocked.Increment(ref _tokensFetched);
                // The spec's default lifetime is 60 s; keep a margin so a token is not used at the edge of expiry.
                double lifetime = parsed!.ExpiresIn is > 0 ? parsed.ExpiresIn.Value : 60;
                double margin = Math.Min(10, lifetime * 0.1);
                return new CachedToken(token, time.GetUtcNow().AddSeconds(lifetime - margin));
            }
        }
    }
}
