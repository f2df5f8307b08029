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

    private sealed record Row(string Fingerprint, string OrgId, string InstanceUrl, long TakenAt, string ReplayIds, byte[] Data, string Generation, long Parts);

    /// <summary>
    /// The most one transaction writes of a snapshot: on SQLite the hub's writers take turns, and an event's write or the fold must
    /// never wait long behind a snapshot (a 100,000-record index is several MiB; written whole, it held every writer up 150 ms or more).
    /// </summary>
    public const int PartBytes = 64 * 1024;

    /// <summary>
    /// Stores the index as it stands, unless a newer snapshot of the tenant is stored already. Returns its size in bytes. Its parts are
    /// written first, each in a transaction of its own, then the snapshot's row names them in one more; parts of older snapshots are
    /// deleted afterwards, one at a time. A snapshot whose parts are not all there is never read (an instance that stopped half way).
    /// </summary>
    public async Task<int> SaveAsync(string tenantId, string fingerprint, string orgId, string instanceUrl, CallerIndex index, IReadOnlyDictionary<string, byte[]> replayIds,
        DateTimeOffset takenAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(index);
        using var buffer = new MemoryStream();
        using (var zip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) index.WriteTo(zip);
        var data = buffer.ToArray();
        var replay = JsonSerializer.Serialize(replayIds.ToDictionary(r => r.Key, r => Convert.ToBase64String(r.Value)));
        var generation = Guid.NewGuid().ToString("N");
        var at = takenAt.ToUnixTimeMilliseconds();
        var parts = data.Chunk(PartBytes).ToList();
        for (var part = 0; part < parts.Count; part++)
        {
            await using var p = await db.WriteAsync(durable: false, ct);
            await p.Connection.ExecuteAsync("INSERT INTO caller_index_snapshot_parts (tenant_id, generation, taken_at, part, data) VALUES (@tenantId, @generation, @at, @part, @data)",
                new { tenantId, generation, at, part, data = parts[part] }, p.Transaction);
            await p.CommitAsync(ct);
        }
        long stored;
        await using (var w = await db.WriteAsync(durable: false, ct))
        {
            stored = await w.Connection.ExecuteAsync("""
                INSERT INTO caller_index_snapshots (tenant_id, fingerprint, org_id, instance_url, taken_at, records, replay_ids, data, generation, parts)
                VALUES (@tenantId, @fingerprint, @orgId, @instanceUrl, @at, @records, @replay, @empty, @generation, @count)
                ON CONFLICT (tenant_id) DO UPDATE SET fingerprint = excluded.fingerprint, org_id = excluded.org_id, instance_url = excluded.instance_url,
                    taken_at = excluded.taken_at, records = excluded.records, replay_ids = excluded.replay_ids, data = excluded.data,
                    generation = excluded.generation, parts = excluded.parts
                WHERE caller_index_snapshots.taken_at < excluded.taken_at OR caller_index_snapshots.fingerprint <> excluded.fingerprint
                    OR caller_index_snapshots.org_id <> excluded.org_id
                """, new { tenantId, fingerprint, orgId, instanceUrl, at, records = index.Records, replay, empty = Array.Empty<byte>(), generation, count = parts.Count },
                w.Transaction);
            await w.CommitAsync(ct);
        }
        // The parts no stored snapshot names any more: older ones replaced now, or this one's if a newer one was stored meanwhile. (Those
        // of a newer snapshot still being written by another instance are left to it.)
        await DeletePartsAsync(tenantId, stored > 0 ? "generation <> @generation AND taken_at <= @at" : "generation = @generation", new { tenantId, generation, at }, ct);
        return data.Length;
    }

    /// <summary>
    /// Deletes the tenant's parts that <paramref name="which"/> selects (all when null), one per transaction: freeing a part's pages is
    /// a write like any other.
    /// </summary>
    private async Task DeletePartsAsync(string tenantId, string? which, object parameters, CancellationToken ct)
    {
        List<(string Generation, long Part)> doomed;
        await using (var c = await db.OpenAsync(durable: false, ct))
            doomed = (await c.QueryAsync<(string, long)>($"SELECT generation, part FROM caller_index_snapshot_parts WHERE tenant_id = @tenantId{(which is null ? "" : $" AND {which}")}", parameters)).ToList();
        foreach (var (generation, part) in doomed)
        {
            await using var w = await db.WriteAsync(durable: false, ct);
            // Never the parts the stored snapshot names now (another instance may have stored its own since the look above).
            await w.Connection.ExecuteAsync("""
                DELETE FROM caller_index_snapshot_parts WHERE tenant_id = @tenantId AND generation = @generation AND part = @part
                    AND generation <> COALESCE((SELECT generation FROM caller_index_snapshots WHERE tenant_id = @tenantId), '')
                """, new { tenantId, generation, part }, w.Transaction);
            await w.CommitAsync(ct);
        }
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
            SELECT fingerprint AS Fingerprint, org_id AS OrgId, instance_url AS InstanceUrl, taken_at AS TakenAt, replay_ids AS ReplayIds, data AS Data,
                generation AS Generation, parts AS Parts
            FROM caller_index_snapshots WHERE tenant_id = @tenantId
            """, new { tenantId });
        if (row is null || row.Fingerprint != fingerprint || row.OrgId != orgId) return null;
        var takenAt = DateTimeOffset.FromUnixTimeMilliseconds(row.TakenAt);
        if (now - takenAt > maxAge) return null;
        var data = row.Data;
        // Whole in its row (written before snapshots came in parts, or by such a version of the hub sharing the database: then the
        // row's generation may still name an older snapshot's parts), else in the parts of its generation, taken when the row says.
        if (data.Length == 0)
        {
            var parts = (await c.QueryAsync<byte[]>(
                "SELECT data FROM caller_index_snapshot_parts WHERE tenant_id = @tenantId AND generation = @generation AND taken_at = @TakenAt ORDER BY part",
                new { tenantId, generation = row.Generation, row.TakenAt })).ToList();
            if (parts.Count != row.Parts) return null;
            using var joined = new MemoryStream();
            foreach (var part in parts) joined.Write(part);
            data = joined.ToArray();
        }
        try
        {
            using var zip = new GZipStream(new MemoryStream(data, writable: false), CompressionMode.Decompress);
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
        var stored = (await c.QueryAsync<string>("SELECT tenant_id FROM caller_index_snapshots UNION SELECT tenant_id FROM caller_index_snapshot_parts"))
            .Where(t => !tenantIds.Contains(t)).ToList();
        if (stored.Count == 0) return;
        await using (var w = await db.WriteAsync(durable: false, ct))
        {
            foreach (var tenantId in stored) await w.Connection.ExecuteAsync("DELETE FROM caller_index_snapshots WHERE tenant_id = @tenantId", new { tenantId }, w.Transaction);
            await w.CommitAsync(ct);
        }
        foreach (var tenantId in stored) await DeletePartsAsync(tenantId, null, new { tenantId }, ct);
    }
}
