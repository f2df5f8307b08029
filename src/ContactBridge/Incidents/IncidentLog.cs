using System.Data.Common;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Incidents;

/// <summary>
/// Something that went wrong for a while and is over: a tenant's org that did not answer, or (with no
/// tenant) the hub's own database out of reach or full. <see cref="Affected"/> is what waited meanwhile:
/// writes held for the org, or requests the hub refused (with 503, for their senders to retry).
/// </summary>
public sealed record Incident(long Id, string? TenantId, string Kind, long StartedAt, long EndedAt, string Detail, long Affected, string? Instance)
{
    public TimeSpan Duration => TimeSpan.FromMilliseconds(EndedAt - StartedAt);
}

/// <summary>The incidents the Activity page explains, kept for the link-activity retention period.</summary>
public sealed class IncidentLog(HubDatabase db)
{
    /// <summary>Inserts an incident, or updates the one with <paramref name="id"/> (an outage that came back and ended again); returns its id.</summary>
    public static async Task<long> SaveAsync(DbConnection c, long? id, Incident incident, DbTransaction? tx = null)
    {
        var detail = incident.Detail.Length > 1000 ? incident.Detail[..1000] : incident.Detail;
        if (id is { } existing
            && await c.ExecuteAsync("UPDATE incidents SET ended_at = @EndedAt, detail = @detail, affected = @Affected WHERE id = @existing", new { incident.EndedAt, detail, incident.Affected, existing }, tx) == 1)
            return existing;
        return await c.ExecuteScalarAsync<long>("""
            INSERT INTO incidents (tenant_id, kind, started_at, ended_at, detail, affected, instance)
            VALUES (@TenantId, @Kind, @StartedAt, @EndedAt, @detail, @Affected, @Instance) RETURNING id
            """, new { incident.TenantId, incident.Kind, incident.StartedAt, incident.EndedAt, detail, incident.Affected, incident.Instance }, tx);
    }

    /// <summary>A tenant's incidents and the hub's own, newest first, that ended after <paramref name="since"/>.</summary>
    public async Task<IReadOnlyList<Incident>> RecentAsync(string tenantId, DateTimeOffset since, int max, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(durable: false, ct);
        return (await c.QueryAsync<Incident>(new CommandDefinition("""
            SELECT id, tenant_id, kind, started_at, ended_at, detail, affected, instance FROM incidents
            WHERE (tenant_id = @tenantId OR tenant_id IS NULL) AND ended_at >= @since ORDER BY ended_at DESC LIMIT @max
            """, new { tenantId, since = since.ToUnixTimeMilliseconds(), max }, cancellationToken: ct))).ToList();
    }
}
