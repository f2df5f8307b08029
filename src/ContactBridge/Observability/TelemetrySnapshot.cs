using ContactBridge.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace ContactBridge.Observability;

/// <summary>
/// The state gauges report (outbox depth and age per tenant, links by status), read from the database
/// every <see cref="ObservabilityOptions.SampleInterval"/> rather than on every scrape.
/// </summary>
public sealed class TelemetrySnapshot(HubDatabase db, TimeProvider clock)
{
    public sealed record OutboxSample(string TenantId, long Depth, TimeSpan OldestAge);
    public sealed record LinkSample(string Status, long Count);

    public IReadOnlyList<OutboxSample> Outbox { get; private set; } = [];
    public IReadOnlyList<LinkSample> Links { get; private set; } = [];

    public async Task SampleAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(durable: false, ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        Outbox = (await c.QueryAsync<(string TenantId, long Depth, long Oldest)>(
                "SELECT tenant_id, COUNT(*), MIN(created_at) FROM outbox WHERE state IN ('pending', 'sending') GROUP BY tenant_id"))
            .Select(r => new OutboxSample(r.TenantId, r.Depth, TimeSpan.FromMilliseconds(Math.Max(0, now - r.Oldest)))).ToList();
        Links = (await c.QueryAsync<(string Status, long Count)>("SELECT status, COUNT(*) FROM salesforce_links GROUP BY status"))
            .Select(r => new LinkSample(r.Status, r.Count)).ToList();
    }
}

/// <summary>Keeps <see cref="TelemetrySnapshot"/> current.</summary>
public sealed class TelemetrySampler(TelemetrySnapshot snapshot, IOptions<ObservabilityOptions> options, TimeProvider clock, ILogger<TelemetrySampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await snapshot.SampleAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Could not read the outbox and link state for metrics: {Message}", e.Message);
            }
            try
            {
                await Task.Delay(options.Value.SampleInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
