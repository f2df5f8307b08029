using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Intake;

public sealed record InboxEvent(long Seq, string TenantId, string EventId, string InteractionId, string Type, long OccurredAt, string Data, long ReceivedAt, string? TraceParent = null);

/// <summary>An event set aside because it could not be folded, and why.</summary>
public sealed record QuarantinedEvent(long Seq, string EventId, string InteractionId, string Type, long ReceivedAt, string? Error);

/// <summary>
/// Accepted events, stored durably before the API answers 202. An event id already stored for the
/// tenant is a no-op. Writes go through one writer that commits the events of all requests waiting
/// at that moment in a single transaction (group commit). With SQLite the commit does not wait for the
/// disk: the fold is woken at once (a screen pop never waits for a flush), and a second thread flushes
/// the log, once for every group committed meanwhile, before the requests are answered.
/// </summary>
public sealed class InboxStore : IAsyncDisposable
{
    private readonly HubDatabase _db;
    private readonly TimeProvider _clock;
    private readonly ContactCenter.LivePictureStore? _picture;
    private readonly System.Threading.Channels.Channel<Pending> _queue = System.Threading.Channels.Channel.CreateUnbounded<Pending>(new() { SingleReader = true });
    private readonly Task _writer;
    /// <summary>Groups committed but not yet flushed to disk (SQLite), in the order of their commits, answered once flushed.</summary>
    private readonly System.Threading.Channels.Channel<Unflushed> _unflushed =
        System.Threading.Channels.Channel.CreateUnbounded<Unflushed>(new() { SingleReader = true, SingleWriter = true });
    private readonly Task _flusher;
    private readonly Action<Action> _flushThrough;
    private readonly ILogger<InboxStore>? _logger;
    private readonly Lock _flushSync = new();
    /// <summary>Commits numbered as they are made (each numbered before it commits, so whoever sees its events sees its number) and the last flushed.</summary>
    private long _committed, _flushed;
    /// <summary>A flush that failed: nothing is accepted any more (see <see cref="FlushFailed"/>).</summary>
    private Exception? _flushFailure;
    private readonly List<(long Upto, TaskCompletionSource Done)> _flushWaiters = [];

    private sealed record Unflushed(long Commit, List<Pending> Group, int[] Counts);

    /// <param name="ReceivedAt">When the request handed its events over (what a screen pop is timed from), before any wait for the write.</param>
    private sealed record Pending(string TenantId, IReadOnlyList<InteractionEvent> Events, string? TraceParent, long ReceivedAt, TaskCompletionSource<int> Done);

    /// <summary>
    /// Raised on the writer's thread as soon as interaction events are committed (the writers' turn over), before their requests are
    /// answered: the fold starts at once (the screen pop waits on it). Handlers must be quick.
    /// </summary>
    public event Action? InteractionEventsStored;

    public InboxStore(HubDatabase db, TimeProvider clock, ContactCenter.LivePictureStore? picture = null, ILogger<InboxStore>? logger = null)
        : this(db, clock, picture, logger, flushThrough: null)
    {
    }

    /// <param name="flushThrough">Runs the log's flush it is given (tests hold it back, or make it fail); null runs it as it is.</param>
    internal InboxStore(HubDatabase db, TimeProvider clock, ContactCenter.LivePictureStore? picture, ILogger<InboxStore>? logger, Action<Action>? flushThrough)
    {
        _db = db;
        _clock = clock;
        _picture = picture;
        _logger = logger;
        _flushThrough = flushThrough ?? (flush => flush());
        _writer = DedicatedThread.Run("contactbridge-inbox-writer", WriteLoopAsync);
        _flusher = db.CanFlushLogAfterCommit ? DedicatedThread.Run("contactbridge-inbox-flush", FlushLoopAsync) : Task.CompletedTask;
    }

    /// <summary>
    /// Stores the events (all or none); returns how many were new. Completes only once they are on disk. The contact
    /// center's live-state events are stored and applied to its picture in the same transaction.
    /// </summary>
    public Task<int> AppendAsync(string tenantId, IReadOnlyList<InteractionEvent> events, CancellationToken ct = default) => AppendAsync(tenantId, events, null, ct);

    /// <summary>The same, keeping the W3C trace context of the request the events came with.</summary>
    public async Task<int> AppendAsync(string tenantId, IReadOnlyList<InteractionEvent> events, string? traceParent, CancellationToken ct)
    {
        if (Volatile.Read(ref _flushFailure) is { } failed) throw FlushFailed(failed);
        var pending = new Pending(tenantId, events, traceParent, _clock.GetUtcNow().ToUnixTimeMilliseconds(),
            new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, ct);
        return await pending.Done.Task.WaitAsync(ct);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            var group = new List<Pending>();
            while (group.Sum(p => p.Events.Count) < 2000 && reader.TryRead(out var next)) group.Add(next);
            try
            {
                var (commit, counts, interactionEvents) = await WriteAsync(group);
                Committed(group, commit, counts, interactionEvents);
            }
            catch (Exception) when (group.Count > 1)
            {
                // Nothing of this group was committed. One request must never fail another's commit, so each is written alone.
                foreach (var p in group) await WriteAloneAsync(p);
            }
            catch (Exception e)
            {
                group[0].Done.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// A group is committed: the fold is woken, and its requests are answered now if the commit was durable, else once the log is
    /// flushed to disk. Either way the fold sees the events at once (a screen pop never waits for the disk; the contact center's 202 does).
    /// </summary>
    private void Committed(List<Pending> group, long commit, int[] counts, bool interactionEvents)
    {
        if (interactionEvents)
        {
            try
            {
                InteractionEventsStored?.Invoke();
            }
            catch (Exception e)
            {
                // The events are stored whatever a listener does; the pipeline's next round folds them.
                _logger?.LogError(e, "A listener to new events failed");
            }
        }
        if (commit == 0)
        {
            for (var i = 0; i < group.Count; i++) group[i].Done.TrySetResult(counts[i]);
            return;
        }
        if (_unflushed.Writer.TryWrite(new Unflushed(commit, group, counts))) return;
        foreach (var p in group) p.Done.TrySetException(new ObjectDisposedException(nameof(InboxStore), "The hub is stopping: the events were stored, but not flushed to disk."));
    }

    /// <summary>
    /// Everything committed so far is flushed to disk (at once where commits are durable). Whatever sends to Salesforce what the
    /// events say waits for this, so a power cut never leaves Salesforce with a record of events the hub lost.
    /// </summary>
    public Task WhenFlushedAsync(CancellationToken ct)
    {
        if (!_db.CanFlushLogAfterCommit) return Task.CompletedTask;
        lock (_flushSync)
        {
            if (_flushFailure is { } failed) return Task.FromException(FlushFailed(failed));
            if (_flushed >= _committed) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushWaiters.Add((_committed, done));
            return done.Task.WaitAsync(ct);
        }
    }

    /// <summary>
    /// Flushes what the writer committed, one flush for every group committed meanwhile, and answers their requests. A flush that fails
    /// stops the inbox: the operating system may have dropped the pages it could not write, and a later flush would not say so, so
    /// nothing more is acknowledged until the hub restarts and reads what its disk really holds.
    /// </summary>
    private async Task FlushLoopAsync()
    {
        var reader = _unflushed.Reader;
        while (await reader.WaitToReadAsync())
        {
            var committed = new List<Unflushed>();
            while (reader.TryRead(out var next)) committed.Add(next);
            var failed = Volatile.Read(ref _flushFailure);
            if (failed is null)
            {
                try
                {
                    _flushThrough(_db.FlushLog);
                }
                catch (Exception e)
                {
                    failed = e;
                    Interlocked.CompareExchange(ref _flushFailure, e, null);
                    _logger?.LogCritical(e, "The hub could not flush its database to disk; it accepts no more events until it is restarted. Check the disk, then restart the hub");
                }
            }
            List<TaskCompletionSource> waiters;
            lock (_flushSync)
            {
                if (failed is null) _flushed = committed[^1].Commit;
                bool Answered((long Upto, TaskCompletionSource Done) w) => failed is not null || w.Upto <= _flushed;
                waiters = [.. _flushWaiters.Where(Answered).Select(w => w.Done)];
                _flushWaiters.RemoveAll(Answered);
            }
            foreach (var (_, group, counts) in committed)
            {
                for (var i = 0; i < group.Count; i++)
                {
                    if (failed is null) group[i].Done.TrySetResult(counts[i]);
                    else group[i].Done.TrySetException(FlushFailed(failed));
                }
            }
            foreach (var waiter in waiters)
            {
                if (failed is null) waiter.TrySetResult();
                else waiter.TrySetException(FlushFailed(failed));
            }
        }
    }

    private static IOException FlushFailed(Exception failure) => new(
        $"The hub could not flush its database to disk ({failure.Message}), so it acknowledges no events until it is restarted: check the disk, then " +
        "restart the hub. The contact center sends these events again; those already stored are recognised by their ids.", failure);

    private async Task WriteAloneAsync(Pending p)
    {
        try
        {
            var (commit, counts, interactionEvents) = await WriteAsync([p]);
            Committed([p], commit, counts, interactionEvents);
        }
        catch (Exception e)
        {
            p.Done.TrySetException(e);
        }
    }

    /// <returns>The commit's number when the log is flushed after it (else 0), how many events of each request were new, and whether any were interaction events.</returns>
    private async Task<(long Commit, int[] Counts, bool InteractionEvents)> WriteAsync(List<Pending> group)
    {
        // Urgent: the contact center waits for its 202, and the screen pop for the fold that follows this write.
        // Durable at once, unless the log is flushed after the commit (SQLite): then the fold sees the events before the disk has them.
        await using var w = await _db.WriteAsync(durable: !_db.CanFlushLogAfterCommit, urgent: true, CancellationToken.None);
        var (c, tx) = (w.Connection, w.Transaction);
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var counts = new int[group.Count];
        var live = new List<(string TenantId, InteractionEvent Event)>();
        // Interaction events keep the order they came in (the inbox's sequence breaks ties between events of the same time); the live
        // picture's rows are locked in its own order.
        var all = group.SelectMany((p, i) => p.Events.Select(e => (Request: i, p.TenantId, Event: e))).ToList();
        foreach (var (i, tenantId, e) in all)
        {
            if (ContactCenter.ContactCenterEvents.IsContactCenterType(e.Type))
            {
                live.Add((tenantId, e));
                continue;
            }
            counts[i] += await c.ExecuteAsync("""
                INSERT INTO inbox_events (tenant_id, event_id, interaction_id, type, occurred_at, data, received_at, trace_parent)
                VALUES (@tenantId, @id, @interactionId, @type, @at, @data, @now, @trace)
                ON CONFLICT (tenant_id, event_id) DO NOTHING
                """, new { tenantId, trace = group[i].TraceParent, id = e.Id, interactionId = e.InteractionId, type = e.ShortType, at = e.Time.ToUnixTimeMilliseconds(), data = e.Data.ToJsonString(),
                    now = group[i].ReceivedAt }, tx);
        }
        var changes = new HashSet<ContactCenter.PictureChange>();
        if (live.Count > 0)
        {
            if (_picture is null) throw new InvalidOperationException("This inbox has no live picture to apply the contact center's agent and queue events to.");
            var stored = await ContactCenter.LivePictureStore.StoreAsync(w, live, now, changes);
            // Each new event counts once, for the first request of the group that carried it (a sender's retry may share the group).
            foreach (var (i, tenantId, e) in all.Where(x => ContactCenter.ContactCenterEvents.IsContactCenterType(x.Event.Type)).OrderBy(x => x.Request))
                if (stored.Remove((tenantId, e.Id))) counts[i]++;
            await _picture.BeforeCommitAsync(w, changes);
        }
        // How many were new and how many repeated events already stored (a contact center replaying its day), per tenant and day.
        var day = Day(_clock.GetUtcNow());
        foreach (var tenant in group.Select((p, i) => (p.TenantId, New: counts[i], Repeated: p.Events.Count - counts[i])).GroupBy(t => t.TenantId, StringComparer.Ordinal)
                     .OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            await c.ExecuteAsync("""
                INSERT INTO intake_days (tenant_id, day, accepted, repeated) VALUES (@tenantId, @day, @accepted, @repeated)
                ON CONFLICT (tenant_id, day) DO UPDATE SET accepted = intake_days.accepted + @accepted, repeated = intake_days.repeated + @repeated
                """, new { tenantId = tenant.Key, day, accepted = tenant.Sum(t => t.New), repeated = tenant.Sum(t => t.Repeated) }, tx);
        }
        // Numbered before it commits: a lane that reads these events already has a flush to wait for.
        long commit = 0;
        if (_db.CanFlushLogAfterCommit)
        {
            lock (_flushSync) commit = ++_committed;
        }
        try
        {
            await w.CommitAsync();
        }
        catch when (commit > 0)
        {
            // Nothing to flush for it, but its number must be passed.
            _unflushed.Writer.TryWrite(new Unflushed(commit, [], []));
            throw;
        }
        _picture?.Committed(changes);
        return (commit, counts, all.Count > live.Count);
    }

    /// <summary>The UTC day intake counts are kept under.</summary>
    public static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Events received for a tenant on a UTC day: new ones, and repeats of events already stored (ignored).</summary>
    public async Task<(long Accepted, long Repeated)> IntakeOnAsync(string tenantId, DateTimeOffset day, CancellationToken ct)
    {
        await using var c = await _db.OpenAsync(durable: false, ct);
        return await c.QuerySingleOrDefaultAsync<(long, long)>(new CommandDefinition(
            "SELECT accepted, repeated FROM intake_days WHERE tenant_id = @tenantId AND day = @day", new { tenantId, day = Day(day) }, cancellationToken: ct));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        _unflushed.Writer.TryComplete();
        await _flusher;
    }

    public async Task<IReadOnlyList<InboxEvent>> UnfoldedAsync(int max, CancellationToken ct = default)
    {
        await using var c = await _db.OpenAsync(ct);
        return await UnfoldedAsync(c, null, max);
    }

    /// <summary>The oldest events not folded yet, read in the caller's transaction (the fold's, which holds the fold lock).</summary>
    public static async Task<IReadOnlyList<InboxEvent>> UnfoldedAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction? tx, int max) =>
        (await c.QueryAsync<InboxEvent>("SELECT seq, tenant_id, event_id, interaction_id, type, occurred_at, data, received_at, trace_parent FROM inbox_events WHERE folded = 0 ORDER BY seq LIMIT @max",
            new { max }, tx)).ToList();

    /// <summary>The tenants whose events wait to be folded (of the next <paramref name="max"/>): a cheap look before the fold takes its lock.</summary>
    public async Task<IReadOnlyList<string>> UnfoldedTenantsAsync(int max, CancellationToken ct = default)
    {
        await using var c = await _db.OpenAsync(durable: false, ct);
        return (await c.QueryAsync<string>("SELECT DISTINCT tenant_id FROM (SELECT tenant_id FROM inbox_events WHERE folded = 0 ORDER BY seq LIMIT @max) AS next", new { max })).ToList();
    }

    public async Task<IReadOnlyList<InboxEvent>> ForInteractionAsync(string tenantId, string interactionId, CancellationToken ct = default)
    {
        await using var c = await _db.OpenAsync(ct);
        return (await c.QueryAsync<InboxEvent>("SELECT seq, tenant_id, event_id, interaction_id, type, occurred_at, data, received_at, trace_parent FROM inbox_events WHERE tenant_id = @tenantId AND interaction_id = @interactionId ORDER BY seq",
            new { tenantId, interactionId })).ToList();
    }

    /// <summary>inbox_events.folded: waiting, folded, set aside because it could not be folded, discarded by an admin.</summary>
    public const int Waiting = 0, Folded = 1, Quarantined = 2, Discarded = 3;

    public async Task<IReadOnlyList<QuarantinedEvent>> QuarantinedAsync(string tenantId, int max, CancellationToken ct = default)
    {
        await using var c = await _db.OpenAsync(ct);
        return (await c.QueryAsync<QuarantinedEvent>("SELECT seq, event_id, interaction_id, type, received_at, error FROM inbox_events WHERE tenant_id = @tenantId AND folded = @q ORDER BY seq LIMIT @max",
            new { tenantId, q = Quarantined, max })).ToList();
    }

    /// <summary>Folds a set-aside event again (after an upgrade that understands it); false when there is no such event.</summary>
    public Task<bool> ReplayQuarantinedAsync(string tenantId, long seq, CancellationToken ct = default) => MoveQuarantinedAsync(tenantId, seq, Waiting, ct);

    /// <summary>Gives up on a set-aside event for good; it stays stored, marked discarded.</summary>
    public Task<bool> DiscardQuarantinedAsync(string tenantId, long seq, CancellationToken ct = default) => MoveQuarantinedAsync(tenantId, seq, Discarded, ct);

    private async Task<bool> MoveQuarantinedAsync(string tenantId, long seq, int to, CancellationToken ct)
    {
        await using var w = await _db.WriteAsync(durable: true, ct);
        var changed = await w.Connection.ExecuteAsync("UPDATE inbox_events SET folded = @to WHERE tenant_id = @tenantId AND seq = @seq AND folded = @q",
            new { to, tenantId, seq, q = Quarantined }, w.Transaction);
        await w.CommitAsync(ct);
        return changed == 1;
    }

    public async Task<long> CountAsync(string tenantId, CancellationToken ct = default)
    {
        await using var c = await _db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE tenant_id = @tenantId", new { tenantId });
    }
}
