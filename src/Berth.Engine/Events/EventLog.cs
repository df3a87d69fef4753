using System.Threading.Channels;

namespace Berth.Engine.Events;

/// <summary>One engine event, in Docker's terms (Type image|container|network|volume, Action pull|tag|delete...).</summary>
public sealed record EngineEvent(string Type, string Action, string ActorId, IReadOnlyDictionary<string, string> Attributes, DateTimeOffset Time);

/// <summary>Recent events kept in memory for ?since=, and a channel per live subscriber for /events streams.</summary>
public sealed class EventLog
{
    private const int Keep = 1024;
    private readonly LinkedList<EngineEvent> _recent = new();
    private readonly List<Channel<EngineEvent>> _subscribers = [];
    private readonly Lock _lock = new();

    public void Publish(string type, string action, string actorId, IReadOnlyDictionary<string, string>? attributes = null)
    {
        var e = new EngineEvent(type, action, actorId, attributes ?? new Dictionary<string, string>(), DateTimeOffset.UtcNow);
        lock (_lock)
        {
            _recent.AddLast(e);
            if (_recent.Count > Keep) _recent.RemoveFirst();
            foreach (var s in _subscribers) s.Writer.TryWrite(e);
        }
    }

    /// <summary>Past events since a time, then a reader of live ones; dispose the subscription to stop.</summary>
    public (IReadOnlyList<EngineEvent> Past, ChannelReader<EngineEvent> Live, IDisposable Subscription) Subscribe(DateTimeOffset? since)
    {
        var channel = Channel.CreateBounded<EngineEvent>(new BoundedChannelOptions(Keep) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_lock)
        {
            var past = since is { } s ? _recent.Where(e => e.Time >= s).ToList() : [];
            _subscribers.Add(channel);
            return (past, channel.Reader, new Unsubscribe(this, channel));
        }
    }

    private sealed class Unsubscribe(EventLog log, Channel<EngineEvent> channel) : IDisposable
    {
        public void Dispose()
        {
            lock (log._lock) log._subscribers.Remove(channel);
            channel.Writer.TryComplete();
        }
    }
}
