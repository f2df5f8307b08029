namespace ContactBridge.VoiceCalls;

/// <summary>How the hub sends VoiceCalls (section <c>VoiceCalls</c>); checked at start.</summary>
public sealed class VoiceCallOptions
{
    public const string Section = "VoiceCalls";

    /// <summary>
    /// The Telephony Integration API for every tenant, instead of the one that follows each org's My Domain
    /// (<c>https://acme.my.salesforce.com</c> → <c>https://acme.my.salesforce-scrt.com/telephony/v1/</c>): the emulator, or a proxy.
    /// Unset in production: an org whose instance is not a Salesforce My Domain then gets no VoiceCalls, rather than the hub
    /// sending its signed requests wherever an instance URL points.
    /// </summary>
    public Uri? TelephonyBaseUrl { get; set; }

    /// <summary>
    /// Origins besides each tenant's own Lightning host that may frame the connector (e.g. <c>https://default.lightning.force.com:8845</c>,
    /// a Salesforce emulator's console). Unset in production: the connector is framed only by the tenant's org.
    /// </summary>
    public string[] ConsoleOrigins { get; set; } = [];

    /// <summary>One request's limit.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts for a request refused for a passing reason (busy, down, not trusted yet) before the row is kept as failed.</summary>
    public int MaxAttempts { get; set; } = 20;

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Rows worked per tenant per pass.</summary>
    public int BatchSize { get; set; } = 100;

    public IEnumerable<string> Problems()
    {
        if (TelephonyBaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("https" or "http")))
            yield return "VoiceCalls:TelephonyBaseUrl must be an absolute http(s) URL, e.g. https://acme.my.salesforce-scrt.com/telephony/v1/.";
        foreach (var origin in ConsoleOrigins)
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var o) || o.Scheme != "https" || o.PathAndQuery != "/" || o.GetLeftPart(UriPartial.Authority) != origin.TrimEnd('/'))
                yield return $"VoiceCalls:ConsoleOrigins holds \"{origin}\": each must be an https origin only, e.g. https://acme.lightning.force.com.";
        if (RequestTimeout < TimeSpan.FromSeconds(1) || RequestTimeout > TimeSpan.FromMinutes(2)) yield return "VoiceCalls:RequestTimeout must be between 00:00:01 and 00:02:00.";
        if (MaxAttempts is < 1 or > 100) yield return "VoiceCalls:MaxAttempts must be between 1 and 100.";
        if (MaxRetryDelay < TimeSpan.FromSeconds(1) || MaxRetryDelay > TimeSpan.FromHours(6)) yield return "VoiceCalls:MaxRetryDelay must be between 00:00:01 and 06:00:00.";
        if (BatchSize is < 1 or > 1000) yield return "VoiceCalls:BatchSize must be between 1 and 1000.";
    }
}
