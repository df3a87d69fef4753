using System.Text;
using System.Text.Json;

namespace Berth.Distribution;

internal sealed class BodyTooLargeException(long limit) : Exception($"body larger than {limit} bytes")
{
    public long Limit { get; } = limit;
}

/// <summary>Reads small response bodies with a hard size cap and a stall timeout.</summary>
internal static class BodyReader
{
    /// <summary>
    /// Reads the whole body, but never more than <paramref name="limit"/> + 1 bytes: a body that
    /// declares or turns out to be larger throws <see cref="BodyTooLargeException"/> (security case 3E-26).
    /// </summary>
    public static async Task<byte[]> ReadBoundedAsync(HttpContent content, int limit, TimeSpan readTimeout, CancellationToken ct)
    {
        if (content.Headers.ContentLength is long declared && declared > limit) throw new BodyTooLargeException(limit);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(readTimeout);
        Stream stream;
        try
        {
            stream = await content.ReadAsStreamAsync(idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no data for {readTimeout.TotalSeconds:0.#} s");
        }
        await using (stream.ConfigureAwait(false))
        {
            int initial = content.Headers.ContentLength is long n ? (int)Math.Min(n + 1, limit + 1L) : Math.Min(limit + 1, 64 * 1024);
            byte[] buffer = new byte[Math.Max(initial, 1)];
            int total = 0;
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (total > limit) throw new BodyTooLargeException(limit);
                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, limit + 1L));
                }
                idle.CancelAfter(readTimeout);
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer.AsMemory(total), idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new TimeoutException($"no data for {readTimeout.TotalSeconds:0.#} s");
                }
                if (read == 0) break;
                total += read;
                if (total > limit) throw new BodyTooLargeException(limit);
            }
            return total == buffer.Length ? buffer : buffer[..total];
        }
    }
}

/// <summary>Registry error bodies: <c>{"errors":[{"code","message","detail"}]}</c>.</summary>
internal static class ErrorBodies
{
    /// <summary>Error bodies are capped (security case 3E-26: containers/image uses 1 MiB).</summary>
    public const int MaxErrorBodySize = 1024 * 1024;

    public static List<RegistryError> Parse(ReadOnlySpan<byte> body)
    {
        var list = new List<RegistryError>();
        if (body.IsEmpty) return list;
        try
        {
            ErrorResponse? r = JsonSerializer.Deserialize(body, DistributionJsonContext.Default.ErrorResponse);
            foreach (ErrorEntry e in r?.Errors ?? [])
            {
                string? detail = e.Detail switch
                {
                    null => null,
                    { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
                    { ValueKind: JsonValueKind.String } d => d.GetString(),
                    { } d => d.GetRawText(),
                };
                list.Add(new RegistryError(e.Code ?? "UNKNOWN", Shorten(e.Message ?? "", 500), detail is null ? null : Shorten(detail, 500)));
            }
        }
        catch (JsonException)
        {
            // Not a registry error document (an HTML page from a proxy, say): the status speaks for it.
        }
        return list;
    }

    /// <summary>"; message (CODE)" for the body's errors, or "" when it has none; used after a status.</summary>
    public static string Summary(ReadOnlySpan<byte> body)
    {
        List<RegistryError> errors = Parse(body);
        return errors.Count == 0 ? "" : ": " + Describe(errors);
    }

    public static string Describe(IReadOnlyList<RegistryError> errors)
    {
        var sb = new StringBuilder();
        foreach (RegistryError e in errors)
        {
            if (sb.Length > 0) sb.Append("; ");
            sb.Append(e.Message.Length > 0 ? e.Message : e.Code.ToLowerInvariant().Replace('_', ' '));
            sb.Append(" (").Append(e.Code);
            if (!string.IsNullOrEmpty(e.Detail) && e.Detail.Length <= 200) sb.Append(": ").Append(e.Detail);
            sb.Append(')');
        }
        return sb.ToString();
    }

    private static string Shorten(string s, int max) => s.Length > max ? s[..max] + "..." : s;
}
