using System.Collections.Concurrent;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Dashboard;

/// <summary>One hour of a tenant's Salesforce calls.</summary>
public sealed record CallHour(DateTimeOffset Hour, long Calls, long Failed);

/// <summary>
/// Counts the Salesforce API calls the hub makes, per tenant and UTC hour: in memory as they happen, added to
/// <c>salesforce_call_hours</c> every few seconds (and when the hub stops). Each instance adds its own, so the
/// table holds the hub's total; a crash loses at most the last few seconds of counts, never a record.
/// </summary>
public sealed class SalesforceCallLedger(HubDatabase db, TimeProvider clock, ILogger<SalesforceCallLedger> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);

    private ConcurrentDictionary<(string Tenant, long Hour), Counts> _pending = new();

    private sealed class Counts
    {
        public long Calls;
        public long Failed;
    }

    /// <summary>For a session's <c>CallObserved</c>: one call of this tenant, now.</summary>
    public void Observe(string tenantId, string outcome)
    {
        var hour = HourOf(clock.GetUtcNow());
        var counts = _pending.GetOrAdd((tenantId, hour), _ => new Counts());
        Interlocked.Increment(ref counts.Calls);
        if (outcome != "ok") Interlocked.Increment(ref counts.Failed);
    }

    public static long HourOf(DateTimeOffset t) => t.ToUnixTimeSeconds() / 3600 * 3600;

    /// <summary>Adds what was counted since the last flush to the table.</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        var taken = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<(string, long), Counts>());
        if (taken.IsEmpty) return;
        try
        {
            await using var w = await db.WriteAsync(durable: false, ct);
            foreach (var ((tenant, hour), counts) in taken)
            {
                await w.Connection.ExecuteAsync("""
                    INSERT INTO salesforce_call_hours (tenant_id, hour, calls, failed) VALUES (@tenant, @hour, @calls, @failed)
                    ON CONFLICT (tenant_id, hour) DO UPDATE SET calls = salesforce_call_hours.calls + @calls, failed = salesforce_call_hours.failed + @failed
                    """, new { tenant, hour, calls = Interlocked.Read(ref counts.Calls), failed = Interlocked.Read(ref counts.Failed) }, w.Transaction);
            }
            await w.CommitAsync(ct);
        }
        catch (Exception e) when (StorageHealth.Classify(e) is not null || e is OperationCanceledException)
        {
            // The database is away: keep the counts for the next flush.
            foreach (var (key, counts) in taken)
            {
                var into = _pending.GetOrAdd(key, _ => new Counts());
                Interlocked.Add(ref into.Calls, counts.Calls);
                Interlocked.Add(ref into.Failed, counts.Failed);
            }
            if (e is OperationCanceledException) throw;
            logger.LogDebug("Salesforce call counts wait for the database: {Error}", e.Message);
        }
    }

    /// <summary>The tenant's calls per hour since a time (hours without calls are absent).</summary>
    public async Task<IReadOnlyList<CallHour>> HoursAsync(string tenantId, DateTimeOffset since, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<(long Hour, long Calls, long Failed)>(
                "SELECT hour, calls, failed FROM salesforce_call_hours WHERE tenant_id = @tenantId AND hour >= @since ORDER BY hour",
                new { tenantId, since = HourOf(since) }))
            .Select(h => new CallHour(DateTimeOffset.FromUnixTimeSeconds(h.Hour), h.Calls, h.Failed)).ToList();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last counts are flushed below.
        }
        await FlushAsync(CancellationToken.None);
    }
}
