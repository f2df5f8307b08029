using System.Security.Cryptography;
using System.Text;
using ContactBridge.Security;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Intake;

/// <summary>
/// Each tenant's event-signing secrets: two at a time, so a contact-center platform can move to a
/// new secret while requests signed with the previous one still arrive. Stored encrypted.
/// </summary>
public sealed class IntakeSecrets(HubDatabase db, SecretProtector protector, TimeProvider clock)
{
    private static string Purpose(string tenantId, int slot) => $"intake_secret:{tenantId}:{slot}";

    /// <summary>Makes a new current secret; the old current one stays valid as the previous one. Returns the new secret (shown once).</summary>
    public async Task<string> RotateAsync(string tenantId, CancellationToken ct = default)
    {
        var secret = SecretProtector.NewSecret("cbs_");
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var current = await c.QuerySingleOrDefaultAsync<string>("SELECT secret_enc FROM intake_secrets WHERE tenant_id = @tenantId AND slot = 1", new { tenantId }, tx);
        await c.ExecuteAsync("DELETE FROM intake_secrets WHERE tenant_id = @tenantId", new { tenantId }, tx);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (current is not null)
        {
            var previous = protector.Protect(protector.Unprotect(current, Purpose(tenantId, 1)), Purpose(tenantId, 2));
            await c.ExecuteAsync("INSERT INTO intake_secrets (tenant_id, slot, secret_enc, created_at) VALUES (@tenantId, 2, @previous, @now)", new { tenantId, previous, now }, tx);
        }
        await c.ExecuteAsync("INSERT INTO intake_secrets (tenant_id, slot, secret_enc, created_at) VALUES (@tenantId, 1, @enc, @now)",
            new { tenantId, enc = protector.Protect(secret, Purpose(tenantId, 1)), now }, tx);
        await tx.CommitAsync(ct);
        return secret;
    }

    public async Task<IReadOnlyList<string>> ActiveAsync(string tenantId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<(long Slot, string SecretEnc)>("SELECT slot, secret_enc FROM intake_secrets WHERE tenant_id = @tenantId ORDER BY slot", new { tenantId });
        return rows.Select(r => protector.Unprotect(r.SecretEnc, Purpose(tenantId, (int)r.Slot))).ToList();
    }

    /// <summary>HMAC-SHA256 of "{timestamp}.{body}", hex: what a sender puts in ContactBridge-Signature as v1=….</summary>
    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{timestamp}.");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }
}
