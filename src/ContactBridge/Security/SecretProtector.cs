using System.Security.Cryptography;
using System.Text;

namespace ContactBridge.Security;

/// <summary>
/// Encrypts tokens and secrets at rest with AES-256-GCM. The key lives in a file outside the
/// database (created with mode 600 on first start), so a copy of the database alone reveals no
/// secret. Each value is bound to its purpose and row (associated data), so an encrypted token
/// cannot be moved to another tenant's row and still decrypt.
/// </summary>
public sealed class SecretProtector
{
    private const string Prefix = "v1:";
    private readonly byte[] _key;

    public SecretProtector(byte[] key)
    {
        if (key.Length != 32) throw new ArgumentException("The secret key must be 32 bytes.", nameof(key));
        _key = key;
    }

    public static bool IsValidKey(string base64)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var length) && length == 32;
    }

    /// <summary>The key given in configuration (Hub:Key), or else the key file, created on first start.</summary>
    public static SecretProtector From(HubOptions options) =>
        options.Key is { } key ? new SecretProtector(Convert.FromBase64String(key.Trim())) : FromKeyFile(options.KeyFilePath);

    public static SecretProtector FromKeyFile(string path)
    {
        if (!File.Exists(path))
        {
            Storage.PrivateFiles.EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var fresh = RandomNumberGenerator.GetBytes(32);
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(path, fileOptions))
            {
                stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(fresh)));
            }
            return new SecretProtector(fresh);
        }
        var text = File.ReadAllText(path).Trim();
        try
        {
            return new SecretProtector(Convert.FromBase64String(text));
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The key file {path} is damaged: it must hold 32 bytes in base64. Restore it from backup; without it the stored tokens cannot be read.");
        }
    }

    /// <summary>A new random secret to hand to another system (shown once): 256 bits, base64url, after a prefix that says what it is for.</summary>
    public static string NewSecret(string prefix) =>
        prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public string Protect(string plaintext, string purpose)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var data = Encoding.UTF8.GetBytes(plaintext);
        var cipher = new byte[data.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(_key, tag.Length)) aes.Encrypt(nonce, data, cipher, tag, Encoding.UTF8.GetBytes(purpose));
        return Prefix + Convert.ToBase64String([.. nonce, .. tag, .. cipher]);
    }

    public string Unprotect(string protectedValue, string purpose)
    {
        ArgumentNullException.ThrowIfNull(protectedValue);
        if (!protectedValue.StartsWith(Prefix, StringComparison.Ordinal)) throw new CryptographicException("Not a protected value.");
        var all = Convert.FromBase64String(protectedValue[Prefix.Length..]);
        var nonce = all.AsSpan(0, 12);
        var tag = all.AsSpan(12, 16);
        var cipher = all.AsSpan(28);
        var plain = new byte[cipher.Length];
        using (var aes = new AesGcm(_key, 16)) aes.Decrypt(nonce, cipher, tag, plain, Encoding.UTF8.GetBytes(purpose));
        return Encoding.UTF8.GetString(plain);
    }

    public string? ProtectOrNull(string? plaintext, string purpose) => plaintext is null ? null : Protect(plaintext, purpose);

    public string? UnprotectOrNull(string? protectedValue, string purpose) => protectedValue is null ? null : Unprotect(protectedValue, purpose);
}
