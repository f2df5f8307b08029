using System.Net;
using System.Text.RegularExpressions;

namespace ContactBridge.Emulator.Tests.Support;

/// <summary>
/// Drives the emulator's authorize pages the way a browser would: a cookie jar, no automatic
/// redirects, forms read from the HTML and posted back.
/// </summary>
public sealed partial class BrowserLogin : IDisposable
{
    private readonly HttpClient _http;

    public BrowserLogin(Uri baseUri)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = baseUri };
    }

    public CookieContainer Cookies { get; }

    public sealed record Page(HttpStatusCode Status, string Html, Uri? Location);

    public async Task<Page> GetAsync(string url)
    {
        var response = await _http.GetAsync(url, TestContext.Current.CancellationToken);
        return new Page(response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), Location(response));
    }

    public async Task<Page> SubmitAsync(Page page, string formId, IDictionary<string, string> values)
    {
        var form = Regex.Match(page.Html, $"<form method=\"post\" action=\"([^\"]+)\" id=\"{formId}\">(.*?)</form>", RegexOptions.Singleline);
        form.Success.ShouldBeTrue($"form {formId} not on page:\n{page.Html}");
        var fields = Hidden().Matches(form.Groups[2].Value).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        foreach (var (k, v) in values) fields[k] = v;
        var response = await _http.PostAsync(WebUtility.HtmlDecode(form.Groups[1].Value), new FormUrlEncodedContent(fields), TestContext.Current.CancellationToken);
        return new Page(response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), Location(response));
    }

    /// <summary>
    /// Authorize → login (unless this browser is signed in) → consent (unless the user already
    /// approved the app) → the redirect to the callback, with its query parsed.
    /// </summary>
    public async Task<Dictionary<string, string>> AuthorizeAsync(string authorizeUrl, string username, string password, string decision = "allow")
    {
        var page = await GetAsync(authorizeUrl);
        if (page.Status == HttpStatusCode.OK && page.Html.Contains("id=\"login_form\"", StringComparison.Ordinal))
        {
            page = await SubmitAsync(page, "login_form", new Dictionary<string, string> { ["username"] = username, ["pw"] = password });
            page.Status.ShouldBe(HttpStatusCode.Redirect, page.Html);
            page = await GetAsync(page.Location!.ToString());
        }
        if (page.Status == HttpStatusCode.OK)
        {
            page.Html.ShouldContain("Allow Access?");
            page = await SubmitAsync(page, "oauth_consent", new Dictionary<string, string> { ["decision"] = decision });
        }
        page.Status.ShouldBe(HttpStatusCode.Redirect, page.Html);
        return Query(page.Location!);
    }

    public static Dictionary<string, string> Query(Uri uri) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query).ToDictionary(k => k.Key, k => k.Value.ToString());

    private Uri? Location(HttpResponseMessage response) =>
        response.Headers.Location is { } l ? (l.IsAbsoluteUri ? l : new Uri(_http.BaseAddress!, l)) : null;

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex Hidden();

    public void Dispose() => _http.Dispose();
}
