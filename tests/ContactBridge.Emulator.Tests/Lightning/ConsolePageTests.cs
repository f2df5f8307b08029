using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Lightning;

public sealed class ConsolePageTests
{
    private static SeedFile Org() => new()
    {
        Orgs =
        [
            new SeedOrg
            {
                Users = [new SeedUser { Username = "agent@contactbridge.example", Password = "Agent-Pass-1", FirstName = "Ada", LastName = "Agent", CallCenter = "ContactBridgeVoice" }],
                Records = new()
                {
                    ["Account"] = [new JsonObject { ["@ref"] = "acme", ["Name"] = "Acme <Corp>", ["Phone"] = "+1 415 555 0100" }],
                    ["Contact"] =
                    [
                        new JsonObject { ["@ref"] = "grace", ["FirstName"] = "Grace", ["LastName"] = "Hopper", ["AccountId"] = "@acme", ["Phone"] = "+1 415 555 0101", ["Email"] = "grace@acme.example" },
                    ],
                    ["Case"] = [new JsonObject { ["Subject"] = "Broken widget", ["ContactId"] = "@grace", ["AccountId"] = "@acme" }],
                    ["Task"] = [new JsonObject { ["Subject"] = "Call about widget", ["WhoId"] = "@grace", ["Status"] = "Completed" }],
                },
            },
        ],
    };

    private static string IdOf(EmulatorServer server, string objectName, Func<ContactBridge.Emulator.Records.SRecord, bool> match)
    {
        var org = server.State.DefaultOrg;
        lock (org.Sync) return org.Records.OfType(objectName).First(match).Id;
    }

    [Fact]
    public async Task Pages_need_a_signed_in_browser_and_the_login_page_brings_the_user_back()
    {
        await using var server = await TestEmulator.StartAsync(Org());
        using var browser = new ConsoleBrowser(server);
        var page = await browser.GetAsync("/lightning/o/Account/home");
        page.Status.ShouldBe(HttpStatusCode.Redirect);
        page.Location.ShouldBe("/?startURL=%2Flightning%2Fo%2FAccount%2Fhome");
        // Inside the console (htmx), an expired session loads the login page whole rather than inside the page.
        using (var http = new HttpClient { BaseAddress = server.BaseUri })
        {
            using var swap = new HttpRequestMessage(HttpMethod.Get, "/lightning/o/Account/home");
            swap.Headers.Add("HX-Request", "true");
            var answer = await http.SendAsync(swap, TestContext.Current.CancellationToken);
            answer.Headers.GetValues("HX-Redirect").ShouldHaveSingleItem().ShouldBe("/?startURL=%2Flightning%2Fo%2FAccount%2Fhome");
        }

        var login = await browser.GetAsync(page.Location!);
        login.Html.ShouldContain("id=\"login_form\"");
        (await browser.SignInAsync(WellKnown.AdminUsername, "wrong", "/lightning/o/Account/home")).Html.ShouldContain("Please check your username and password");
        var signedIn = await browser.SignInAsync(WellKnown.AdminUsername, WellKnown.AdminPassword, "/lightning/o/Account/home");
        signedIn.Location.ShouldBe(server.InstanceUrl + "/lightning/o/Account/home");
        var home = await browser.GetAsync("/lightning/o/Account/home");
        home.Status.ShouldBe(HttpStatusCode.OK);
        home.Html.ShouldContain("Acme &lt;Corp&gt;");
        home.Html.ShouldNotContain("Acme <Corp>");
        home.Html.ShouldContain("salesforce-lightning-design-system.min.css");
        (await browser.GetAsync("/_emulator/assets/lib/salesforce-ux-design-system/assets/styles/salesforce-lightning-design-system.min.css")).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_browser_session_ends_after_two_hours_without_a_request_and_logout_ends_it_at_once()
    {
        await using var server = await TestEmulator.StartAsync(Org());
        using var browser = await ConsoleBrowser.SignedInAsync(server);
        server.State.Clock.Advance(TimeSpan.FromMinutes(110));
        (await browser.GetAsync("/lightning/page/home")).Status.ShouldBe(HttpStatusCode.OK);
        server.State.Clock.Advance(TimeSpan.FromMinutes(110));
        (await browser.GetAsync("/lightning/page/home")).Status.ShouldBe(HttpStatusCode.OK, "each request keeps the session alive");
        server.State.Clock.Advance(TimeSpan.FromMinutes(121));
        (await browser.GetAsync("/lightning/page/home")).Location.ShouldBe("/?startURL=%2Flightning%2Fpage%2Fhome");

        using var again = await ConsoleBrowser.SignedInAsync(server);
        (await again.GetAsync("/secur/logout.jsp")).Location.ShouldBe("/");
        (await again.GetAsync("/lightning/page/home")).Status.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Login_refuses_api_only_users_and_redirects_only_within_the_org()
    {
        await using var server = await TestEmulator.StartAsync(Org());
        using var browser = new ConsoleBrowser(server);
        (await browser.SignInAsync(WellKnown.IntegrationUsername, WellKnown.IntegrationPassword)).Html.ShouldContain("API Only User");
        var outside = await browser.SignInAsync(WellKnown.AdminUsername, WellKnown.AdminPassword, "//evil.example/steal");
        outside.Location.ShouldBe(server.InstanceUrl + "/lightning/page/home");
        // Browsers drop tabs from URLs, so "/<tab>/evil.example" would leave the site.
        (await browser.GetAsync("/?startURL=" + Uri.EscapeDataString("/\t/evil.example"))).Location.ShouldBe("/lightning/page/home");
        (await browser.GetAsync("/?startURL=" + Uri.EscapeDataString("/\\evil.example"))).Location.ShouldBe("/lightning/page/home");
        // The production login host signs the user in to their org's My Domain.
        using var viaLogin = new ConsoleBrowser(server);
        (await viaLogin.SignInAsync(WellKnown.AdminUsername, WellKnown.AdminPassword, host: "/login")).Location.ShouldBe(server.InstanceUrl + "/lightning/page/home");
        (await viaLogin.GetAsync("/lightning/page/home")).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_session_cookie_is_never_an_api_credential()
    {
        await using var server = await TestEmulator.StartAsync(Org());
        using var browser = await ConsoleBrowser.SignedInAsync(server);
        var sid = browser.CookieValue("sid").ShouldNotBeNull();
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/services/data/v62.0/sobjects/Account");
        withCookie.Headers.Add("Cookie", "sid=" + sid);
        (await http.SendAsync(withCookie, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var asBearer = new HttpRequestMessage(HttpMethod.Get, "/services/data/v62.0/sobjects/Account");
        asBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sid);
        (await http.SendAsync(asBearer, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // The other way round is Salesforce's frontdoor.jsp: an access token opens a browser session.
        using var api = await EmulatorClient.SignedInAsync(server);
        using var fresh = new ConsoleBrowser(server);
        var door = await fresh.GetAsync($"/secur/frontdoor.jsp?sid={Uri.EscapeDataString(api.AccessToken!)}&retURL=%2Flightning%2Fo%2FCase%2Fhome");
        door.Location.ShouldBe("/lightning/o/Case/home");
        (await fresh.GetAsync("/lightning/o/Case/home")).Html.ShouldContain("Broken widget");
        (await new ConsoleBrowser(server).GetAsync("/secur/frontdoor.jsp?sid=not-a-token")).Status.ShouldBe(HttpStatusCode.Unauthorized);
        // An API-only user's token opens no console.
        using var integration = await EmulatorClient.SignedInAsync(server, WellKnown.IntegrationUsername, WellKnown.IntegrationPassword);
        (await new ConsoleBrowser(server).GetAsync($"/secur/frontdoor.jsp?sid={Uri.EscapeDataString(integration.AccessToken!)}")).Status.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_record_page_shows_labelled_fields_links_and_related_lists_and_accepts_a_15_character_id()
    {
        await using var server = await TestEmulator.StartAsync(Org());
        using var browser = await ConsoleBrowser.SignedInAsync(server);
        var account = IdOf(server, "Account", _ => true);
        var page = await browser.GetAsync($"/lightning/r/Account/{account[..15]}/view");
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        page.Html.ShouldContain("id=\"record-name\" title=\"Acme &lt;Corp&gt;\"");
        page.Html.ShouldContain(">Account Name<");
        page.Html.ShouldContain(">Account Phone<");
        page.Html.ShouldContain("class=\"cb-phone\" data-number=\"+1 415 555 0100\"");
        page.Html.ShouldContain("data-related=\"Contacts\"");
        page.Html.ShouldContain("Grace Hopper");
        page.Html.ShouldContain("data-related=\"Cases\"");
        page.Html.ShouldContain("Files (0)");

        var contact = IdOf(server, "Contact", _ => true);
        var contactPage = await browser.GetAsync($"/lightning/r/Contact/{contact}/view");
        contactPage.Html.ShouldContain($"href=\"/lightning/r/Account/{account}/view\" data-record-link=\"{account}\">Acme &lt;Corp&gt;</a>");
        contactPage.Html.ShouldContain("Activity History (1)");
        contactPage.Html.ShouldContain("Call about widget");
        (await browser.GetAsync($"/lightning/r/{contact}/view")).Location.ShouldBe($"/lightning/r/Contact/{contact}/view");
    }

    [Theory]
    [InlineData("/lightning/r/Account/001E000000000zzIAA/view", "Record not found")]
    [InlineData("/lightning/r/Account/not-an-id/view", "Record not found")]
    [InlineData("/lightning/r/Widget__x/001E000000000zzIAA/view", "Page doesn't exist")]
    [InlineData("/lightning/o/Widget__x/home", "Page doesn't exist")]
    [InlineData("/lightning/nowhere/at/all", "Page doesn't exist")]
    public async Task Unknown_records_and_objects_show_salesforce_like_error_pages(string url, string heading)
    {
        await using var server = await TestEmulator.StartAsync(Org());
        using var browser = await ConsoleBrowser.SignedInAsync(server);
        var page = await browser.GetAsync(url);
        page.Status.ShouldBe(HttpStatusCode.NotFound);
        page.Html.ShouldContain("id=\"error-page\"");
        WebUtility.HtmlDecode(page.Html).ShouldContain(heading);
        page.Html.ShouldContain("id=\"global-search\"");
    }

    [Fact]
    public async Task New_takes_default_values_from_the_url_and_saves_through_the_orgs_validation()
    {
        await using var server = await TestEmulator.StartAsync(Org());
        using var browser = await ConsoleBrowser.SignedInAsync(server);
        var form = await browser.GetAsync("/lightning/o/Lead/new?defaultFieldValues=" + Uri.EscapeDataString("FirstName=Ana,Phone=" + Uri.EscapeDataString("+44 20 7946 0000")));
        form.Html.ShouldContain("name=\"FirstName\" value=\"Ana\"");
        form.Html.ShouldContain("value=\"+44 20 7946 0000\"");

        var refused = await browser.SubmitAsync(form, "record-form", new() { ["LastName"] = "Lovelace" });
        refused.Status.ShouldBe(HttpStatusCode.BadRequest);
        refused.Html.ShouldContain("REQUIRED_FIELD_MISSING");
        refused.Html.ShouldContain("Company");
        refused.Html.ShouldContain("value=\"Lovelace\"");

        var saved = await browser.SubmitAsync(refused, "record-form", new() { ["Company"] = "Analytical Engines" });
        saved.Status.ShouldBe(HttpStatusCode.Redirect, saved.Html);
        var lead = IdOf(server, "Lead", r => r.GetString("LastName") == "Lovelace");
        saved.Location.ShouldBe($"/lightning/r/Lead/{lead}/view");
        var org = server.State.DefaultOrg;
        lock (org.Sync)
        {
            var record = org.Records.Get(lead)!;
            record.GetString("Company").ShouldBe("Analytical Engines");
            record.GetString("Phone").ShouldBe("+44 20 7946 0000");
            record.GetString("CreatedById").ShouldBe(org.UserByUsername(WellKnown.AdminUsername)!.Id);
        }
    }

    [Fact]
    public async Task Edit_and_delete_change_the_record_and_need_the_sessions_form_token()
    {
        await using var server = await TestEmulator.StartAsync(Org());
        using var browser = await ConsoleBrowser.SignedInAsync(server);
        var contact = IdOf(server, "Contact", _ => true);
        var edit = await browser.GetAsync($"/lightning/r/Contact/{contact}/edit");
        edit.Html.ShouldContain("value=\"Hopper\"");
        var forged = await browser.PostFormAsync($"/lightning/r/Contact/{contact}/edit", new() { ["LastName"] = "Forged" });
        forged.Status.ShouldBe(HttpStatusCode.Forbidden);
        var blank = await browser.SubmitAsync(edit, "record-form", new() { ["LastName"] = "" });
        blank.Status.ShouldBe(HttpStatusCode.BadRequest);
        blank.Html.ShouldContain("LastName");
        (await browser.SubmitAsync(edit, "record-form", new() { ["Title"] = "Rear Admiral" })).Status.ShouldBe(HttpStatusCode.Redirect);
        (await browser.GetAsync($"/lightning/r/Contact/{contact}/view")).Html.ShouldContain("Rear Admiral");

        var confirm = await browser.GetAsync($"/lightning/r/Contact/{contact}/delete");
        confirm.Html.ShouldContain("Are you sure you want to delete <strong>Grace Hopper</strong>?");
        (await browser.SubmitAsync(confirm, "delete-form", [])).Location.ShouldBe("/lightning/o/Contact/home");
        (await browser.GetAsync($"/lightning/r/Contact/{contact}/view")).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Search_finds_records_by_name_and_phone_and_reads_hostile_text_as_a_term()
    {
        await using var server = await TestEmulator.StartAsync(Org());
        using var browser = await ConsoleBrowser.SignedInAsync(server);
        var byName = await browser.GetAsync("/lightning/search?q=Hopper");
        byName.Html.ShouldContain("1 result");
        byName.Html.ShouldContain("Grace Hopper");
        var byPhone = await browser.GetAsync("/lightning/search?q=" + Uri.EscapeDataString("(415) 555-0100"));
        byPhone.Html.ShouldContain("Acme &lt;Corp&gt;");
        var hostile = await browser.GetAsync("/lightning/search?q=" + Uri.EscapeDataString("Acme} RETURNING User(Username)"));
        hostile.Status.ShouldBe(HttpStatusCode.OK);
        hostile.Html.ShouldContain("No results");
        hostile.Html.ShouldNotContain(WellKnown.AdminUsername.Replace("@", "&#64;", StringComparison.Ordinal));
        (await browser.GetAsync("/_ui/search/ui/UnifiedSearchResults?str=Hopper")).Location.ShouldBe("/lightning/search?q=Hopper");
    }

    [Fact]
    public async Task Only_a_user_in_a_lightning_call_center_gets_the_softphone()
    {
        await using var server = await TestEmulator.StartAsync(Org());
        using (var admin = await ConsoleBrowser.SignedInAsync(server))
        {
            var page = await admin.GetAsync("/lightning/page/home");
            page.Html.ShouldNotContain("id=\"softphone-panel\"");
            page.Html.ShouldContain("You are not in a call center");
        }
        // ContactBridgeVoice has no definition file (it is Service Cloud Voice's): no Open CTI softphone either.
        using var agent = await ConsoleBrowser.SignedInAsync(server, "agent@contactbridge.example", "Agent-Pass-1");
        var home = await agent.GetAsync("/lightning/page/home");
        home.Html.ShouldNotContain("id=\"softphone-panel\"");
        // Nor may its page call Open CTI, even with the session's token.
        var csrf = System.Text.RegularExpressions.Regex.Match(home.Html, "data-csrf=\"([^\"]+)\"").Groups[1].Value;
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = agent.Cookies }) { BaseAddress = server.BaseUri };
        using var call = new HttpRequestMessage(HttpMethod.Post, "/lightning/opencti/call") { Content = JsonContent.Create(new { method = "getAppViewInfo" }) };
        call.Headers.Add("X-CB-CSRF", WebUtility.HtmlDecode(csrf));
        var refused = await http.SendAsync(call, TestContext.Current.CancellationToken);
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }
}
