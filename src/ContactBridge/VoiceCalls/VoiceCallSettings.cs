using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContactBridge.Security;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.VoiceCalls;

/// <summary>A tenant's Service Cloud Voice: on or off, since when, and the certificate its contact center holds in Salesforce.</summary>
public sealed record VoiceCallSettings(string TenantId, bool Enabled, DateTimeOffset? EnabledAt, string CertificatePem);

/// <summary>
/// Service Cloud Voice settings per tenant, with the key pair that signs the hub's requests to the Telephony Integration
/// REST API: made by the hub on first use (RSA 2048, a self-signed certificate for ten years), the private key encrypted
/// with the hub's key and never shown; the certificate is what an admin puts on the contact center in Salesforce.
/// </summary>
public sealed class VoiceCallSettingsStore(HubDatabase db, SecretProtector protector, TimeProvider clock)
{
    /// <summary>Bound to the tenant: a ciphertext copied into another tenant's row does not open there.</summary>
    private static string KeyPurpose(string tenantId) => Linking.SalesforceLinkService.Purpose("telephony_private_key", tenantId);

    /// <summary>A stored row (a class: column types differ between SQLite and PostgreSQL, and Dapper converts properties).</summary>
    private sealed class Row
    {
        public long Enabled { get; init; }
        public long? EnabledAt { get; init; }
        public string PrivateKeyEnc { get; init; } = "";
        public string CertificatePem { get; init; } = "";
    }

    public async Task<VoiceCallSettings> GetAsync(string tenantId, CancellationToken ct)
    {
        var row = await RowAsync(tenantId, ct);
        return new VoiceCallSettings(tenantId, row.Enabled == 1, row.EnabledAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null, row.CertificatePem);
    }

    /// <summary>Turns Service Cloud Voice on or off; calls that start from then on get a VoiceCall.</summary>
    public async Task<VoiceCallSettings> SetEnabledAsync(string tenantId, bool enabled, CancellationToken ct)
    {
        await RowAsync(tenantId, ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using (var w = await db.WriteAsync(durable: true, ct))
        {
            await w.Connection.ExecuteAsync("""
                UPDATE voice_call_settings SET enabled = @on, updated_at = @now,
                    enabled_at = CASE WHEN @on = 1 AND enabled = 0 THEN @now WHEN @on = 1 THEN enabled_at ELSE NULL END
                WHERE tenant_id = @tenantId
                """, new { tenantId, on = enabled ? 1 : 0, now }, w.Transaction);
            await w.CommitAsync(ct);
        }
        return await GetAsync(tenantId, ct);
    }

    /// <summary>The tenant's Omni-Channel presence statuses and the contact-center states they mean (empty: the connector's defaults).</summary>
    public async Task<IReadOnlyList<PresenceMappingEntry>> PresenceMappingAsync(string tenantId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var json = await c.QuerySingleOrDefaultAsync<string?>("SELECT presence_mapping FROM voice_call_settings WHERE tenant_id = @tenantId", new { tenantId });
        return json is null ? [] : System.Text.Json.JsonSerializer.Deserialize<List<PresenceMappingEntry>>(json, System.Text.Json.JsonSerializerOptions.Web) ?? [];
    }

    /// <summary>Replaces the mapping (already checked by <see cref="PresenceMapping.Problems"/>).</summary>
    public async Task SetPresenceMappingAsync(string tenantId, IReadOnlyList<PresenceMappingEntry> entries, CancellationToken ct)
    {
        await RowAsync(tenantId, ct);
        await using var w = await db.WriteAsync(durable: true, ct);
        await w.Connection.ExecuteAsync("UPDATE voice_call_settings SET presence_mapping = @json, updated_at = @now WHERE tenant_id = @tenantId",
            new { tenantId, json = System.Text.Json.JsonSerializer.Serialize(entries, System.Text.Json.JsonSerializerOptions.Web), now = clock.GetUtcNow().ToUnixTimeMilliseconds() },
            w.Transaction);
        await w.CommitAsync(ct);
    }

    /// <summary>The private key that signs the tenant's requests (the caller disposes it).</summary>
    public async Task<RSA> PrivateKeyAsync(string tenantId, CancellationToken ct)
    {
        var row = await RowAsync(tenantId, ct);
        var key = RSA.Create();
        key.ImportFromPem(protector.Unprotect(row.PrivateKeyEnc, KeyPurpose(tenantId)));
        return key;
    }

    /// <summary>The tenants with Service Cloud Voice on.</summary>
    public async Task<IReadOnlyList<string>> EnabledTenantsAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<string>("SELECT tenant_id FROM voice_call_settings WHERE enabled = 1 ORDER BY tenant_id")).ToList();
    }

    private async Task<Row> RowAsync(string tenantId, CancellationToken ct)
    {
        await using (var c = await db.OpenAsync(ct))
        {
            if (await c.QuerySingleOrDefaultAsync<Row>("SELECT enabled, enabled_at, private_key_enc, certificate_pem FROM voice_call_settings WHERE tenant_id = @tenantId",
                    new { tenantId }) is { } found)
                return found;
        }
        // First use: a key pair of the tenant's own. Two instances racing make two; the first stored wins and both read it.
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=ContactBridge telephony {tenantId}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = clock.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        await using (var w = await db.WriteAsync(durable: true, ct))
        {
            await w.Connection.ExecuteAsync("""
                INSERT INTO voice_call_settings (tenant_id, enabled, private_key_enc, certificate_pem, updated_at)
                VALUES (@tenantId, 0, @key, @certificate, @now) ON CONFLICT (tenant_id) DO NOTHING
                """, new { tenantId, key = protector.Protect(key.ExportPkcs8PrivateKeyPem(), KeyPurpose(tenantId)), certificate = certificate.ExportCertificatePem(), now = now.ToUnixTimeMilliseconds() },
                w.Transaction);
            await w.CommitAsync(ct);
        }
        return await RowAsync(tenantId, ct);
    }
}
