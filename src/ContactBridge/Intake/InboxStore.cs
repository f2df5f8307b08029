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
    /// <summary>Groups committed but not yet flushed to disk (SQLite), answered by the syncer once they are.</summary>
    private readonly System.Threading.Channels.Channel<(List<Pending> Group, int[] Counts)> _unsynced =
        System.Threading.Channels.Channel.CreateUnbounded<(List<Pending>, int[])>(new() { SingleReader = true, SingleWriter = true });
    private readonly Task _syncer;

    /// <param name="ReceivedAt">When the request handed its events over (what a screen pop is timed from), before any wait for the write.</param>
    private sealed record Pending(string TenantId, IReadOnlyList<InteractionEvent> Events, string? TraceParent, long ReceivedAt, TaskCompletionSource<int> Done);

    /// <summary>
    /// Raised on the writer's thread as soon as interaction events are committed, before their requests are answered: the fold starts
    /// at once (the screen pop waits on it). Handlers must be quick and must not throw.
    /// </summary>
    public event Action? InteractionEventsStored;

    public InboxStore(HubDatabase db, TimeProvider clock, ContactCenter.LivePictureStore? picture = null)
    {
        _db = db;
        _clock = clock;
        _picture = picture;
        _writer = DedicatedThread.Run("contactbridge-inbox-writer", WriteLoopAsync);
        _syncer = DedicatedThread.Run("contactbridge-inbox-sync", SyncLoopAsync);
    }

    /// <summary>
    /// Stores the events (all or none); returns how many were new. Completes only once they are on disk. The contact
    /// center's live-state events are stored and applied to its picture in the same transaction.
    /// </summary>
    public Task<int> AppendAsync(string tenantId, IReadOnlyList<InteractionEvent> events, CancellationToken ct = default) => AppendAsync(tenantId, events, null, ct);

    /// <summary>The same, keeping the W3C trace context of the request the events came with.</summary>
    public async Task<int> AppendAsync(string tenantId, IReadOnlyList<InteractionEvent> events, string? traceParent, CancellationToken ct)
    {
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
                Committed(group, await WriteAsync(group));
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
    /// A group is committed: its requests are answered now if the commit was durable, else once the syncer has flushed it to disk. Either
    /// way the fold already sees the events (a screen pop never waits for the disk; the contact center's 202 does).
    /// </summary>
    private void Committed(List<Pending> group, int[] counts)
    {
        if (_db.CanFlushLogAfterCommit && _unsynced.Writer.TryWrite((group, counts))) return;
        for (var i = 0; i < group.Count; i++) group[i].Done.TrySetResult(counts[i]);
    }

    /// <summary>Flushes what the writer committed, one flush for every group committed meanwhile, and answers their requests.</summary>
    private async Task SyncLoopAsync()
    {
        var reader = _unsynced.Reader;
        while (await reader.WaitToReadAsync())
        {
            var committed = new List<(List<Pending> Group, int[] Counts)>();
            while (reader.TryRead(out var next)) committed.Add(next);
            Exception? failed = null;
            try
            {
                _db.FlushLog();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Committed but not known to be on disk: the requests fail, the contact center sends them again, and the events already
                // stored are recognised by their ids.
                failed = e;
            }
            foreach (var (group, counts) in committed)
            {
                for (var i = 0; i < group.Count; i++)
                {
                    if (failed is null) group[i].Done.TrySetResult(counts[i]);
                    else group[i].Done.TrySetException(new IOException($"The events were stored but could not be flushed to disk: {failed.Message}", failed));
                }
            }
        }
    }

    private async Task WriteAloneAsync(Pending p)
    {
        try
        {
            Committed([p], await WriteAsync([p]));
        }
        catch (Exception e)
        {
            p.Done.TrySetException(e);
        }
    }

    private async Task<int[]> WriteAsync(List<Pending> group)
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
        await w.CommitAsync();
        if (all.Count > live.Count) InteractionEventsStored?.Invoke();
        _picture?.Committed(changes);
        return counts;
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
        _unsynced.Writer.TryComplete();
        await _syncer;
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
