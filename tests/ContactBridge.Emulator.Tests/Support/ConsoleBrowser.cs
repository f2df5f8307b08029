using System.Net;
using System.Text.RegularExpressions;
using ContactBridge.Emulator.Org;

namespace ContactBridge.Emulator.Tests.Support;

/// <summary>The Lightning console over plain HTTP, as a browser without script sees it: a cookie jar, the login form, pages and forms.</summary>
public sealed partial class ConsoleBrowser : IDisposable
{
    private readonly HttpClient _http;

    public ConsoleBrowser(EmulatorServer server)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = server.BaseUri };
    }

    public CookieContainer Cookies { get; }

    public sealed record Page(HttpStatusCode Status, string Html, string? Location);

    public static async Task<ConsoleBrowser> SignedInAsync(EmulatorServer server, string username = WellKnown.AdminUsername, string password = WellKnown.AdminPassword)
    {
        var browser = new ConsoleBrowser(server);
        var page = await browser.SignInAsync(username, password);
        page.Status.ShouldBe(HttpStatusCode.Redirect, page.Html);
        return browser;
    }

    public Task<Page> SignInAsync(string username, string password, string startUrl = "/lightning/page/home", string host = "") =>
        PostFormAsync(host + "/", new() { ["username"] = username, ["pw"] = password, ["startURL"] = startUrl });

    public async Task<Page> GetAsync(string url)
    {
        var response = await _http.GetAsync(url, TestContext.Current.CancellationToken);
        return new Page(response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), response.Headers.Location?.ToString());
    }

    public async Task<Page> PostFormAsync(string url, Dictionary<string, string> form)
    {
        var response = await _http.PostAsync(url, new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        return new Page(response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), response.Headers.Location?.ToString());
    }

    /// <summary>Posts the page's form <paramref name="formId"/> with its fields (hidden, text, selected, checked) and these changes.</summary>
    public Task<Page> SubmitAsync(Page page, string formId, Dictionary<string, string> changes)
    {
        var form = Regex.Match(page.Html, $"<form method=\"post\" action=\"([^\"]+)\" id=\"{formId}\"(.*?)</form>", RegexOptions.Singleline);
        form.Success.ShouldBeTrue($"form {formId} not on the page:\n{page.Html}");
        var fields = new Dictionary<string, string>();
        foreach (Match input in InputPattern().Matches(form.Groups[2].Value))
        {
            var tag = input.Value;
            var name = Attribute(tag, "name");
            if (name is null || tag.Contains("type=\"checkbox\"", StringComparison.Ordinal) && !tag.Contains(" checked", StringComparison.Ordinal)) continue;
            fields[name] = WebUtility.HtmlDecode(Attribute(tag, "value") ?? "");
        }
        foreach (var (k, v) in changes) fields[k] = v;
        return PostFormAsync(WebUtility.HtmlDecode(form.Groups[1].Value), fields);
    }

    public string? CookieValue(string name) => Cookies.GetAllCookies().FirstOrDefault(c => c.Name == name)?.Value;

    private static string? Attribute(string tag, string name) =>
        Regex.Match(tag, $"\\s{name}=\"([^\"]*)\"") is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex("<input [^>]*>")]
    private static partial Regex InputPattern();

    public void Dispose() => _http.Dispose();
}
