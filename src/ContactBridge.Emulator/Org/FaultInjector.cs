namespace ContactBridge.Emulator.Org;

public enum FaultKind
{
    /// <summary>Adds latency (with jitter) before the request is answered.</summary>
    Latency,
    /// <summary>Answers with an HTTP error status (500 or 503) in Salesforce's error shape.</summary>
    Status,
    /// <summary>Holds the request without answering until the client gives up or the faults are cleared.</summary>
    Hang,
    /// <summary>Answers 403 REQUEST_LIMIT_EXCEEDED.</summary>
    RequestLimitExceeded,
    /// <summary>Processes the request fully, then drops the connection before answering: the client cannot know it succeeded.</summary>
    DropResponse,
    /// <summary>
    /// Pub/Sub API: an event of a topic whose name contains <see cref="FaultRule.PathContains"/> is delivered with a payload that does not
    /// read under its schema (cut short), as a corrupted message would be. Not an HTTP fault: requests never fire it.
    /// </summary>
    MalformedEvent,
}

/// <summary>
/// A scripted fault; applies to requests whose path contains <see cref="PathContains"/> (and whose
/// decoded query string contains <see cref="QueryContains"/>), <see cref="Remaining"/> times (null: until cleared).
/// </summary>
public sealed class FaultRule
{
    public FaultKind Kind { get; init; }
    public int Status { get; init; } = 503;
    public TimeSpan Latency { get; init; }
    public TimeSpan Jitter { get; init; }
    public string? PathContains { get; init; }
    /// <summary>Only requests whose decoded query contains this (one SOSL search among many, say).</summary>
    public string? QueryContains { get; init; }
    public int? Remaining { get; set; }
    public double Probability { get; init; } = 1.0;
}

/// <summary>The scripted faults in force. Thread-safe; rules are consumed in the order they were added.</summary>
public sealed class FaultInjector
{
    private readonly object _sync = new();
    private readonly List<FaultRule> _rules = [];
    private CancellationTokenSource _release = new();
    private int _held;

    /// <summary>How many requests a hang fault is holding right now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Raised when a hang fault starts holding a request, so a test can wait for it instead of sleeping.</summary>
    public event Action? RequestHeld;

    internal void OnHeld()
    {
        Interlocked.Increment(ref _held);
        RequestHeld?.Invoke();
    }

    internal void OnReleased() => Interlocked.Decrement(ref _held);

    public void Add(FaultRule rule)
    {
        lock (_sync) _rules.Add(rule);
    }

    /// <summary>Removes every rule and lets go of requests held by a hang.</summary>
    public void Clear()
    {
        CancellationTokenSource old;
        lock (_sync)
        {
            _rules.Clear();
            old = _release;
            _release = new CancellationTokenSource();
        }
        old.Cancel();
        old.Dispose();
    }

    public CancellationToken ReleaseToken
    {
        get
        {
            lock (_sync) return _release.Token;
        }
    }

    public IReadOnlyList<FaultRule> Rules
    {
        get
        {
            lock (_sync) return _rules.ToList();
        }
    }

    /// <summary>The rules that fire for this request (consuming one use of each counted rule).</summary>
    public IReadOnlyList<FaultRule> Fire(string path, string query = "")
    {
        lock (_sync)
        {
            if (_rules.Count == 0) return [];
            var fired = new List<FaultRule>();
            foreach (var rule in _rules.ToList())
            {
                if (rule.Kind == FaultKind.MalformedEvent) continue;
                if (rule.PathContains is not null && !path.Contains(rule.PathContains, StringComparison.OrdinalIgnoreCase)) continue;
                if (rule.QueryContains is not null && !query.Contains(rule.QueryContains, StringComparison.OrdinalIgnoreCase)) continue;
                if (rule.Probability < 1.0 && Random.Shared.NextDouble() >= rule.Probability) continue;
                fired.Add(rule);
                if (rule.Remaining is not null && --rule.Remaining <= 0) _rules.Remove(rule);
            }
            return fired;
        }
    }

    /// <summary>Whether the next event of this topic delivered over the Pub/Sub API is to be malformed (consuming one use of the rule).</summary>
    public bool FireMalformedEvent(string topic)
    {
        lock (_sync)
        {
            var rule = _rules.FirstOrDefault(r => r.Kind == FaultKind.MalformedEvent && (r.PathContains is null || topic.Contains(r.PathContains, StringComparison.OrdinalIgnoreCase))
                && (r.Probability >= 1.0 || Random.Shared.NextDouble() < r.Probability));
            if (rule is null) return false;
            if (rule.Remaining is not null && --rule.Remaining <= 0) _rules.Remove(rule);
            return true;
        }
    }
}
