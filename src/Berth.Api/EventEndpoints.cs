using System.Globalization;
using System.Text.Json;
using Berth.Engine.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Berth.Api;

/// <summary>GET /events: past events since ?since=, then live ones until ?until= or the client leaves; filtered.</summary>
public static class EventEndpoints
{
    public static void MapEvents(this IEndpointRouteBuilder app, EventLog log)
    {
        app.MapGet("/events", async (HttpContext http) =>
        {
            var filters = EventFilters.Parse(http.Request.Query["filters"].ToString());
            DateTimeOffset? since = Time(http.Request.Query["since"].ToString());
            DateTimeOffset? until = Time(http.Request.Query["until"].ToString());
            var (past, live, subscription) = log.Subscribe(since);
            using var _ = subscription;
            http.Response.StatusCode = 200;
            http.Response.ContentType = "application/json";
            await http.Response.Body.FlushAsync(); // headers now: the CLI waits for them
            foreach (var e in past)
                if (until is null || e.Time <= until) await Write(http, e, filters);
            if (until is { } end && end <= DateTimeOffset.UtcNow) return;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            if (until is { } u) cts.CancelAfter(u - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
            try
            {
                await foreach (var e in live.ReadAllAsync(cts.Token))
                    await Write(http, e, filters);
            }
            catch (OperationCanceledException) { }
        });
    }

    private static async Task Write(HttpContext http, EngineEvent e, EventFilters filters)
    {
        if (!filters.Match(e)) return;
        long nanos = (e.Time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        var m = new EventMessage
        {
            Type = e.Type, Action = e.Action,
            Actor = new EventActor { ID = e.ActorId, Attributes = new Dictionary<string, string>(e.Attributes) },
            Time = e.Time.ToUnixTimeSeconds(), TimeNano = nanos,
            Status = e.Action, Id = e.ActorId,
        };
        byte[] line = [.. JsonSerializer.SerializeToUtf8Bytes(m, ApiJsonContext.Default.EventMessage), (byte)10];
        await http.Response.Body.WriteAsync(line);
        await http.Response.Body.FlushAsync();
    }

    /// <summary>Unix seconds (with optional fraction) or RFC 3339, as the CLI sends --since/--until.</summary>
    private static DateTimeOffset? Time(string s)
    {
        if (s.Length == 0) return null;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double secs))
            return DateTimeOffset.UnixEpoch.AddSeconds(secs);
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
            : throw new Core.BerthException(Core.ErrorKind.InvalidArgument, $"invalid time \"{s}\"");
    }
}

/// <summary>The filters JSON ({"type":{"image":true}} or the legacy {"type":["image"]}) for events.</summary>
public sealed class EventFilters
{
    private readonly Dictionary<string, HashSet<string>> _f = new(StringComparer.Ordinal);

    public static EventFilters Parse(string json)
    {
        var f = new EventFilters();
        if (json.Length == 0) return f;
        try
        {
            using var doc = JsonDocument.Parse(json);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                var set = new HashSet<string>(StringComparer.Ordinal);
                if (p.Value.ValueKind == JsonValueKind.Object) foreach (var v in p.Value.EnumerateObject()) set.Add(v.Name);
                else if (p.Value.ValueKind == JsonValueKind.Array) foreach (var v in p.Value.EnumerateArray()) set.Add(v.GetString() ?? "");
                f._f[p.Name] = set;
            }
        }
        catch (JsonException e) { throw new Core.BerthException(Core.ErrorKind.InvalidArgument, $"invalid filter: {e.Message}"); }
        return f;
    }

    public bool Match(EngineEvent e) =>
        Ok("type", e.Type) && Ok("event", e.Action) &&
        (!_f.TryGetValue("image", out var images) || e.Type == "image" && (images.Contains(e.ActorId) || e.Attributes.TryGetValue("name", out var n) && images.Contains(n)));

    private bool Ok(string key, string value) => !_f.TryGetValue(key, out var set) || set.Contains(value);
}
