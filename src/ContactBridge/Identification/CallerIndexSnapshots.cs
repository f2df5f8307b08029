using System.IO.Compression;
using System.Text.Json;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Identification;

/// <summary>
/// Caller indexes kept in the hub's database (compressed), each with the replay ids of the change streams it had applied: an
/// instance that starts (another one, or this one after a restart) takes a tenant's index up from here and resumes its streams after
/// those replay ids, with no Bulk load and no API call. Any instance may write a snapshot; a newer one replaces an older one.
/// </summary>
public sealed class CallerIndexSnapshots(HubDatabase db)
{
    /// <summary>A stored index and where its streams resume.</summary>
    public sealed record Snapshot(CallerIndex Index, IReadOnlyDictionary<string, byte[]> ReplayIds, DateTimeOffset TakenAt, string InstanceUrl);

    private sealed record Row(string Fingerprint, string OrgId, string InstanceUrl, long TakenAt, string ReplayIds, byte[] Data);

    /// <summary>Stores the index as it stands, unless a newer snapshot of the tenant is stored already. Returns its size in bytes.</summary>
    public async Task<int> SaveAsync(string tenantId, string fingerprint, string orgId, string instanceUrl, CallerIndex index, IReadOnlyDictionary<string, byte[]> replayIds,
        DateTimeOffset takenAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(index);
        using var buffer = new MemoryStream();
        using (var zip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) index.WriteTo(zip);
        var data = buffer.ToArray();
        var replay = JsonSerializer.Serialize(replayIds.ToDictionary(r => r.Key, r => Convert.ToBase64String(r.Value)));
        await using var w = await db.WriteAsync(durable: false, ct);
        await w.Connection.ExecuteAsync("""
            INSERT INTO caller_index_snapshots (tenant_id, fingerprint, org_id, instance_url, taken_at, records, replay_ids, data)
            VALUES (@tenantId, @fingerprint, @orgId, @instanceUrl, @takenAt, @records, @replay, @data)
            ON CONFLICT (tenant_id) DO UPDATE SET fingerprint = excluded.fingerprint, org_id = excluded.org_id, instance_url = excluded.instance_url,
                taken_at = excluded.taken_at, records = excluded.records, replay_ids = excluded.replay_ids, data = excluded.data
            WHERE caller_index_snapshots.taken_at < excluded.taken_at OR caller_index_snapshots.fingerprint <> excluded.fingerprint
                OR caller_index_snapshots.org_id <> excluded.org_id
            """, new { tenantId, fingerprint, orgId, instanceUrl, takenAt = takenAt.ToUnixTimeMilliseconds(), records = index.Records, replay, data }, w.Transaction);
        await w.CommitAsync(ct);
        return data.Length;
    }

    /// <summary>
    /// The tenant's stored index, when one was made for these rules and this org no longer ago than <paramref name="maxAge"/> (its
    /// replay ids must still be on the event bus); null otherwise, and for a snapshot that cannot be read.
    /// </summary>
    public async Task<Snapshot?> LoadAsync(string tenantId, string fingerprint, string orgId, IdentificationRules rules, DateTimeOffset now, TimeSpan maxAge,
        CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<Row>("""
            SELECT fingerprint AS Fingerprint, org_id AS OrgId, instance_url AS InstanceUrl, taken_at AS TakenAt, replay_ids AS ReplayIds, data AS Data
            FROM caller_index_snapshots WHERE tenant_id = @tenantId
            """, new { tenantId });
        if (row is null || row.Fingerprint != fingerprint || row.OrgId != orgId) return null;
        var takenAt = DateTimeOffset.FromUnixTimeMilliseconds(row.TakenAt);
        if (now - takenAt > maxAge) return null;
        try
        {
            using var zip = new GZipStream(new MemoryStream(row.Data, writable: false), CompressionMode.Decompress);
            var index = CallerIndex.ReadFrom(zip, rules);
            var replay = JsonSerializer.Deserialize<Dictionary<string, string>>(row.ReplayIds)!.ToDictionary(r => r.Key, r => Convert.FromBase64String(r.Value), StringComparer.Ordinal);
            return new Snapshot(index, replay, takenAt, row.InstanceUrl);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or JsonException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Drops the snapshots of tenants that no longer keep an index (turned off, unlinked): the org's data does not outlive its use.</summary>
    public async Task KeepOnlyAsync(IReadOnlyCollection<string> tenantIds, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var stored = (await c.QueryAsync<string>("SELECT tenant_id FROM caller_index_snapshots")).Where(t => !tenantIds.Contains(t)).ToList();
        if (stored.Count == 0) return;
        await using var w = await db.WriteAsync(durable: false, ct);
        foreach (var tenantId in stored) await w.Connection.ExecuteAsync("DELETE FROM caller_index_snapshots WHERE tenant_id = @tenantId", new { tenantId }, w.Transaction);
        await w.CommitAsync(ct);
    }
}
