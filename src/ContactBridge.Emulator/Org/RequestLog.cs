using System.Collections.Concurrent;

namespace ContactBridge.Emulator.Org;

/// <summary>One HTTP request the emulator answered.</summary>
public sealed record RequestLogEntry(
    long Sequence,
    DateTimeOffset At,
    string? OrgKey,
    string? ClientId,
    string? UserId,
    string Method,
    string Path,
    string Kind,
    int Status,
    bool CountedAsApiCall,
    double DurationMs);

/// <summary>
/// Every request, with what kind of call it was and whether it counted against the org's daily
/// API allowance, for tests and benchmarks to read (from C# or GET /_emulator/requests).
/// </summary>
public sealed class RequestLog
{
    private readonly ConcurrentQueue<RequestLogEntry> _entries = new();
    private long _sequence;
    private int _count;

    public int Capacity { get; set; } = 500_000;

    public void Add(Func<long, RequestLogEntry> make)
    {
        var entry = make(Interlocked.Increment(ref _sequence));
        _entries.Enqueue(entry);
        if (Interlocked.Increment(ref _count) > Capacity && _entries.TryDequeue(out _)) Interlocked.Decrement(ref _count);
        List<(Func<RequestLogEntry, bool> Match, TaskCompletionSource<RequestLogEntry> Done)> waiting;
        lock (_waiters) waiting = [.. _waiters];
        foreach (var w in waiting.Where(w => w.Match(entry))) w.Done.TrySetResult(entry);
    }

    private readonly List<(Func<RequestLogEntry, bool> Match, TaskCompletionSource<RequestLogEntry> Done)> _waiters = [];

    /// <summary>The first logged request (already logged, or logged from now on) that matches: a test waits for it instead of sleeping.</summary>
    public async Task<RequestLogEntry> WaitForAsync(Func<RequestLogEntry, bool> match, TimeSpan timeout, CancellationToken ct = default)
    {
        var waiter = (match, new TaskCompletionSource<RequestLogEntry>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_waiters) _waiters.Add(waiter);
        try
        {
            if (_entries.FirstOrDefault(match) is { } already) return already;
            return await waiter.Item2.Task.WaitAsync(timeout, ct);
        }
        finally
        {
            lock (_waiters) _waiters.Remove(waiter);
        }
    }

    public IReadOnlyList<RequestLogEntry> Entries(string? orgKey = null, long afterSequence = 0) =>
        _entries.Where(e => e.Sequence > afterSequence && (orgKey is null || e.OrgKey == orgKey)).ToList();

    public long LastSequence => Interlocked.Read(ref _sequence);

    /// <summary>How many API calls (requests counted against the daily allowance) an org received, optionally since a sequence number.</summary>
    public int ApiCalls(string orgKey, long afterSequence = 0) =>
        _entries.Count(e => e.Sequence > afterSequence && e.OrgKey == orgKey && e.CountedAsApiCall);

    public void Clear()
    {
        while (_entries.TryDequeue(out _)) Interlocked.Decrement(ref _count);
    }
}
