using System.Text.Json;
using ContactBridge.Security;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Workforce;

/// <summary>One stored integration: its kind and group, its settings as JSON, whether a client secret is kept, and how far its feed has got.</summary>
public sealed class WorkforceIntegrationRow
{
    public string TenantId { get; init; } = "";
    public string Kind { get; init; } = "";
    public string GroupName { get; init; } = "";
    public long Enabled { get; init; }
    public string Settings { get; init; } = "{}";
    public string? ClientSecretEnc { get; init; }
    public string? WebhookSecretEnc { get; init; }
    public long? ComputedThrough { get; init; }
    public long Revision { get; init; }
    public long UpdatedAt { get; init; }

    public bool IsEnabled => Enabled == 1;

    public HistoricalSettings Historical() => JsonSerializer.Deserialize<HistoricalSettings>(Settings, JsonSerializerOptions.Web)! with { Enabled = IsEnabled };

    public RealTimeSettings RealTime() => JsonSerializer.Deserialize<RealTimeSettings>(Settings, JsonSerializerOptions.Web)! with { Enabled = IsEnabled };
}

/// <summary>
/// A tenant's workforce-management integrations. The client secret is encrypted under a purpose bound to the tenant, kind and
/// group; saving settings that change what the historical feed computes starts its computation again from scratch.
/// </summary>
public sealed class WorkforceSettingsStore(HubDatabase db, SecretProtector protector, TimeProvider clock)
{
    private static string SecretPurpose(string tenantId, string kind, string group) =>
        Linking.SalesforceLinkService.Purpose($"workforce_client_secret:{kind}:{group}", tenantId);

    private const string Columns = "tenant_id, kind, group_name, enabled, settings, client_secret_enc, webhook_secret_enc, computed_through, revision, updated_at";

    public static string WebhookPurpose(string tenantId, string group) => Linking.SalesforceLinkService.Purpose($"workforce_webhook_secret:{group}", tenantId);

    public async Task<IReadOnlyList<WorkforceIntegrationRow>> ListAsync(string tenantId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<WorkforceIntegrationRow>($"SELECT {Columns} FROM workforce_integrations WHERE tenant_id = @tenantId ORDER BY kind, group_name",
            new { tenantId })).ToList();
    }

    public async Task<WorkforceIntegrationRow?> GetAsync(string tenantId, string kind, string group, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<WorkforceIntegrationRow>(
            $"SELECT {Columns} FROM workforce_integrations WHERE tenant_id = @tenantId AND kind = @kind AND group_name = @group", new { tenantId, kind, group });
    }

    public string? WebhookSecret(WorkforceIntegrationRow row) =>
        row.WebhookSecretEnc is null ? null : protector.Unprotect(row.WebhookSecretEnc, WebhookPurpose(row.TenantId, row.GroupName));

    public string? ClientSecret(WorkforceIntegrationRow row) =>
        row.ClientSecretEnc is null ? null : protector.Unprotect(row.ClientSecretEnc, SecretPurpose(row.TenantId, row.Kind, row.GroupName));

    /// <summary>
    /// Saves one integration (settings already checked). <paramref name="clientSecret"/> null keeps the stored one, empty removes it.
    /// <paramref name="recompute"/> forgets how far the feed had got, so it computes everything again with the new settings.
    /// </summary>
    public async Task SaveAsync(string tenantId, string kind, string group, bool enabled, object settings, string? clientSecret, bool recompute, CancellationToken ct,
        bool forgetIntervals = false, string? webhookSecret = null, bool replaceWebhookSecret = false, bool forgetOmniChannel = false)
    {
        // A webhook secret is kept with the settings in one transaction: the first one made stays (of two saves at once, one wins).
        var webhookEnc = webhookSecret is null ? null : protector.Protect(webhookSecret, WebhookPurpose(tenantId, group));
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var json = JsonSerializer.Serialize(settings, settings.GetType(), JsonSerializerOptions.Web);
        var secret = string.IsNullOrEmpty(clientSecret) ? null : protector.Protect(clientSecret, SecretPurpose(tenantId, kind, group));
        await using var w = await db.WriteAsync(durable: true, ct);
        await w.Connection.ExecuteAsync("""
            INSERT INTO workforce_integrations (tenant_id, kind, group_name, enabled, settings, client_secret_enc, webhook_secret_enc, computed_through, revision, created_at, updated_at)
            VALUES (@tenantId, @kind, @group, @enabled, @json, @secret, @webhookEnc, NULL, 0, @now, @now)
            ON CONFLICT (tenant_id, kind, group_name) DO UPDATE SET enabled = excluded.enabled, settings = excluded.settings, updated_at = excluded.updated_at,
                webhook_secret_enc = CASE WHEN @replace = 1 THEN excluded.webhook_secret_enc
                    ELSE COALESCE(workforce_integrations.webhook_secret_enc, excluded.webhook_secret_enc) END,
                client_secret_enc = CASE WHEN @keep = 1 THEN workforce_integrations.client_secret_enc ELSE excluded.client_secret_enc END,
                computed_through = CASE WHEN @recompute = 1 THEN NULL ELSE workforce_integrations.computed_through END
            """, new
            {
                tenantId, kind, group, enabled = enabled ? 1 : 0, json, secret, webhookEnc, now, keep = clientSecret is null ? 1 : 0, recompute = recompute ? 1 : 0,
                replace = replaceWebhookSecret ? 1 : 0,
            },
            w.Transaction);
        if (forgetIntervals) await DeleteIntervalsAsync(w, tenantId, group);
        if (forgetOmniChannel) await OmniChannelSource.ForgetAsync(w.Connection, w.Transaction, tenantId, group);
        await w.CommitAsync(ct);
    }

    /// <summary>Removes an integration and what its feed computed.</summary>
    public async Task<bool> DeleteAsync(string tenantId, string kind, string group, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: true, ct);
        var args = new { tenantId, kind, group };
        var removed = await w.Connection.ExecuteAsync("DELETE FROM workforce_integrations WHERE tenant_id = @tenantId AND kind = @kind AND group_name = @group", args, w.Transaction);
        if (kind == WorkforceKinds.Historical)
        {
            await DeleteIntervalsAsync(w, tenantId, group);
            await OmniChannelSource.ForgetAsync(w.Connection, w.Transaction, tenantId, group);
        }
        else await w.Connection.ExecuteAsync("DELETE FROM workforce_subscriptions WHERE tenant_id = @tenantId AND group_name = @group", new { tenantId, group }, w.Transaction);
        await w.CommitAsync(ct);
        return removed == 1;
    }

    private static async Task DeleteIntervalsAsync(HubDatabase.WriteScope w, string tenantId, string group)
    {
        await w.Connection.ExecuteAsync("DELETE FROM workforce_queue_intervals WHERE tenant_id = @tenantId AND group_name = @group", new { tenantId, group }, w.Transaction);
        await w.Connection.ExecuteAsync("DELETE FROM workforce_agent_intervals WHERE tenant_id = @tenantId AND group_name = @group", new { tenantId, group }, w.Transaction);
    }
}
