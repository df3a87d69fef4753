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
            var now = DateTimeOffset.UtcNow;
            DateTimeOffset? since = Time(http.Request.Query["since"].ToString(), now);
            DateTimeOffset? until = Time(http.Request.Query["until"].ToString(), now);
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
                {
                    if (until is { } last && e.Time > last) break; // the timer may fire a little late
                    await Write(http, e, filters);
                }
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

    private static DateTimeOffset? Time(string s, DateTimeOffset now) => s.Length == 0 ? null : FilterArgs.ParseTime(s, now);
}

/// <summary>The filters of GET /events, matched as Docker matches them.</summary>
public sealed class EventFilters
{
    private static readonly string[] Keys =
        ["config", "container", "daemon", "event", "image", "label", "network", "node", "plugin", "scope", "secret", "service", "type", "volume"];
    private readonly FilterArgs _f;

    private EventFilters(FilterArgs f) => _f = f;

    public static EventFilters Parse(string json) => new(FilterArgs.Parse(json, Keys));

    public bool Match(EngineEvent e) =>
        _f.Accepts("type", e.Type) && _f.Accepts("event", e.Action) && _f.Accepts("scope", "local") && MatchImage(e) && MatchLabels(e);

    /// <summary>
    /// image=X matches the actor ID or the event's image name (attribute "name" for image events, "image" for
    /// others), each also without its tag: image=busybox matches "busybox:latest".
    /// </summary>
    private bool MatchImage(EngineEvent e)
    {
        if (!_f.Has("image")) return true;
        var wanted = _f.Values("image");
        string? name = e.Attributes.TryGetValue(e.Type == "image" ? "name" : "image", out string? n) ? n : null;
        foreach (string? candidate in (string?[])[e.ActorId, name])
        {
            if (candidate is null) continue;
            if (wanted.Contains(candidate) || wanted.Contains(StripTag(candidate))) return true;
        }
        return false;
    }

    /// <summary>label=KEY or label=KEY=VALUE against the actor's attributes; every one must hold.</summary>
    private bool MatchLabels(EngineEvent e) => _f.Values("label").All(l =>
    {
        int eq = l.IndexOf('=');
        return eq < 0 ? e.Attributes.ContainsKey(l) : e.Attributes.TryGetValue(l[..eq], out var v) && v == l[(eq + 1)..];
    });

    private static string StripTag(string s) =>
        Berth.Images.ImageReference.TryParseNormalized(s, out var r) && r.Digest is null && !s.StartsWith("sha256:", StringComparison.Ordinal)
            ? r.FamiliarName : s;
}
