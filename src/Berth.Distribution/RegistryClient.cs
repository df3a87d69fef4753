using System.Net;
using System.Net.Http.Headers;
using Berth.Core;

namespace Berth.Distribution;

/// <summary>
/// An OCI distribution-spec registry client: resolve and fetch manifests, fetch blobs with resume,
/// push blobs and manifests, list tags. Every byte it hands out has been checked against its digest
/// and size. Thread-safe; share one instance.
/// </summary>
/// <remarks>
/// Requests go first without credentials; a 401 from the registry is answered once (Bearer token
/// from the realm, or Basic) and the request retried. Credentials go only to the registry's own
/// origin and its token realm, never over plain HTTP to a non-loopback host unless the registry is
/// marked insecure, and never to hosts that redirects lead to (CVE-2020-15157).
/// Transient failures (connection errors, stalls, 408/429/5xx) are retried with backoff,
/// honouring Retry-After.
/// </remarks>
public sealed partial class RegistryClient : IDisposable
{
    private const int MaxRedirects = 10;

    private readonly RegistryClientOptions _options;
    private readonly HttpClient _http;
    private readonly Authenticator _auth;

    public RegistryClient(RegistryClientOptions? options = null)
        : this(options ?? new RegistryClientOptions(), handler: null, TimeProvider.System)
    {
    }

    internal RegistryClient(RegistryClientOptions options, HttpMessageHandler? handler, TimeProvider time)
    {
        _options = options;
        handler ??= new SocketsHttpHandler
        {
            AllowAutoRedirect = false,              // followed by hand, so credentials never follow a redirect
            AutomaticDecompression = DecompressionMethods.None, // layers are compressed content, not transfer encoding
            UseCookies = false,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
        _auth = new Authenticator(_http, options, time);
    }

    public RegistryClientOptions Options => _options;

    /// <summary>How many tokens have been fetched from token servers; tests use it to see the cache work.</summary>
    public int TokensFetched => _auth.TokensFetched;

    public void Dispose() => _http.Dispose();

    internal RegistryEndpoint Endpoint(string registry) => RegistryEndpoint.Create(registry, _options);

    internal static string PullScope(string repository) => $"repository:{repository}:pull";
    internal static string PushScope(string repository) => $"repository:{repository}:pull,push";

    /// <summary>One logical request: sent, authenticated, redirected and retried by <see cref="SendAsync"/>.</summary>
    internal sealed class Request
    {
        public required HttpMethod Method { get; init; }
        public required Uri Uri { get; init; }
        public required IReadOnlyList<string> Scopes { get; init; }
        public required RequestTarget Target { get; init; }
        public string? Accept { get; init; }
        public long? RangeFrom { get; set; }
        public string? ContentRange { get; init; }
        /// <summary>Makes the body afresh for each send (a retry or the answer to a challenge needs a new one).</summary>
        public Func<HttpContent>? Content { get; init; }
        /// <summary>Safe to send again after a transient failure.</summary>
        public bool Retryable { get; init; } = true;
        public bool FollowRedirects => Method == HttpMethod.Get || Method == HttpMethod.Head;
    }

    /// <summary>
    /// Sends <paramref name="request"/> and returns the response (any status: the caller decides),
    /// after authentication, redirects and retries. Transport failures that outlast the retries
    /// throw <see cref="RegistryException"/> (Unavailable).
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(RegistryEndpoint ep, Request request, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await SendAuthenticatedAsync(ep, request, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (Retry.IsTransient(e, ct) && e is not RegistryException)
            {
                if (request.Retryable && attempt < _options.MaxAttempts)
                {
                    await Task.Delay(Retry.Backoff(_options, attempt), ct).ConfigureAwait(false);
                    continue;
                }
                throw new RegistryException(ErrorKind.Unavailable,
                    $"{request.Target.Operation} {request.Target}: {Retry.Describe(e)}{(attempt > 1 ? $" (after {attempt} attempts)" : "")}",
                    ep.Name, request.Target.Repository, request.Target.Reference, inner: e);
            }
            if (Retry.IsTransientStatus(response.StatusCode) && request.Retryable && attempt < _options.MaxAttempts
                && Retry.DelayFor(response, _options, attempt) is { } delay)
            {
                response.Dispose();
                await Task.Delay(delay, ct).ConfigureAwait(false);
                continue;
            }
            return response;
        }
    }

    private async Task<HttpResponseMessage> SendAuthenticatedAsync(RegistryEndpoint ep, Request request, CancellationToken ct)
    {
        AuthenticationHeaderValue? auth = await _auth.GetPreemptiveAsync(ep, request.Scopes, ct).ConfigureAwait(false);
        HttpResponseMessage response = await SendFollowingRedirectsAsync(ep, request, auth, ct).ConfigureAwait(false);
        // Only a challenge from the registry itself is answered: a 401 from a host a redirect led to
        // must not make us send the registry's credentials there (CVE-2020-15157).
        if (response.StatusCode != HttpStatusCode.Unauthorized || !ep.IsOwnOrigin(response.RequestMessage?.RequestUri))
            return response;
        IReadOnlyList<AuthChallenge> challenges = AuthChallenge.ParseAll(
            response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out HeaderStringValues values) ? values : []);
        AuthenticationHeaderValue? retryWith = await _auth.AnswerChallengeAsync(ep, challenges, request.Scopes, auth, request.Target, ct).ConfigureAwait(false);
        if (retryWith is null) return response;
        response.Dispose();
        return await SendFollowingRedirectsAsync(ep, request, retryWith, ct).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(RegistryEndpoint ep, Request request, AuthenticationHeaderValue? auth, CancellationToken ct)
    {
        Uri uri = request.Uri;
        for (int hop = 0; ; hop++)
        {
            var message = new HttpRequestMessage(request.Method, uri);
            if (request.Accept is not null) message.Headers.TryAddWithoutValidation("Accept", request.Accept);
            if (request.RangeFrom is long from) message.Headers.Range = new RangeHeaderValue(from, null);
            if (auth is not null && ep.IsOwnOrigin(uri)) message.Headers.Authorization = auth;
            if (request.Content is not null)
            {
                message.Content = request.Content();
                if (request.ContentRange is not null) message.Content.Headers.TryAddWithoutValidation("Content-Range", request.ContentRange);
            }

            // The timeout runs from the last sign of progress: the send, or each piece of an upload body.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ep.RequestTimeout);
            if (message.Content is ExactLengthContent upload)
            {
                upload.Progress = () =>
                {
                    try
                    {
                        timeout.CancelAfter(ep.RequestTimeout);
                    }
                    catch (ObjectDisposedException)
                    {
                        // The response already came back; nothing left to time.
                    }
                };
            }
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no response from {uri.Authority} within {ep.RequestTimeout.TotalSeconds:0.#} s", e);
            }
            catch (HttpRequestException e) when (e.InnerException is BerthException inner)
            {
                // Our own request body refused to produce bytes (a short or oversized source): not a transport failure.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
                throw;
            }
            if (!request.FollowRedirects || !IsRedirect(response.StatusCode) || response.Headers.Location is null)
                return response;
            Uri next = new(uri, response.Headers.Location);
            response.Dispose();
            if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
                throw new RegistryException(ErrorKind.FailedPrecondition,
                    $"{request.Target.Operation} {request.Target}: redirect to unsupported URL scheme \"{next.Scheme}\"",
                    ep.Name, request.Target.Repository, request.Target.Reference);
            if (hop + 1 >= MaxRedirects)
                throw new RegistryException(ErrorKind.Unavailable,
                    $"{request.Target.Operation} {request.Target}: more than {MaxRedirects} redirects",
                    ep.Name, request.Target.Repository, request.Target.Reference);
            uri = next;
        }
    }

    private static bool IsRedirect(HttpStatusCode status) => (int)status is 301 or 302 or 303 or 307 or 308;

    /// <summary>
    /// The exception for a failed response: registry error codes and the status give the kind
    /// (404 → NotFound, 401/403 → PermissionDenied, 429/5xx → Unavailable), and the message names
    /// the operation, registry, repository and reference. Disposes the response.
    /// </summary>
    internal async Task<RegistryException> ErrorAsync(RegistryEndpoint ep, HttpResponseMessage response, RequestTarget target, CancellationToken ct)
    {
        using (response)
        {
            byte[] body = [];
            if (response.RequestMessage?.Method != HttpMethod.Head)
            {
                try
                {
                    body = await BodyReader.ReadBoundedAsync(response.Content, ErrorBodies.MaxErrorBodySize, ep.ReadTimeout, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is BodyTooLargeException or IOException or HttpRequestException or TimeoutException)
                {
                    // The status alone will have to do.
                }
            }
            List<RegistryError> errors = ErrorBodies.Parse(body);
            int status = (int)response.StatusCode;
            ErrorKind kind = status switch
            {
                401 or 403 => ErrorKind.PermissionDenied,
                404 => ErrorKind.NotFound,
                429 or >= 500 => ErrorKind.Unavailable,
                _ => errors.Select(e => RegistryException.KindForCode(e.Code)).FirstOrDefault(k => k is not null)
                     ?? RegistryException.KindForStatus(response.StatusCode),
            };
            string what = errors.Count > 0 ? ErrorBodies.Describe(errors)
                : status switch
                {
                    401 => "authentication required",
                    403 => "access denied",
                    404 => "not found",
                    _ => response.ReasonPhrase is { Length: > 0 } r ? r.ToLowerInvariant() : "request failed",
                };
            string extra = "";
            if (status == 401) extra = "; credentials were refused or are missing";
            if (Retry.RetryAfter(response) is { } after && (status == 429 || status == 503))
                extra = $"; the registry asks to retry after {Math.Ceiling(after.TotalSeconds):0} s";
            string host = ep.IsOwnOrigin(response.RequestMessage?.RequestUri) || response.RequestMessage?.RequestUri is null
                ? "" : $" (from {response.RequestMessage.RequestUri.Authority})";
            return new RegistryException(kind, $"{target.Operation} {target}: {what} (HTTP {status}){host}{extra}",
                ep.Name, target.Repository, target.Reference, response.StatusCode, errors);
        }
    }
}
