using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.AgentAdapter;
using ContactBridge.Emulator.Org;
using ContactBridge.Tests.Support;
using AgentSeed = ContactBridge.ContactCenterEmulator.Tenants.AgentSeed;

namespace ContactBridge.Tests.Web;

/// <summary>
/// The softphone's sign-in and API over HTTP, as a hostile page or a curious agent would try them: a session is bound to its
/// agent and tenant, changes need the softphone itself, and bad input is a clear problem.
/// </summary>
public sealed partial class SoftphoneApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("data-ticket=\"([^\"]+)\"")]
    private static partial Regex Ticket();

    private static string Nonce() => AgentSessionStore.NewSecret();

    /// <summary>The sign-in window's walk, over HTTP: the hub sends the user to Salesforce, Salesforce back to the hub's callback.</summary>
    private static async Task<PortalClient.Page> SingleSignOnAsync(PortalClient browser, string tenantId, string nonce, string username, string password)
    {
        var start = await browser.GetAsync($"/agent/{tenantId}/sign-in?nonce={nonce}");
        start.Status.ShouldBe(HttpStatusCode.Redirect, start.Html);
        start.Location!.Query.ShouldContain("scope=id&");
        var callback = await browser.EmulatorAuthorizeAsync(start.Location!, username, password, "allow");
        return await browser.GetAsync(callback.ToString());
    }

    private static async Task<(HttpStatusCode Status, JsonObject? Body, HttpResponseMessage Response)> SendAsync(PortalClient browser, HttpMethod method, string path,
        object? body = null, bool softphone = true, string? key = null, string? rawBody = null, string contentType = "application/json", Uri? at = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(at ?? browser.Hub, path));
        if (rawBody is not null) request.Content = new StringContent(rawBody, Encoding.UTF8, contentType);
        else if (body is not null) request.Content = JsonContent.Create(body);
        if (softphone) request.Headers.Add(AgentApi.SoftphoneHeader, "1");
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        var response = await browser.Http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.StartsWith('{') ? JsonNode.Parse(text)!.AsObject() : null, response);
    }

    private static void ShouldBeProblem(HttpResponseMessage response, int status)
    {
        ((int)response.StatusCode).ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task A_session_from_single_sign_on_acts_only_as_its_agent_of_its_tenant_and_bad_input_is_a_clear_problem()
    {
        var seed = TestHub.Seed();
        seed.Orgs[0].Users.Add(new SeedUser { Username = "nobody@acme.example", Email = "nobody@acme.example", LastName = "Nobody", Password = "Nobody-Password-1" });
        await using var hub = await TestHub.StartAsync(seed: seed, settings: TestContactCenter.HubSettings);
        var tenant = await hub.LinkedTenantAsync();
        var other = await hub.LinkedTenantAsync("Globex");
        await using var cc = await TestContactCenter.StartAsync(hub);
        await cc.ConnectAsync(tenant, [new AgentSeed { Id = "ag-1", Name = "Ada Agent", Email = TestHub.AgentEmail, Station = "4021", Password = "Ada-Agent-Pass-1", Skills = new() { ["support"] = 5 } }]);
        using (var admin = await hub.SignInAsync())
        {
            // Ada's agent is known to the hub by its e-mail once the contact center reports it (no routing map in this org).
            using var login = new HttpRequestMessage(HttpMethod.Post, new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/agents/ag-1/commands"))
            {
                Content = JsonContent.Create(new JsonObject { ["type"] = "login" }),
            };
            (await admin.SendAsync(login)).Status.ShouldBe(HttpStatusCode.OK);
            await cc.FlushAsync(tenant.Id);
        }
        using var browser = new PortalClient(hub.BaseUri, hub.Emulator.BaseUri);

        // No session yet: 401, saying what to do.
        var (status, body, response) = await SendAsync(browser, HttpMethod.Get, $"/agent/{tenant.Id}/api/me");
        ShouldBeProblem(response, 401);
        body!["detail"]!.GetValue<string>().ShouldContain("sign in again");

        // A Salesforce user no agent is paired with is told so, and gets no ticket.
        var refused = await SingleSignOnAsync(browser, tenant.Id, Nonce(), "nobody@acme.example", "Nobody-Password-1");
        refused.Status.ShouldBe(HttpStatusCode.Forbidden);
        refused.Html.ShouldContain("not mapped to an agent");
        Ticket().IsMatch(refused.Html).ShouldBeFalse();

        // Ada: a ticket, good once, only with the nonce the softphone started with, only for this tenant.
        using var ada = new PortalClient(hub.BaseUri, hub.Emulator.BaseUri);
        var nonce = Nonce();
        var page = await SingleSignOnAsync(ada, tenant.Id, nonce, TestHub.AgentEmail, "Agent-Password-1");
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        var ticket = Ticket().Match(page.Html).Groups[1].Value;
        (await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/session", new { ticket, nonce = Nonce() })).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await SendAsync(ada, HttpMethod.Post, $"/agent/{other.Id}/api/session", new { ticket, nonce })).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/session", new { ticket, nonce }, softphone: false)).Status.ShouldBe(HttpStatusCode.Forbidden);
        (status, body, response) = await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/session", new { ticket, nonce });
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        (body!["agentId"]!.GetValue<string>(), body["salesforceUsername"]!.GetValue<string>()).ShouldBe(("ag-1", TestHub.AgentEmail));
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(AgentApi.CookieName + "=", StringComparison.Ordinal)).ToLowerInvariant();
        cookie.ShouldContain("httponly");
        cookie.ShouldContain($"path=/agent/{tenant.Id.ToLowerInvariant()}");
        cookie.ShouldContain("samesite=lax", customMessage: "plain http on one machine: same-site, and SameSite=None would need Secure");
        (await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/session", new { ticket, nonce })).Status.ShouldBe(HttpStatusCode.Unauthorized, "a ticket is good once");

        // Only hashes are kept: the session token is nowhere in the database.
        var token = ada.Cookies.GetCookies(new Uri(hub.BaseUri, $"/agent/{tenant.Id}/api/me"))[AgentApi.CookieName]!.Value;
        hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().Provider.ShouldBe(ContactBridge.Storage.DatabaseProvider.Sqlite);
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
        {
            var stored = await Dapper.SqlMapper.QueryAsync<string>(c, "SELECT COALESCE(token_hash, '') || COALESCE(ticket_hash, '') || nonce_hash FROM agent_sessions");
            stored.ShouldNotBeEmpty();
            stored.ShouldAllBe(s => !s.Contains(token) && !s.Contains(ticket) && !s.Contains(nonce));
        }

        // The session is Ada's, in Ada's tenant: another tenant's softphone API does not know it.
        (status, body, response) = await SendAsync(ada, HttpMethod.Get, $"/agent/{tenant.Id}/api/me");
        status.ShouldBe(HttpStatusCode.OK);
        using (var forged = new HttpRequestMessage(HttpMethod.Get, new Uri(hub.BaseUri, $"/agent/{other.Id}/api/me")))
        {
            forged.Headers.Add("Cookie", $"{AgentApi.CookieName}={token}");
            using var plain = new HttpClient();
            ShouldBeProblem(await plain.SendAsync(forged, Ct), 404);
        }

        // Changes need the softphone's header (a page elsewhere cannot add it), and act as Ada whatever the body says.
        (status, _, response) = await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/commands", new JsonObject { ["type"] = "set_state", ["data"] = new JsonObject { ["state"] = "available" } }, softphone: false);
        ShouldBeProblem(response, 403);
        (status, body, _) = await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/commands",
            new JsonObject { ["type"] = "set_state", ["agentId"] = "ag-2", ["data"] = new JsonObject { ["state"] = "available" } }, key: "k1");
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        var sent = (await cc.StateAsync(tenant.Id))["commands"]!.AsArray().Last()!;
        (sent["type"]!.GetValue<string>(), sent["agentId"]!.GetValue<string>()).ShouldBe(("set_state", "ag-1"));
        // Nor on anything not Ada's: another's contact, a skill she does not have, a callback for another agent. The contact center never hears of these.
        var before = (await cc.StateAsync(tenant.Id))["commands"]!.AsArray().Count;
        (status, body, response) = await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/commands", new JsonObject { ["type"] = "hold", ["data"] = new JsonObject { ["interactionId"] = "someone-elses-call" } });
        ShouldBeProblem(response, 404);
        body!["detail"]!.GetValue<string>().ShouldContain("of yours");
        (_, body, response) = await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/commands", new JsonObject { ["type"] = "next_contact", ["data"] = new JsonObject { ["skill"] = "billing" } });
        ShouldBeProblem(response, 403);
        body!["detail"]!.GetValue<string>().ShouldContain("billing");
        (_, _, response) = await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/commands", new JsonObject
        {
            ["type"] = "create_commitment", ["data"] = new JsonObject { ["due"] = "2030-01-01T10:00:00Z", ["number"] = "+14155550100", ["forAgentId"] = "ag-2" },
        });
        ShouldBeProblem(response, 403);
        ShouldBeProblem((await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/commands", new JsonObject { ["type"] = "complete_commitment", ["data"] = new JsonObject { ["commitmentId"] = "cm-someone" } })).Response, 404);
        (await cc.StateAsync(tenant.Id))["commands"]!.AsArray().Count.ShouldBe(before);

        // Contacts that are not Ada's are not found; malformed input is a 4xx problem that says what is wrong.
        ShouldBeProblem((await SendAsync(ada, HttpMethod.Get, $"/agent/{tenant.Id}/api/contacts/someone-elses-call/screen-pop")).Response, 404);
        ShouldBeProblem((await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/contacts/someone-elses-call/wrap-up", new { disposition = "Resolved" }, key: "k2")).Response, 404);
        (status, body, response) = await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/contacts/c1/wrap-up", new { disposition = "Resolved" });
        ShouldBeProblem(response, 400);
        body!["detail"]!.GetValue<string>().ShouldContain("Idempotency-Key");
        (status, body, response) = await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/contacts/c1/wrap-up", new { disposition = "Resolved\u0000", notes = new string('x', 5000) }, key: "k3");
        ShouldBeProblem(response, 400);
        body!["errors"]!.AsArray().Count.ShouldBe(2);
        ShouldBeProblem((await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/contacts/c1/wrap-up", rawBody: "{\"disposition\": ", key: "k4")).Response, 400);
        ShouldBeProblem((await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/contacts/c1/wrap-up", rawBody: "disposition=x", contentType: "text/plain", key: "k5")).Response, 415);
        (status, body, response) = await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/contacts/c1/related-record", new { objectType = "Contact' OR Name != '", recordId = "003000000000001" }, key: "k6");
        ShouldBeProblem(response, 400);
        body!["detail"]!.GetValue<string>().ShouldContain("API name");
        ShouldBeProblem((await SendAsync(ada, HttpMethod.Get, $"/agent/{tenant.Id}/api/contacts/{new string('x', 300)}/screen-pop")).Response, 400);
        ShouldBeProblem((await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/session", rawBody: "[]")).Response, 400);

        // A custom screen pop: the tenant's URL with the contact's values, each encoded where it goes.
        await hub.Services.GetRequiredService<ContactBridge.Logging.LoggingSettingsStore>().SaveAsync(tenant.Id, new ContactBridge.Logging.LoggingSettings
        {
            Identification = new ContactBridge.Identification.IdentificationRules
            {
                ScreenPopUrl = "/apex/CallerLookup?ani={caller.phone}&acct={ivr.account_number}&q={queue}", ScreenPopUrlWhen = "always",
            },
        }, Ct);
        var call = await cc.CallAsync(tenant.Id, "+1 415 555 0100", new JsonObject { ["account_number"] = "A 1/2&x" });
        cc.Server.Center.Tick();
        await cc.FlushAsync(tenant.Id);
        await hub.RunPipelineAsync();
        (status, body, _) = await SendAsync(ada, HttpMethod.Get, $"/agent/{tenant.Id}/api/contacts/{call}/screen-pop");
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        (body!["status"]!.GetValue<string>(), body["type"]!.GetValue<string>(), body["params"]!["url"]!.GetValue<string>())
            .ShouldBe(("ready", "url", "/apex/CallerLookup?ani=%2B1%20415%20555%200100&acct=A%201%2F2%26x&q=Support"));

        // Signing out ends the session; so does a day of disuse (twelve hours).
        (await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/sign-out")).Status.ShouldBe(HttpStatusCode.NoContent);
        ShouldBeProblem((await SendAsync(ada, HttpMethod.Get, $"/agent/{tenant.Id}/api/me")).Response, 401);
        nonce = Nonce();
        page = await SingleSignOnAsync(ada, tenant.Id, nonce, TestHub.AgentEmail, "Agent-Password-1");
        (await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/session", new { ticket = Ticket().Match(page.Html).Groups[1].Value, nonce })).Status.ShouldBe(HttpStatusCode.OK);
        (await SendAsync(ada, HttpMethod.Get, $"/agent/{tenant.Id}/api/me")).Status.ShouldBe(HttpStatusCode.OK);
        hub.Clock.Advance(AgentSessionStore.IdleTimeout + TimeSpan.FromMinutes(1));
        ShouldBeProblem((await SendAsync(ada, HttpMethod.Get, $"/agent/{tenant.Id}/api/me")).Response, 401);

        // By agent name and password, checked by the contact center; the password is never stored, and guessing stops after five tries.
        using var byPassword = new PortalClient(hub.BaseUri, hub.Emulator.BaseUri);
        (status, body, response) = await SendAsync(byPassword, HttpMethod.Post, $"/agent/{tenant.Id}/api/password-sign-in", new { agentId = "ag-1", password = "wrong" });
        ShouldBeProblem(response, 401);
        (status, body, response) = await SendAsync(byPassword, HttpMethod.Post, $"/agent/{tenant.Id}/api/password-sign-in", new { agentId = "ag-1", password = "Ada-Agent-Pass-1" });
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        (body!["agentId"]!.GetValue<string>(), body["displayName"]!.GetValue<string>()).ShouldBe(("ag-1", "Ada Agent"));
        (await SendAsync(byPassword, HttpMethod.Get, $"/agent/{tenant.Id}/api/me")).Status.ShouldBe(HttpStatusCode.OK);
        for (var i = 0; i < AgentApi.MaxFailures; i++)
            (await SendAsync(byPassword, HttpMethod.Post, $"/agent/{tenant.Id}/api/password-sign-in", new { agentId = "ag-1", password = $"guess-{i}" })).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (status, _, response) = await SendAsync(byPassword, HttpMethod.Post, $"/agent/{tenant.Id}/api/password-sign-in", new { agentId = "ag-1", password = "Ada-Agent-Pass-1" });
        ShouldBeProblem(response, 429);
        response.Headers.RetryAfter.ShouldNotBeNull();
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
            (await Dapper.SqlMapper.ExecuteScalarAsync<long>(c, "SELECT COUNT(*) FROM contact_center_commands WHERE type = 'verify_password' OR data LIKE '%Ada-Agent-Pass%'")).ShouldBe(0);
        hub.Logs.All.ShouldNotContain("Ada-Agent-Pass-1");
        using (var admin = await hub.SignInAsync())
        {
            using var forged = new HttpRequestMessage(HttpMethod.Post, new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/agents/ag-1/commands"))
            {
                Content = JsonContent.Create(new JsonObject { ["type"] = "verify_password", ["data"] = new JsonObject { ["password"] = "x" } }),
            };
            (await admin.SendAsync(forged)).Status.ShouldBe(HttpStatusCode.BadRequest);
        }

        // A sign-in window opened by anything but the softphone, or a callback nobody started, goes nowhere.
        (await browser.GetAsync($"/agent/{tenant.Id}/sign-in")).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await browser.GetAsync($"/agent/{tenant.Id}/sign-in?nonce=short")).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await browser.GetAsync($"/agent/no-such-tenant/sign-in?nonce={Nonce()}")).Status.ShouldBe(HttpStatusCode.NotFound);
        (await browser.GetAsync($"{AgentSignIn.CallbackPath}?state=forged&code=x")).Status.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_softphone_signed_in_at_one_hub_instance_works_at_another_and_hears_what_the_first_took_in()
    {
        // Two instances on one PostgreSQL, as behind a load balancer without sticky sessions: the session is a row, the live
        // stream's changes come through PostgreSQL's notifications, whichever instance took the contact center's event.
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var db = await TestDatabase.CreateAsync("postgresql");
        var settings = TestContactCenter.HubSettings;
        settings["Hub:Key"] = key;
        await using var first = await TestHub.StartAsync(db.ConnectionString, settings: settings);
        await using var second = await first.AnotherInstanceAsync(db.ConnectionString!, key, TestContactCenter.HubSettings);
        var tenant = await first.LinkedTenantAsync();
        await using var cc = await TestContactCenter.StartAsync(first);
        await cc.ConnectAsync(tenant, [new AgentSeed { Id = "ag-1", Name = "Ada Agent", Email = TestHub.AgentEmail, Station = "4021", Skills = new() { ["support"] = 5 } }]);
        first.CreateRecord("Contact", new JsonObject { ["FirstName"] = "Grace", ["LastName"] = "Caller", ["Phone"] = "+1 415 555 0188" });
        using (var admin = await first.SignInAsync())
        {
            // The hub knows Ada's agent (by its e-mail) once the contact center reports it.
            using var login = new HttpRequestMessage(HttpMethod.Post, new Uri(first.BaseUri, $"/api/v1/tenants/{tenant.Id}/agents/ag-1/commands"))
            {
                Content = JsonContent.Create(new JsonObject { ["type"] = "login", ["data"] = new JsonObject { ["station"] = "4021" } }),
            };
            (await admin.SendAsync(login)).Status.ShouldBe(HttpStatusCode.OK);
            await cc.FlushAsync(tenant.Id);
        }

        using var ada = new PortalClient(first.BaseUri, first.Emulator.BaseUri);
        var nonce = Nonce();
        var page = await SingleSignOnAsync(ada, tenant.Id, nonce, TestHub.AgentEmail, "Agent-Password-1");
        (await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/session", new { ticket = Ticket().Match(page.Html).Groups[1].Value, nonce })).Status.ShouldBe(HttpStatusCode.OK);
        var (status, body, _) = await SendAsync(ada, HttpMethod.Get, $"/agent/{tenant.Id}/api/me", at: second.BaseUri);
        status.ShouldBe(HttpStatusCode.OK, "the session signed in at the first instance is good at the second");
        body!["agentId"]!.GetValue<string>().ShouldBe("ag-1");

        using var stream = await LiveStream.OpenAsync(ada.Http, new Uri(second.BaseUri, $"/agent/{tenant.Id}/api/live"));
        (await stream.NextAsync()).Name.ShouldBe("snapshot");
        // Once the second instance listens it says "read it all again"; changes then come one by one.
        (await stream.NextAsync()).Name.ShouldBe("snapshot");

        // Commands at the second instance reach the contact center; its events go to the first; the second's stream carries them.
        (status, body, _) = await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/commands", new JsonObject { ["type"] = "set_state", ["data"] = new JsonObject { ["state"] = "available" } }, key: "av", at: second.BaseUri);
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        await cc.FlushAsync(tenant.Id);
        await AgentAsync(a => a["state"]!.GetValue<string>() == "available");

        var call = await cc.CallAsync(tenant.Id, "+1 415 555 0188");
        cc.Server.Center.Tick();
        await cc.FlushAsync(tenant.Id);
        await first.RunPipelineAsync();
        var ringing = await AgentAsync(a => a["contacts"]!.AsArray().Any(x => x!["interactionId"]!.GetValue<string>() == call));
        ringing["contacts"]!.AsArray().Single(x => x!["interactionId"]!.GetValue<string>() == call)!["callerAddress"]!.GetValue<string>().ShouldBe("+1 415 555 0188");
        (status, body, _) = await SendAsync(ada, HttpMethod.Get, $"/agent/{tenant.Id}/api/contacts/{call}/screen-pop", at: second.BaseUri);
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        (body!["status"]!.GetValue<string>(), body["type"]!.GetValue<string>()).ShouldBe(("ready", "sobject"), "identified by the first instance's pipeline, answered by the second");

        // Signing out at the second ends the session everywhere.
        (await SendAsync(ada, HttpMethod.Post, $"/agent/{tenant.Id}/api/sign-out", at: second.BaseUri)).Status.ShouldBe(HttpStatusCode.NoContent);
        ShouldBeProblem((await SendAsync(ada, HttpMethod.Get, $"/agent/{tenant.Id}/api/me")).Response, 401);

        async Task<JsonObject> AgentAsync(Func<JsonObject, bool> condition)
        {
            for (var seen = 0; seen < 50; seen++)
            {
                var (name, data) = await stream.NextAsync();
                if (name == "agent" && data["agentId"]!.GetValue<string>() == "ag-1" && condition(data)) return data;
            }
            throw new ShouldAssertException("Fifty changes and never the one awaited");
        }
    }
}
