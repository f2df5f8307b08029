using System.Threading.Channels;

namespace ContactBridge.ContactCenterEmulator.Events;

public static class EventStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Rejected = "rejected";
    /// <summary>The tenant has no hub URL: the event is kept here only.</summary>
    public const string Kept = "kept";
}

/// <summary>One event as sent: its CloudEvents JSON, serialised once so every retry sends the same bytes.</summary>
public sealed class LoggedEvent
{
    public required long Seq { get; init; }
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string Subject { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required string Json { get; init; }
    public string Status { get; set; } = EventStatus.Pending;
}

/// <summary>
/// A tenant's outgoing events: the recent log (last <see cref="Capacity"/>) and, separately, everything not yet
/// delivered, which is never dropped however long the hub is away.
/// </summary>
public sealed class EventLog
{
    public const int Capacity = 5_000;
    public const int MaxRejectedProblems = 100;

    private readonly Lock _gate = new();
    private readonly Queue<LoggedEvent> _recent = new();
    private readonly Queue<LoggedEvent> _pending = new();
    private readonly List<string> _rejectedProblems = [];
    private readonly Channel<bool> _work = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private TaskCompletionSource _drained = NewDrained(done: true);
    private long _delivered, _rejected, _failedAttempts;
    private string? _lastError;

    public void Append(LoggedEvent e)
    {
        lock (_gate)
        {
            _recent.Enqueue(e);
            while (_recent.Count > Capacity) _recent.Dequeue();
            if (e.Status != EventStatus.Pending) return;
            if (_pending.Count == 0 && _drained.Task.IsCompleted) _drained = NewDrained(done: false);
            _pending.Enqueue(e);
        }
        Signal();
    }

    /// <summary>Wakes the delivery worker (new events, or delivery switched back on).</summary>
    public void Signal() => _work.Writer.TryWrite(true);

    public async Task WaitForWorkAsync(CancellationToken cancellationToken) => await _work.Reader.ReadAsync(cancellationToken);

    public IReadOnlyList<LoggedEvent> PeekBatch(int max)
    {
        lock (_gate) return _pending.Take(max).ToList();
    }

    public void Delivered(int count) => Settle(count, EventStatus.Delivered, null);

    public void Rejected(int count, string problem) => Settle(count, EventStatus.Rejected, problem);

    public void Failed(string error)
    {
        lock (_gate)
        {
            _failedAttempts++;
            _lastError = error;
        }
    }

    private void Settle(int count, string status, string? problem)
    {
        lock (_gate)
        {
            for (var i = 0; i < count && _pending.Count > 0; i++) _pending.Dequeue().Status = status;
            if (status == EventStatus.Delivered) _delivered += count;
            else
            {
                _rejected += count;
                _rejectedProblems.Add(problem!);
                if (_rejectedProblems.Count > MaxRejectedProblems) _rejectedProblems.RemoveAt(0);
            }
            if (_pending.Count == 0) _drained.TrySetResult();
        }
    }

    public IReadOnlyList<LoggedEvent> After(long seq, int max)
    {
        lock (_gate) return _recent.Where(e => e.Seq > seq).Take(max).ToList();
    }

    public DeliveryCounters Counters()
    {
        lock (_gate) return new DeliveryCounters(_pending.Count, _delivered, _rejected, _failedAttempts, _lastError, [.. _rejectedProblems]);
    }

    /// <summary>True once nothing is pending; false if something still is after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitDrainedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task drained;
        lock (_gate) drained = _drained.Task;
        try
        {
            await drained.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static TaskCompletionSource NewDrained(bool done)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (done) tcs.SetResult();
        return tcs;
    }
}

public sealed record DeliveryCounters(long Pending, long Delivered, long Rejected, long FailedAttempts, string? LastError, IReadOnlyList<string> RejectedProblems);
