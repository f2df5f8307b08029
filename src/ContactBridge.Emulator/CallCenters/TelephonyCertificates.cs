using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ContactBridge.Emulator.CallCenters;

/// <summary>The telephony integration certificate of a Service Cloud Voice contact center: an X.509 certificate (PEM) with an RSA key of 1024 bits or more.</summary>
public static class TelephonyCertificates
{
    public static X509Certificate2? TryRead(string pem, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(pem.Trim());
        }
        catch (CryptographicException e)
        {
            problem = $"not an X.509 certificate in PEM form (-----BEGIN CERTIFICATE----- …): {e.Message}";
            return null;
        }
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is null)
        {
            certificate.Dispose();
            problem = "the certificate's key is not RSA; requests are signed RS256.";
            return null;
        }
        if (rsa.KeySize < 1024)
        {
            certificate.Dispose();
            problem = $"the certificate's RSA key has {rsa.KeySize} bits; use 2048 or 4096.";
            return null;
        }
        problem = null;
        return certificate;
    }
}
