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

    private readonly Lock _sync = new();
    private Dictionary<(string Tenant, long Hour), (long Calls, long Failed)> _pending = [];

    /// <summary>For a session's <c>CallObserved</c>: one call of this tenant, now.</summary>
    public void Observe(string tenantId, string outcome)
    {
        var key = (tenantId, HourOf(clock.GetUtcNow()));
        lock (_sync)
        {
            var (calls, failed) = _pending.GetValueOrDefault(key);
            _pending[key] = (calls + 1, failed + (outcome == "ok" ? 0 : 1));
        }
    }

    private void PutBack(Dictionary<(string Tenant, long Hour), (long Calls, long Failed)> taken)
    {
        lock (_sync)
        {
            foreach (var (key, (calls, failed)) in taken)
            {
                var (c, f) = _pending.GetValueOrDefault(key);
                _pending[key] = (c + calls, f + failed);
            }
        }
    }

    public static long HourOf(DateTimeOffset t) => t.ToUnixTimeSeconds() / 3600 * 3600;

    /// <summary>
    /// Adds what was counted since the last flush to the table. Rows are upserted in key order, so instances flushing
    /// at once wait for each other instead of deadlocking; counts a failed flush could not add are kept for the next.
    /// </summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        Dictionary<(string Tenant, long Hour), (long Calls, long Failed)> taken;
        lock (_sync)
        {
            if (_pending.Count == 0) return;
            (taken, _pending) = (_pending, []);
        }
        try
        {
            await using var w = await db.WriteAsync(durable: false, ct);
            foreach (var ((tenant, hour), (calls, failed)) in taken.OrderBy(k => k.Key.Tenant, StringComparer.Ordinal).ThenBy(k => k.Key.Hour))
            {
                await w.Connection.ExecuteAsync("""
                    INSERT INTO salesforce_call_hours (tenant_id, hour, calls, failed) VALUES (@tenant, @hour, @calls, @failed)
                    ON CONFLICT (tenant_id, hour) DO UPDATE SET calls = salesforce_call_hours.calls + @calls, failed = salesforce_call_hours.failed + @failed
                    """, new { tenant, hour, calls, failed }, w.Transaction);
            }
            await w.CommitAsync(ct);
        }
        catch (Exception)
        {
            PutBack(taken);
            throw;
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
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await FlushAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Kept for the next flush; a count is never worth stopping the hub for.
                    logger.LogWarning("Salesforce call counts could not be saved yet (kept for the next try): {Error}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last counts are flushed below.
        }
        try
        {
            await FlushAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("The last Salesforce call counts could not be saved: {Error}", e.Message);
        }
    }
}
