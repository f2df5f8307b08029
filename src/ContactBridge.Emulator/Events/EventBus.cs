using System.Text.Json.Nodes;

namespace ContactBridge.Emulator.Events;

/// <summary>
/// One event on an org's bus: a platform event, a change event, a PushTopic event or a generic streaming event, with its
/// replay id. A generic event pushed to chosen users reaches only them (<see cref="UserIds"/>; null: every subscriber).
/// </summary>
public sealed record BusEvent(long ReplayId, string Channel, DateTimeOffset CreatedAt, JsonObject Payload, IReadOnlyList<string>? UserIds = null)
{
    /// <summary>PushTopic (/topic/) and generic (/u/) events carry their own event and sobject or payload, as the Streaming API sends them.</summary>
    public bool IsStreamingApiEvent => Channel.StartsWith("/topic/", StringComparison.Ordinal) || Channel.StartsWith("/u/", StringComparison.Ordinal);

    public bool ReachesUser(string userId) => UserIds is null || UserIds.Contains(userId, StringComparer.Ordinal);

    /// <summary>Change events are also delivered on the all-entities channel.</summary>
    public bool IsChangeEvent => Channel.StartsWith("/data/", StringComparison.Ordinal);

    public bool On(string channel) =>
        string.Equals(channel, Channel, StringComparison.OrdinalIgnoreCase) || (IsChangeEvent && channel == EventBus.AllChangeEvents);

    /// <summary>The Bayeux message Salesforce streams: channel, data.event.replayId, data.payload, data.schema.</summary>
    public JsonObject ToMessage(string channel) => IsStreamingApiEvent ? StreamingApiMessage(channel) : new()
    {
        ["channel"] = channel,
        ["data"] = new JsonObject
        {
            ["schema"] = Schema,
            ["payload"] = Payload.DeepClone(),
            ["event"] = new JsonObject { ["replayId"] = ReplayId },
        },
    };

    private JsonObject StreamingApiMessage(string channel)
    {
        var data = (JsonObject)Payload.DeepClone();
        var e = data["event"] as JsonObject ?? new JsonObject();
        e["replayId"] = ReplayId;
        data["event"] = e;
        return new JsonObject { ["channel"] = channel, ["data"] = data };
    }

    /// <summary>A stable schema id per channel (Salesforce gives an opaque hash of the event's shape).</summary>
    public string Schema => Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Channel)))[..22].Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// An org's event bus: platform events and Change Data Capture events in publish order, each with a
/// replay id that only goes up, kept for 72 hours of the emulator's clock. Callers hold the org's lock.
/// </summary>
public sealed class EventBus(TimeProvider clock)
{
    public const string AllChangeEvents = "/data/ChangeEvents";
    public static readonly TimeSpan Retention = TimeSpan.FromHours(72);

    private readonly List<BusEvent> _events = [];
    private long _replayId;
    /// <summary>The newest replay id dropped by retention; resuming is possible only from it or later.</summary>
    private long _prunedUpTo;

    /// <summary>Raised after an event is appended (the streaming server wakes its waiting clients).</summary>
    public event Action<BusEvent>? Published;

    public long LastReplayId => _replayId;

    /// <summary>Beyond this many retained events the oldest go first, so a long run cannot exhaust memory.</summary>
    public int MaxRetained { get; set; } = 100_000;

    public BusEvent Append(string channel, JsonObject payload, IReadOnlyList<string>? userIds = null)
    {
        var e = new BusEvent(++_replayId, channel, clock.GetUtcNow(), payload, userIds);
        _events.Add(e);
        if (_events.Count > MaxRetained)
        {
            _prunedUpTo = _events[_events.Count - MaxRetained - 1].ReplayId;
            _events.RemoveRange(0, _events.Count - MaxRetained);
        }
        Published?.Invoke(e);
        return e;
    }

    /// <summary>Empties the bus (an org starts with no events, whatever its seed file created).</summary>
    public void Clear() => _events.Clear();

    /// <summary>Takes back an event of a rolled-back transaction, before anyone could have read it.</summary>
    public void Withdraw(BusEvent e) => _events.Remove(e);

    /// <summary>Retained events on a channel after the given replay id (-2: all retained; -1: none, only new ones).</summary>
    public IReadOnlyList<BusEvent> After(string channel, long replayId)
    {
        Prune();
        if (replayId == -1) return [];
        return _events.Where(e => (replayId == -2 || e.ReplayId > replayId) && e.On(channel)).ToList();
    }

    /// <summary>
    /// Whether a subscriber can resume after this replay id: -1 and -2 always; otherwise an id that was issued and
    /// whose successors are all still retained (an id never issued, or one older than 72 hours, is refused).
    /// </summary>
    public bool CanReplayFrom(long replayId)
    {
        Prune();
        if (replayId is -1 or -2) return true;
        return replayId >= _prunedUpTo && replayId <= _replayId;
    }

    private void Prune()
    {
        var cutoff = clock.GetUtcNow() - Retention;
        var expired = _events.TakeWhile(e => e.CreatedAt < cutoff).Count();
        if (expired > 0)
        {
            _prunedUpTo = _events[expired - 1].ReplayId;
            _events.RemoveRange(0, expired);
        }
    }
}
