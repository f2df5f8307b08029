using System.Data.Common;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Linking;

/// <summary>Links, link events, OAuth attempts and connected-app settings. Every query names its tenant.</summary>
public sealed class LinkStore(HubDatabase db, TimeProvider clock)
{
    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<SalesforceLink?> GetAsync(string tenantId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<SalesforceLink>("SELECT * FROM salesforce_links WHERE tenant_id = @tenantId", new { tenantId });
    }

    /// <summary>Every tenant's link, by tenant: one query for the system view.</summary>
    public async Task<IReadOnlyDictionary<string, SalesforceLink>> AllAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<SalesforceLink>("SELECT * FROM salesforce_links")).ToDictionary(l => l.TenantId, StringComparer.Ordinal);
    }

    public async Task SaveAsync(SalesforceLink link, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync("""
            INSERT INTO salesforce_links (tenant_id, status, status_reason, status_changed_at, flow, app_config, environment, login_url, token_url,
                client_id, client_secret_enc, org_id, user_id, username, display_name, instance_url, identity_url, api_version,
                refresh_token_enc, access_token_enc, legacy_password_enc, linked_at, last_checked_at)
            VALUES (@TenantId, @Status, @StatusReason, @StatusChangedAt, @Flow, @AppConfig, @Environment, @LoginUrl, @TokenUrl,
                @ClientId, @ClientSecretEnc, @OrgId, @UserId, @Username, @DisplayName, @InstanceUrl, @IdentityUrl, @ApiVersion,
                @RefreshTokenEnc, @AccessTokenEnc, @LegacyPasswordEnc, @LinkedAt, @LastCheckedAt)
            ON CONFLICT (tenant_id) DO UPDATE SET status = excluded.status, status_reason = excluded.status_reason,
                status_changed_at = excluded.status_changed_at, flow = excluded.flow, app_config = excluded.app_config,
                environment = excluded.environment, login_url = excluded.login_url, token_url = excluded.token_url,
                client_id = excluded.client_id, client_secret_enc = excluded.client_secret_enc, org_id = excluded.org_id,
                user_id = excluded.user_id, username = excluded.username, display_name = excluded.display_name,
                instance_url = excluded.instance_url, identity_url = excluded.identity_url, api_version = excluded.api_version,
                refresh_token_enc = excluded.refresh_token_enc, access_token_enc = excluded.access_token_enc,
                legacy_password_enc = excluded.legacy_password_enc, linked_at = excluded.linked_at, last_checked_at = excluded.last_checked_at
            """, link);
    }

    /// <summary>Moves a link to a new status (only if it is still in one of the expected ones) and records why.</summary>
    public async Task<bool> SetStatusAsync(string tenantId, string status, string? reason, string[] onlyFrom, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var changed = await c.ExecuteAsync(
            $"UPDATE salesforce_links SET status = @status, status_reason = @reason, status_changed_at = @now WHERE tenant_id = @tenantId AND status IN ({string.Join(",", onlyFrom.Select((_, i) => "@s" + i))})",
            Params(new { status, reason, now = Now, tenantId }, onlyFrom));
        return changed > 0;
    }

    private static DynamicParameters Params(object named, string[] list)
    {
        var p = new DynamicParameters(named);
        for (var i = 0; i < list.Length; i++) p.Add("s" + i, list[i]);
        return p;
    }

    public async Task UpdateAccessTokenAsync(string tenantId, string accessTokenEnc, string? instanceUrl, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync("UPDATE salesforce_links SET access_token_enc = @accessTokenEnc, instance_url = COALESCE(@instanceUrl, instance_url) WHERE tenant_id = @tenantId",
            new { accessTokenEnc, instanceUrl, tenantId });
    }

    public async Task MarkCheckedAsync(string tenantId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync("UPDATE salesforce_links SET last_checked_at = @now WHERE tenant_id = @tenantId", new { now = Now, tenantId });
    }

    /// <summary>How many other tenants hold a web-server link made by this Salesforce user.</summary>
    public async Task<long> CountOtherTenantsLinkedByAsync(string orgId, string userId, string exceptTenantId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>("""
            SELECT COUNT(*) FROM salesforce_links
            WHERE org_id = @orgId AND user_id = @userId AND tenant_id <> @exceptTenantId AND flow = @flow AND status <> @unlinked
            """, new { orgId, userId, exceptTenantId, flow = LinkFlow.WebServer, unlinked = LinkStatus.Unlinked });
    }

    /// <summary>Other tenants' live web-server links made by this Salesforce user, oldest approval first.</summary>
    public async Task<IReadOnlyList<SalesforceLink>> LinksByUserAsync(string orgId, string userId, string exceptTenantId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<SalesforceLink>("""
            SELECT * FROM salesforce_links
            WHERE org_id = @orgId AND user_id = @userId AND tenant_id <> @exceptTenantId AND flow = @flow AND status <> @unlinked
            ORDER BY linked_at
            """, new { orgId, userId, exceptTenantId, flow = LinkFlow.WebServer, unlinked = LinkStatus.Unlinked })).ToList();
    }

    public async Task ReplaceRefreshTokenAsync(string tenantId, string refreshTokenEnc, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync("UPDATE salesforce_links SET refresh_token_enc = @refreshTokenEnc, access_token_enc = NULL WHERE tenant_id = @tenantId",
            new { refreshTokenEnc, tenantId });
    }

    public async Task<IReadOnlyList<string>> TenantsWithUsableLinksAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<string>("SELECT tenant_id FROM salesforce_links WHERE status IN (@a, @b) ORDER BY tenant_id",
            new { a = LinkStatus.Linked, b = LinkStatus.Legacy })).ToList();
    }

    public async Task AddEventAsync(string tenantId, string @event, string? detail, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync("INSERT INTO link_events (tenant_id, at, event, detail) VALUES (@tenantId, @at, @event, @detail)", new { tenantId, at = Now, @event, detail });
    }

    public async Task<IReadOnlyList<LinkEvent>> EventsAsync(string tenantId, int limit = 20, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<LinkEvent>("SELECT id, tenant_id, at, event, detail FROM link_events WHERE tenant_id = @tenantId ORDER BY id DESC LIMIT @limit",
            new { tenantId, limit })).ToList();
    }

    public async Task AddAttemptAsync(OAuthAttempt attempt, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        // Attempts older than an hour are never completed; clear them as new ones arrive.
        await c.ExecuteAsync("DELETE FROM oauth_attempts WHERE created_at < @cutoff", new { cutoff = Now - 3_600_000 });
        await c.ExecuteAsync("""
            INSERT INTO oauth_attempts (state_hash, tenant_id, session_id, code_verifier_enc, environment, login_url, app_config, api_version, created_at)
            VALUES (@StateHash, @TenantId, @SessionId, @CodeVerifierEnc, @Environment, @LoginUrl, @AppConfig, @ApiVersion, @CreatedAt)
            """, attempt);
    }

    /// <summary>Takes an attempt out, so a state can be used once only; null when there is none.</summary>
    public async Task<OAuthAttempt?> TakeAttemptAsync(string stateHash, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var attempt = await c.QuerySingleOrDefaultAsync<OAuthAttempt>("SELECT * FROM oauth_attempts WHERE state_hash = @stateHash", new { stateHash }, tx);
        if (attempt is not null && await c.ExecuteAsync("DELETE FROM oauth_attempts WHERE state_hash = @stateHash", new { stateHash }, tx) != 1) attempt = null;
        await tx.CommitAsync(ct);
        return attempt;
    }

    public async Task<(string ClientId, string ClientSecretEnc)?> GetSystemAppAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<(string Key, string Value)>("SELECT key, value FROM system_settings WHERE key IN ('salesforce.client_id', 'salesforce.client_secret_enc')"))
            .ToDictionary(r => r.Key, r => r.Value);
        return rows.TryGetValue("salesforce.client_id", out var id) && rows.TryGetValue("salesforce.client_secret_enc", out var secret) ? (id, secret) : null;
    }

    public async Task SetSystemAppAsync(string clientId, string clientSecretEnc, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        foreach (var (key, value) in new[] { ("salesforce.client_id", clientId), ("salesforce.client_secret_enc", clientSecretEnc) })
        {
            await c.ExecuteAsync("""
                INSERT INTO system_settings (key, value, updated_at) VALUES (@key, @value, @now)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, new { key, value, now = Now }, tx);
        }
        await tx.CommitAsync(ct);
    }

    public async Task<(string ClientId, string ClientSecretEnc)?> GetTenantAppAsync(string tenantId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<(string ClientId, string ClientSecretEnc)?>(
            "SELECT client_id, client_secret_enc FROM tenant_connected_apps WHERE tenant_id = @tenantId", new { tenantId });
        return row;
    }

    public async Task SetTenantAppAsync(string tenantId, string clientId, string clientSecretEnc, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync("""
            INSERT INTO tenant_connected_apps (tenant_id, client_id, client_secret_enc, updated_at) VALUES (@tenantId, @clientId, @clientSecretEnc, @now)
            ON CONFLICT (tenant_id) DO UPDATE SET client_id = excluded.client_id, client_secret_enc = excluded.client_secret_enc, updated_at = excluded.updated_at
            """, new { tenantId, clientId, clientSecretEnc, now = Now });
    }

    internal Task<DbConnection> OpenAsync(CancellationToken ct) => db.OpenAsync(ct);
}
