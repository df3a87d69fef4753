using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Berth.Distribution;

/// <summary>Which failures are worth another attempt, and how long to wait before it.</summary>
internal static class Retry
{
    public static bool IsTransientStatus(HttpStatusCode status)
        => (int)status is 408 or 429 or 500 or 502 or 503 or 504;

    /// <summary>Connection failures, resets, stalls and timeouts; never the caller's own cancellation.</summary>
    public static bool IsTransient(Exception e, CancellationToken ct) => !ct.IsCancellationRequested && e switch
    {
        HttpRequestException => true,
        IOException => true,
        SocketException => true,
        TimeoutException => true,
        OperationCanceledException => true, // a timeout of ours, since ct is not cancelled
        _ => false,
    };

    /// <summary>Exponential backoff with jitter: base·2^(attempt-1), at most MaxRetryDelay.</summary>
    public static TimeSpan Backoff(RegistryClientOptions options, int attempt)
    {
        double ms = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        ms = Math.Min(ms, options.MaxRetryDelay.TotalMilliseconds);
        ms *= 0.75 + Random.Shared.NextDouble() * 0.5;
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>
    /// How long to wait before retrying a transient status: Retry-After when given (delta or date),
    /// else backoff. Null when the server asks for a longer wait than MaxRetryAfter (then fail now).
    /// </summary>
    public static TimeSpan? DelayFor(HttpResponseMessage response, RegistryClientOptions options, int attempt)
    {
        TimeSpan? after = RetryAfter(response);
        if (after is null) return Backoff(options, attempt);
        if (after > options.MaxRetryAfter) return null;
        return after < TimeSpan.Zero ? TimeSpan.Zero : after;
    }

    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        RetryConditionHeaderValue? ra = response.Headers.RetryAfter;
        if (ra?.Delta is { } delta) return delta;
        if (ra?.Date is { } date) return date - DateTimeOffset.UtcNow;
        return null;
    }

    public static string Describe(Exception e) => e switch
    {
        OperationCanceledException or TimeoutException => $"timed out{(e is TimeoutException ? $" ({e.Message})" : "")}",
        HttpRequestException { InnerException: { } inner } h => $"{h.Message} ({inner.Message})",
        _ => e.Message,
    };
}
