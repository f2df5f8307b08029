using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ContactBridge.Emulator.Lightning;

/// <summary>
/// The orgs' Lightning hosts, <c>https://{org}.lightning.force.com</c>: Service Cloud Voice connectors accept their widget only
/// from a Salesforce domain over https, so the emulator can serve its console there too, with a certificate it makes at start.
/// </summary>
public static class LightningHosts
{
    public const string Suffix = ".lightning.force.com";

    /// <summary>The org key a Lightning host names (<c>default.lightning.force.com</c> → <c>default</c>), or null for any other host.</summary>
    public static string? OrgKey(string host) =>
        host.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase) && host.Length > Suffix.Length && !host[..^Suffix.Length].Contains('.', StringComparison.Ordinal)
            ? host[..^Suffix.Length].ToLowerInvariant()
            : null;

    /// <summary>A self-signed certificate for every org's Lightning host and this machine, good for a week.</summary>
    public static X509Certificate2 Certificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=*" + Suffix, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("*" + Suffix);
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var made = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
        // Kestrel on Linux wants the key in a form it can use for TLS: through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    }
}
