using System.Net;
using AngleSharp;
using AngleSharp.Html.Dom;
using System.Text.RegularExpressions;

namespace ContactBridge.Tests.Support;

/// <summary>
/// A browser stand-in for the portal and the emulator's pages: one cookie jar, no automatic
/// redirects, forms posted back with the hidden fields the page gave (antiforgery included).
/// </summary>
public sealed partial class PortalClient : IDisposable
{
    private readonly HttpClient _http;

    public PortalClient(Uri hub, Uri emulator)
    {
        Hub = hub;
        Emulator = emulator;
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri Hub { get; }
    public Uri Emulator { get; }
    public CookieContainer Cookies { get; } = new();
    public HttpClient Http => _http;

    public sealed record Page(HttpStatusCode Status, string Html, Uri? Location, Uri Url);

    public async Task<Page> GetAsync(string pathOrUrl)
    {
        var url = Absolute(pathOrUrl);
        using var response = await _http.GetAsync(url, TestContext.Current.CancellationToken);
        return await ToPage(response, url);
    }

    private Uri Absolute(string pathOrUrl) => pathOrUrl.StartsWith('/') ? new Uri(Hub, pathOrUrl) : new Uri(pathOrUrl);

    private static async Task<Page> ToPage(HttpResponseMessage response, Uri url)
    {
        var location = response.Headers.Location is { } l ? (l.IsAbsoluteUri ? l : new Uri(url, l)) : null;
        return new Page(response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), location, url);
    }

    /// <summary>Posts a form found on a page (by id), with its hidden fields plus the given values.</summary>
    public async Task<Page> SubmitAsync(Page page, string formId, IDictionary<string, string> values)
    {
        var form = Regex.Match(page.Html, $"<form method=\"post\" action=\"([^\"]+)\"[^>]*id=\"{formId}\"[^>]*>(.*?)</form>", RegexOptions.Singleline);
        if (!form.Success) form = Regex.Match(page.Html, $"<form method=\"post\" action=\"([^\"]+)\" id=\"{formId}\"[^>]*>(.*?)</form>", RegexOptions.Singleline);
        form.Success.ShouldBeTrue($"No form {formId} on {page.Url}:\n{page.Html}");
        var fields = Hidden().Matches(form.Groups[2].Value).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        foreach (var (k, v) in values) fields[k] = v;
        return await PostAsync(new Uri(page.Url, WebUtility.HtmlDecode(form.Groups[1].Value)).ToString(), fields);
    }

    /// <summary>
    /// Submits a form as a browser would (AngleSharp builds the form data set by the HTML rules: checked boxes,
    /// selected options, textareas, the submit button pressed, nothing from a disabled fieldset), after
    /// <paramref name="edit"/> changed what a user would change on the page.
    /// </summary>
    public async Task<Page> SubmitFormAsync(Page page, string formId, string submitter, Action<IHtmlFormElement>? edit = null)
    {
        using var context = BrowsingContext.New(Configuration.Default);
        using var document = await context.OpenAsync(r => r.Content(page.Html).Address(page.Url.ToString()), TestContext.Current.CancellationToken);
        var form = document.GetElementById(formId) as IHtmlFormElement;
        form.ShouldNotBeNull($"No form {formId} on {page.Url}:\n{page.Html}");
        edit?.Invoke(form);
        var button = form.QuerySelector(submitter) as IHtmlElement;
        button.ShouldNotBeNull($"No button {submitter} in form {formId}");
        var request = form.GetSubmission(button);
        request.ShouldNotBeNull($"Form {formId} cannot be submitted with {submitter}");
        using var body = new StreamContent(request.Body);
        body.Headers.TryAddWithoutValidation("Content-Type", request.MimeType);
        var url = new Uri(request.Target.Href);
        using var response = await _http.PostAsync(url, body, TestContext.Current.CancellationToken);
        return await ToPage(response, url);
    }

    private string? _csrf;

    /// <summary>An API request as the portal's own scripts make it: the sign-in cookie, and for unsafe methods the X-CSRF-TOKEN header.</summary>
    public async Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonObject? Body)> SendJsonAsync(HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, Absolute(path));
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return await SendAsync(request);
    }

    /// <summary>Any API request (its own headers kept), with the portal's cookie and CSRF header; the body read as a JSON object when it is one.</summary>
    public async Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonObject? Body)> SendAsync(HttpRequestMessage request)
    {
        var method = request.Method;
        if (method != HttpMethod.Get && _csrf is null)
        {
            var page = await GetAsync("/");
            if (page.Location is { } home) page = await GetAsync(home.ToString());
            _csrf = Regex.Match(page.Html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        }
        if (method != HttpMethod.Get) request.Headers.Add("X-CSRF-TOKEN", WebUtility.HtmlDecode(_csrf));
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length > 0 && text.TrimStart().StartsWith('{') ? System.Text.Json.Nodes.JsonNode.Parse(text) as System.Text.Json.Nodes.JsonObject : null);
    }

    /// <summary>An API list that must answer 200.</summary>
    public async Task<System.Text.Json.Nodes.JsonArray> GetArrayAsync(string path)
    {
        using var response = await _http.GetAsync(Absolute(path), TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonArray>(TestContext.Current.CancellationToken))!;
    }

    public async Task<(HttpStatusCode Status, string Text)> GetTextAsync(string path)
    {
        using var response = await _http.GetAsync(Absolute(path), TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    public async Task<Page> PostAsync(string pathOrUrl, IDictionary<string, string> fields)
    {
        var url = Absolute(pathOrUrl);
        using var response = await _http.PostAsync(url, new FormUrlEncodedContent(fields), TestContext.Current.CancellationToken);
        return await ToPage(response, url);
    }

    public async Task<HttpStatusCode> SignInAsync(string email, string password)
    {
        var page = await GetAsync("/login");
        var result = await SubmitAsync(page, "login-form", new Dictionary<string, string> { ["email"] = email, ["password"] = password });
        return result.Status;
    }

    /// <summary>
    /// Link → the emulator's login page → consent (unless skipped) → back to the hub's callback.
    /// Returns the hub's answer to the callback.
    /// </summary>
    public async Task<Page> AuthorizeAsync(string tenantId, string environment, string username, string password, string decision, string apiVersion = "62.0",
        string appConfig = "system")
    {
        var page = await GetAsync($"/tenants/{tenantId}/salesforce");
        var start = await SubmitAsync(page, "link-form", new Dictionary<string, string> { ["environment"] = environment, ["appConfig"] = appConfig, ["apiVersion"] = apiVersion });
        start.Status.ShouldBe(HttpStatusCode.Redirect, start.Html);
        var callback = await EmulatorAuthorizeAsync(start.Location!, username, password, decision);
        return await GetAsync(callback.ToString());
    }

    /// <summary>Walks the emulator's authorize pages and returns the callback URL it redirects to.</summary>
    public async Task<Uri> EmulatorAuthorizeAsync(Uri authorizeUrl, string username, string password, string decision)
    {
        var emulatorPage = await GetAsync(authorizeUrl.ToString());
        if (emulatorPage.Html.Contains("id=\"login_form\"", StringComparison.Ordinal))
        {
            var loggedIn = await SubmitAsync(emulatorPage, "login_form", new Dictionary<string, string> { ["username"] = username, ["pw"] = password });
            loggedIn.Status.ShouldBe(HttpStatusCode.Redirect, loggedIn.Html);
            emulatorPage = await GetAsync(loggedIn.Location!.ToString());
        }
        if (emulatorPage.Status == HttpStatusCode.OK)
        {
            emulatorPage.Html.ShouldContain("Allow Access?");
            emulatorPage = await SubmitAsync(emulatorPage, "oauth_consent", new Dictionary<string, string> { ["decision"] = decision });
        }
        emulatorPage.Status.ShouldBe(HttpStatusCode.Redirect, emulatorPage.Html);
        return emulatorPage.Location!;
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"\\s*/?>")]
    private static partial Regex Hidden();

    public void Dispose() => _http.Dispose();
}
