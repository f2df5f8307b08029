namespace ContactBridge;

/// <summary>Where the hub keeps its data and how it is reached. Bound from the "Hub" section (or CONTACTBRIDGE_Hub__… variables).</summary>
public sealed class HubOptions
{
    public const string Section = "Hub";

    /// <summary>The URL browsers reach the hub at; the Salesforce callback URL is built from it.</summary>
    public Uri PublicUrl { get; set; } = new("http://127.0.0.1:5180");

    /// <summary>Holds the SQLite file and the secret key file unless those are placed elsewhere.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>A SQLite ("Data Source=…") or PostgreSQL ("Host=…;Database=…") connection string. Default: SQLite in the data directory.</summary>
    public string? Database { get; set; }

    /// <summary>The key that encrypts tokens and secrets at rest; never stored in the database. Created (mode 600) on first start.</summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// The same key given directly (32 bytes in base64), for instance from CONTACTBRIDGE_Hub__Key set by a
    /// secret store, so that no copy of the data directory holds it. Wins over <see cref="KeyFile"/>.
    /// </summary>
    public string? Key { get; set; }

    public TimeSpan LinkHealthCheckInterval { get; set; } = TimeSpan.FromMinutes(15);

    public int SignInAttemptsBeforeLockout { get; set; } = 5;

    public TimeSpan SignInLockout { get; set; } = TimeSpan.FromMinutes(15);

    public Uri CallbackUrl => new(PublicUrl, "/linking/callback");

    public string DatabaseConnectionString => Database ?? $"Data Source={Path.Combine(DataDirectory, "contactbridge.db")}";

    public string KeyFilePath => KeyFile ?? Path.Combine(DataDirectory, "secrets.key");

    public IEnumerable<string> Problems()
    {
        if (!PublicUrl.IsAbsoluteUri || PublicUrl.Scheme is not ("http" or "https")) yield return "Hub:PublicUrl must be an absolute http(s) URL.";
        if (LinkHealthCheckInterval < TimeSpan.FromSeconds(1)) yield return "Hub:LinkHealthCheckInterval must be at least one second.";
        if (SignInAttemptsBeforeLockout < 1) yield return "Hub:SignInAttemptsBeforeLockout must be at least 1.";
        if (Key is not null && !Security.SecretProtector.IsValidKey(Key)) yield return "Hub:Key must be 32 random bytes in base64 (for example: openssl rand -base64 32).";
    }
}

/// <summary>Salesforce endpoints and defaults. Bound from the "Salesforce" section.</summary>
public sealed class SalesforceOptions
{
    public const string Section = "Salesforce";

    public Uri ProductionLoginUrl { get; set; } = new("https://login.salesforce.com");

    public Uri SandboxLoginUrl { get; set; } = new("https://test.salesforce.com");

    /// <summary>The token URL a client-credentials link uses unless the tenant gives its own.</summary>
    public Uri DefaultTokenUrl => new(ProductionLoginUrl.ToString().TrimEnd('/') + "/services/oauth2/token");

    public string DefaultApiVersion { get; set; } = "62.0";

    /// <summary>How long one Salesforce request may take before it counts as failed (and, if it was a write, as of unknown outcome).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Salesforce's Pub/Sub API (gRPC over TLS), which the caller index reads Change Data Capture from.</summary>
    public Uri PubSubEndpoint { get; set; } = new("https://api.pubsub.salesforce.com:7443");

    /// <summary>
    /// A PEM certificate file to trust as the Pub/Sub endpoint's own, beside the machine's authorities: the emulator's self-signed one
    /// (GET /_emulator/tls-certificate). Empty for Salesforce itself.
    /// </summary>
    public string? PubSubCertificate { get; set; }

    public IEnumerable<string> Problems()
    {
        if (!ProductionLoginUrl.IsAbsoluteUri) yield return "Salesforce:ProductionLoginUrl must be an absolute URL.";
        if (!SandboxLoginUrl.IsAbsoluteUri) yield return "Salesforce:SandboxLoginUrl must be an absolute URL.";
        if (Linking.ApiVersion.Normalize(DefaultApiVersion) is null) yield return "Salesforce:DefaultApiVersion must look like 62.0.";
        if (RequestTimeout < TimeSpan.FromMilliseconds(100)) yield return "Salesforce:RequestTimeout must be at least 100 ms.";
        if (!PubSubEndpoint.IsAbsoluteUri || PubSubEndpoint.Scheme != Uri.UriSchemeHttps) yield return "Salesforce:PubSubEndpoint must be an https:// address (the Pub/Sub API is served over TLS).";
        if (!string.IsNullOrEmpty(PubSubCertificate) && !File.Exists(PubSubCertificate)) yield return $"Salesforce:PubSubCertificate names no file: {PubSubCertificate}.";
    }
}
