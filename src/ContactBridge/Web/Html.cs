namespace ContactBridge.Web;

/// <summary>What the portal's pages share outside their templates: whether a request wants a page, and how times are shown.</summary>
public static class Html
{
    /// <summary>A browser asking for a portal page (not the API): it gets an HTML answer, even for an error.</summary>
    public static bool WantsPage(HttpRequest request) =>
        !request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
        && request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    /// <summary>The URL when it is an absolute http or https address (a link may carry it); otherwise null, so no other scheme becomes a link.</summary>
    public static string? HttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp) ? url : null;

    public static string When(long? unixMs) => unixMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) : "—";
}
