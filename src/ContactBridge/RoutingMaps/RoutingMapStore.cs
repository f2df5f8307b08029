using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.RoutingMaps;

/// <summary>What happened to one row of the input (or one seen user): created, failed with Salesforce's message, and so on.</summary>
public sealed record RowOutcome(
    int Row, string ExternalId, string? MatchValue, string? SalesforceUser, string? ReferenceRecordId, string? DeveloperName, string Outcome, string? RecordId, string? Message);

public static class Outcomes
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Unchanged = "unchanged";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
    public const string WouldCreate = "would create";
    public const string WouldUpdate = "would update";
    public const string Problem = "problem";
    public const string Unmatched = "unmatched";
}

public static class ImportStates
{
    public const string Running = "running";
    /// <summary>Everything to write was written (or nothing needed writing).</summary>
    public const string Done = "done";
    /// <summary>Written, but Salesforce refused some rows; each says why.</summary>
    public const string DoneWithFailures = "done_with_failures";
    /// <summary>Validation found problems, so nothing was written.</summary>
    public const string Invalid = "invalid";
    public const string DryRun = "dry_run";
    /// <summary>Salesforce could not be reached or refused the whole import.</summary>
    public const string Failed = "failed";
    public const string Interrupted = "interrupted";

    public static bool IsFinished(string state) => state != Running;
}

public sealed record ImportSummary(
    int Rows, int Created, int Updated, int Unchanged, int Skipped, int Failed, int Problems, int Unmatched, int WouldCreate, int WouldUpdate, int UnmappedSalesforceUsers);

public sealed record ImportReport(IReadOnlyList<RowOutcome> Rows, IReadOnlyList<string> UnmappedSalesforceUsers, IReadOnlyList<RoutingMapRow> Plan);

/// <summary>One build, validation or import of a tenant's routing map.</summary>
public sealed record RoutingMapImport(
    string Id, string TenantId, string Source, string CallCenterId, string MatchBy, string ExistingPolicy, bool DryRun, string State, string? Method,
    ImportSummary? Summary, string? Error, int ApiCalls, int ProgressDone, int ProgressTotal, string? ProgressStage, string? CreatedBy,
    DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt)
{
    public bool Finished => ImportStates.IsFinished(State);
}

public sealed record RoutingMapSettings(bool KeepMapped, string? CallCenterId, MatchBy MatchBy);

public sealed record SeenUser(string ExternalId, string? Email, string? Name);

public sealed record ContactCenterUser(string ExternalId, string? Email, string? Name, long FirstSeenAt, long LastSeenAt, string? MappingOutcome, long? MappingCheckedAt);

/// <summary>Routing-map imports with their per-row reports, the "keep it mapped" settings, and the contact-center users seen in events.</summary>
public sealed class RoutingMapStore(HubDatabase db, TimeProvider clock)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private sealed class ImportRecord
    {
        public string Id { get; set; } = "";
        public string TenantId { get; set; } = "";
        public string Source { get; set; } = "";
        public string CallCenterId { get; set; } = "";
        public string MatchBy { get; set; } = "";
        public string ExistingPolicy { get; set; } = "";
        public long DryRun { get; set; }
        public string State { get; set; } = "";
        public string? Method { get; set; }
        public string? Summary { get; set; }
        public string? Error { get; set; }
        public long ApiCalls { get; set; }
        public long ProgressDone { get; set; }
        public long ProgressTotal { get; set; }
        public string? ProgressStage { get; set; }
        public string? CreatedBy { get; set; }
        public long CreatedAt { get; set; }
        public long? FinishedAt { get; set; }

        public RoutingMapImport ToImport() => new(Id, TenantId, Source, CallCenterId, MatchBy, ExistingPolicy, DryRun != 0, State, Method,
            Summary is null ? null : JsonSerializer.Deserialize<ImportSummary>(Summary, Json), Error, (int)ApiCalls, (int)ProgressDone, (int)ProgressTotal, ProgressStage,
            CreatedBy, DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt), FinishedAt is { } f ? DateTimeOffset.FromUnixTimeMilliseconds(f) : null);
    }

    private sealed class SettingsRecord
    {
        public long KeepMapped { get; set; }
        public string? CallCenterId { get; set; }
        public string MatchBy { get; set; } = "";
    }

    private const string Columns = "id, tenant_id, source, call_center_id, match_by, existing_policy, dry_run, state, method, summary, error, api_calls, " +
                                   "progress_done, progress_total, progress_stage, created_by, created_at, finished_at";

    public async Task<RoutingMapImport> CreateAsync(string tenantId, string source, RoutingMapRequest request, string? createdBy, CancellationToken ct)
    {
        var id = Guid.NewGuid().ToString("N");
        var now = Now;
        await using var w = await db.WriteAsync(ct: ct);
        await w.Connection.ExecuteAsync($"""
            INSERT INTO routing_map_imports (id, tenant_id, source, call_center_id, match_by, existing_policy, dry_run, state, created_by, created_at)
            VALUES (@id, @tenantId, @source, @CallCenterId, @MatchBy, @Existing, @DryRun, '{ImportStates.Running}', @createdBy, @now)
            """, new { id, tenantId, source, request.CallCenterId, MatchBy = request.MatchBy.ToString(), Existing = request.Existing.ToString(), DryRun = request.DryRun ? 1 : 0, createdBy, now },
            w.Transaction);
        await w.CommitAsync(ct);
        return new RoutingMapImport(id, tenantId, source, request.CallCenterId, request.MatchBy.ToString(), request.Existing.ToString(), request.DryRun, ImportStates.Running,
            null, null, null, 0, 0, 0, null, createdBy, DateTimeOffset.FromUnixTimeMilliseconds(now), null);
    }

    /// <summary>Progress is worth only a cheap, non-durable write: a crash loses the import's progress, not its outcome.</summary>
    public async Task ProgressAsync(string id, string stage, int done, int total, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        await w.Connection.ExecuteAsync("UPDATE routing_map_imports SET progress_stage = @stage, progress_done = @done, progress_total = @total WHERE id = @id",
            new { id, stage, done, total }, w.Transaction);
        await w.CommitAsync(ct);
    }

    public async Task FinishAsync(string id, string state, string? method, ImportSummary? summary, ImportReport? report, string? error, int apiCalls, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(ct: ct);
        await w.Connection.ExecuteAsync("""
            UPDATE routing_map_imports SET state = @state, method = @method, summary = @summary, report = @report, error = @error, api_calls = @apiCalls,
                progress_stage = NULL, finished_at = @now WHERE id = @id
            """, new
        {
            id, state, method, summary = summary is null ? null : JsonSerializer.Serialize(summary, Json), report = report is null ? null : JsonSerializer.Serialize(report, Json),
            error, apiCalls, now = Now,
        }, w.Transaction);
        await w.CommitAsync(ct);
    }

    public async Task<RoutingMapImport?> GetAsync(string tenantId, string id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QuerySingleOrDefaultAsync<ImportRecord>($"SELECT {Columns} FROM routing_map_imports WHERE tenant_id = @tenantId AND id = @id", new { tenantId, id }))?.ToImport();
    }

    public async Task<ImportReport?> ReportAsync(string tenantId, string id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var text = await c.QuerySingleOrDefaultAsync<string?>("SELECT report FROM routing_map_imports WHERE tenant_id = @tenantId AND id = @id", new { tenantId, id });
        return text is null ? null : JsonSerializer.Deserialize<ImportReport>(text, Json);
    }

    public async Task<IReadOnlyList<RoutingMapImport>> ListAsync(string tenantId, int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<ImportRecord>($"SELECT {Columns} FROM routing_map_imports WHERE tenant_id = @tenantId ORDER BY created_at DESC, id LIMIT @max", new { tenantId, max }))
            .Select(r => r.ToImport()).ToList();
    }

    /// <summary>How long a running import's lease lasts (renewed every third of it by the instance running it).</summary>
    public static readonly TimeSpan ImportLease = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Imports left running by a hub (or command line) that stopped or died: their lease has lapsed. The rows
    /// Salesforce already took are seen as unchanged when the import is run again.
    /// </summary>
    public async Task<int> MarkInterruptedAsync(CancellationToken ct)
    {
        await using var w = await db.WriteAsync(ct: ct);
        var now = Now;
        var n = await w.Connection.ExecuteAsync($"""
            UPDATE routing_map_imports SET state = '{ImportStates.Interrupted}', error = 'The hub stopped during the import. Run it again: maps already written are left unchanged.', finished_at = @now
            WHERE state = '{ImportStates.Running}' AND created_at < @started
              AND NOT EXISTS (SELECT 1 FROM work_leases WHERE work_leases.name = 'import:' || routing_map_imports.id AND work_leases.expires_at >= @now)
            """, new { now, started = now - (long)ImportLease.TotalMilliseconds }, w.Transaction);
        await w.CommitAsync(ct);
        return n;
    }

    public async Task<RoutingMapSettings> GetSettingsAsync(string tenantId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var r = await c.QuerySingleOrDefaultAsync<SettingsRecord>(
            "SELECT keep_mapped, call_center_id, match_by FROM routing_map_settings WHERE tenant_id = @tenantId", new { tenantId });
        return r is null ? new RoutingMapSettings(false, null, MatchBy.Email) : new RoutingMapSettings(r.KeepMapped != 0, r.CallCenterId, Enum.Parse<MatchBy>(r.MatchBy));
    }

    public async Task SaveSettingsAsync(string tenantId, RoutingMapSettings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await using var w = await db.WriteAsync(ct: ct);
        await w.Connection.ExecuteAsync("""
            INSERT INTO routing_map_settings (tenant_id, keep_mapped, call_center_id, match_by, updated_at) VALUES (@tenantId, @keep, @CallCenterId, @matchBy, @now)
            ON CONFLICT (tenant_id) DO UPDATE SET keep_mapped = excluded.keep_mapped, call_center_id = excluded.call_center_id, match_by = excluded.match_by, updated_at = excluded.updated_at
            """, new { tenantId, keep = settings.KeepMapped ? 1 : 0, settings.CallCenterId, matchBy = settings.MatchBy.ToString(), now = Now }, w.Transaction);
        // Switching it on (again) looks at every seen user afresh.
        if (settings.KeepMapped)
            await w.Connection.ExecuteAsync("UPDATE contact_center_users SET mapping_checked_at = NULL WHERE tenant_id = @tenantId", new { tenantId }, w.Transaction);
        await w.CommitAsync(ct);
    }

    /// <summary>Records the agents seen in a batch of events, inside the caller's transaction.</summary>
    public static async Task RecordSeenAsync(DbConnection c, DbTransaction tx, string tenantId, IEnumerable<SeenUser> users, long now)
    {
        foreach (var u in users)
        {
            await c.ExecuteAsync("""
                INSERT INTO contact_center_users (tenant_id, external_id, email, name, first_seen_at, last_seen_at) VALUES (@tenantId, @ExternalId, @Email, @Name, @now, @now)
                ON CONFLICT (tenant_id, external_id) DO UPDATE SET email = COALESCE(excluded.email, contact_center_users.email),
                    name = COALESCE(excluded.name, contact_center_users.name), last_seen_at = excluded.last_seen_at
                """, new { tenantId, u.ExternalId, u.Email, u.Name, now }, tx);
        }
    }

    public async Task<IReadOnlyList<ContactCenterUser>> SeenUsersAsync(string tenantId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<ContactCenterUser>("""
            SELECT external_id, email, name, first_seen_at, last_seen_at, mapping_outcome, mapping_checked_at FROM contact_center_users
            WHERE tenant_id = @tenantId ORDER BY external_id
            """, new { tenantId })).ToList();
    }

    /// <summary>Outcomes that leave a seen user mapped; any other (unmatched, a problem such as "not in the call center", failed) is tried again later.</summary>
    private static readonly string Mapped = $"'{Outcomes.Created}', '{Outcomes.Unchanged}', '{Outcomes.Skipped}', '{Outcomes.Updated}'";

    /// <summary>Tenants with seen users to map: never looked at, or not mapped when last looked at before <paramref name="retryUnmatchedBefore"/>.</summary>
    public async Task<IReadOnlyList<string>> TenantsToKeepMappedAsync(long retryUnmatchedBefore, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<string>($"""
            SELECT DISTINCT u.tenant_id FROM contact_center_users u JOIN routing_map_settings s ON s.tenant_id = u.tenant_id
            WHERE s.keep_mapped = 1 AND s.call_center_id IS NOT NULL
              AND (u.mapping_checked_at IS NULL OR (u.mapping_outcome NOT IN ({Mapped}) AND u.mapping_checked_at < @retryUnmatchedBefore))
            """, new { retryUnmatchedBefore })).ToList();
    }

    public async Task<IReadOnlyList<ContactCenterUser>> UsersToMapAsync(string tenantId, long retryUnmatchedBefore, int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<ContactCenterUser>($"""
            SELECT external_id, email, name, first_seen_at, last_seen_at, mapping_outcome, mapping_checked_at FROM contact_center_users
            WHERE tenant_id = @tenantId AND (mapping_checked_at IS NULL OR (mapping_outcome NOT IN ({Mapped}) AND mapping_checked_at < @retryUnmatchedBefore))
            ORDER BY first_seen_at, external_id LIMIT @max
            """, new { tenantId, retryUnmatchedBefore, max })).ToList();
    }

    public async Task MarkCheckedAsync(string tenantId, IEnumerable<(string ExternalId, string Outcome)> outcomes, CancellationToken ct = default)
    {
        await using var w = await db.WriteAsync(ct: ct);
        foreach (var (externalId, outcome) in outcomes)
        {
            await w.Connection.ExecuteAsync("UPDATE contact_center_users SET mapping_outcome = @outcome, mapping_checked_at = @now WHERE tenant_id = @tenantId AND external_id = @externalId",
                new { tenantId, externalId, outcome, now = Now }, w.Transaction);
        }
        await w.CommitAsync(ct);
    }
}
