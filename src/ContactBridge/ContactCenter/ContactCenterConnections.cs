using ContactBridge.Security;
using ContactBridge.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace ContactBridge.ContactCenter;

/// <summary>Where a tenant's contact center takes commands, and the secret a command and its answer are signed with.</summary>
public sealed record ContactCenterConnection(string TenantId, Uri CommandUrl, string Secret, DateTimeOffset UpdatedAt);

/// <summary>What is shown of a connection: never the secret.</summary>
public sealed record ContactCenterConnectionView(string TenantId, string? CommandUrl, DateTimeOffset? UpdatedAt);

/// <summary>
/// Each tenant's command endpoint. The hub makes the secret (shown once, to be set in the contact center) and keeps
/// it encrypted, bound to the tenant, like every other secret.
/// </summary>
public sealed class ContactCenterConnections(HubDatabase db, SecretProtector protector, TimeProvider clock, IOptions<ContactCenterOptions> options)
{
    private sealed record Row(string CommandUrl, string SecretEnc, long UpdatedAt);

    private static string Purpose(string tenantId) => $"command_secret:{tenantId}";

    /// <summary>Why a command URL cannot be used, or null: absolute http(s), and https unless the contact center is on this machine (or allowed otherwise).</summary>
    public string? UrlProblem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return "The command URL is required.";
        if (url.Length > 2_000) return "The command URL is longer than 2,000 characters.";
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            return $"\"{Shorten(url)}\" is not an absolute http or https URL.";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "The command URL must not carry a user name or password: commands are authenticated by their signature.";
        if (options.Value.AllowPrivateNetwork) return null;
        if (uri.Scheme == "http" || uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.DnsSafeHost, out var ip) && IsPrivate(ip)))
            return PrivateNetworkRefused;
        return null;
    }

    public const string PrivateNetworkRefused =
        "Commands travel over https to the contact center's public address. For a contact center on this machine or a private network " +
        "(over plain http too), the hub's operator sets ContactCenter:AllowPrivateNetwork=true.";

    /// <summary>Loopback, private, shared, link-local and unspecified addresses: what only the hub's own network reaches.</summary>
    public static bool IsPrivate(System.Net.IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (System.Net.IPAddress.IsLoopback(address) || address.Equals(System.Net.IPAddress.Any) || address.Equals(System.Net.IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast;
        var b = address.GetAddressBytes();
        return b[0] is 0 or 10 or 127 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254)
               || (b[0] == 100 && b[1] is >= 64 and <= 127) || b[0] >= 224;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";

    /// <summary>Sets the command URL; makes a secret when there is none (or when asked) and returns it, once. Null: the secret is unchanged.</summary>
    public async Task<string?> ConnectAsync(string tenantId, string url, bool newSecret, CancellationToken ct)
    {
        if (UrlProblem(url) is { } problem) throw new ArgumentException(problem);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var w = await db.WriteAsync(durable: true, ct);
        var existing = await w.Connection.QuerySingleOrDefaultAsync<string>("SELECT secret_enc FROM contact_center_connections WHERE tenant_id = @tenantId",
            new { tenantId }, w.Transaction);
        string? secret = null;
        if (existing is null || newSecret)
            secret = SecretProtector.NewSecret("cbc_");
        await w.Connection.ExecuteAsync("""
            INSERT INTO contact_center_connections (tenant_id, command_url, secret_enc, updated_at) VALUES (@tenantId, @url, @enc, @now)
            ON CONFLICT (tenant_id) DO UPDATE SET command_url = excluded.command_url, secret_enc = excluded.secret_enc, updated_at = excluded.updated_at
            """, new { tenantId, url = url.Trim(), enc = secret is null ? existing : protector.Protect(secret, Purpose(tenantId)), now }, w.Transaction);
        await w.CommitAsync(ct);
        return secret;
    }

    public async Task<bool> DisconnectAsync(string tenantId, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: true, ct);
        var removed = await w.Connection.ExecuteAsync("DELETE FROM contact_center_connections WHERE tenant_id = @tenantId", new { tenantId }, w.Transaction);
        await w.CommitAsync(ct);
        return removed > 0;
    }

    public async Task<ContactCenterConnection?> GetAsync(string tenantId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<Row>(
            "SELECT command_url, secret_enc, updated_at FROM contact_center_connections WHERE tenant_id = @tenantId", new { tenantId });
        return row is null ? null
            : new ContactCenterConnection(tenantId, new Uri(row.CommandUrl), protector.Unprotect(row.SecretEnc, Purpose(tenantId)), DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedAt));
    }

    public async Task<ContactCenterConnectionView> ViewAsync(string tenantId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<Row>(
            "SELECT command_url, secret_enc, updated_at FROM contact_center_connections WHERE tenant_id = @tenantId", new { tenantId });
        return new ContactCenterConnectionView(tenantId, row?.CommandUrl, row is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedAt));
    }
}
