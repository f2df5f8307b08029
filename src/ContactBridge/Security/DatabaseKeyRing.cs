using System.Xml.Linq;
using ContactBridge.Storage;
using Dapper;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace ContactBridge.Security;

/// <summary>
/// The key ring that protects sign-in and antiforgery cookies, kept in the hub's database so that every
/// instance behind a load balancer reads a cookie another one wrote (no sticky sessions needed). Each key
/// is encrypted with the hub key, like the tokens, so a copy of the database alone cannot forge a cookie.
/// </summary>
public sealed class DatabaseKeyRing(HubDatabase db, SecretProtector secrets, TimeProvider clock) : IXmlRepository
{
    private const string Purpose = "data_protection_key";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var c = db.Open();
        return c.Query<(string Name, string XmlEnc)>("SELECT name, xml_enc FROM data_protection_keys ORDER BY created_at")
            .Select(k => XElement.Parse(secrets.Unprotect(k.XmlEnc, $"{Purpose}:{k.Name}")))
            .ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var c = db.Open();
        c.Execute("INSERT INTO data_protection_keys (name, xml_enc, created_at) VALUES (@friendlyName, @xml, @now)",
            new { friendlyName, xml = secrets.Protect(element.ToString(SaveOptions.DisableFormatting), $"{Purpose}:{friendlyName}"), now = clock.GetUtcNow().ToUnixTimeMilliseconds() });
    }

    /// <summary>
    /// Creates the first key before anything is served, under a lock across instances, so instances
    /// starting together share one key instead of each making its own.
    /// </summary>
    public static async Task EnsureKeyAsync(IServiceProvider services, CancellationToken ct)
    {
        var db = services.GetRequiredService<HubDatabase>();
        var keys = services.GetRequiredService<IKeyManager>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        await using var locked = await db.LockAsync("contactbridge:key-ring", ct);
        if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now.AddDays(2)))
            keys.CreateNewKey(now, now.AddDays(90));
    }
}
