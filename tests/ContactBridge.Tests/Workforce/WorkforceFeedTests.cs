using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenter;
using ContactBridge.Emulator.Org;
using ContactBridge.Tests.Support;
using ContactBridge.Workforce;

namespace ContactBridge.Tests.Workforce;

/// <summary>The workforce feed from the contact center's signed events to the API's JSON and CSV, and its settings under the seed's rules.</summary>
public sealed class WorkforceFeedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Settings(object settings) => System.Text.Json.JsonSerializer.Serialize(settings);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Agent_states_and_contacts_become_interval_rows_late_events_reopen_their_intervals_and_a_reread_gives_the_same(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var tenant = await hub.CreateTenantAsync("Acme Support");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        using var portal = await hub.SignInAsync();
        var feed = hub.Services.GetRequiredService<WorkforceFeed>();
        var clock = new IntervalClock(TimeSpan.FromMinutes(15), TimeZoneInfo.Utc);
        var t0 = clock.StartOf(hub.Clock.GetUtcNow()).AddHours(-2);

        var (status, body) = await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/workforce/historical/default",
            Settings(new { enabled = true, readyActivities = "Available; On contact", notReadyActivities = "Unavailable; Lunch" }));
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        body!["historical"]!["serviceLevelSeconds"]!.GetValue<int>().ShouldBe(20, "the seed's default");
        body["historical"]!["shortAbandonSeconds"]!.GetValue<int>().ShouldBe(5);

        // Ada logs in at +5 (Unavailable), is available from +10, at lunch from +40, logged out at +70.
        await sender.AcceptAsync(
            sender.Live("ag-1", ContactCenterEvents.LoggedIn, new() { ["agent"] = new JsonObject { ["name"] = "Ada Agent", ["email"] = "ada@acme.example" } }, t0.AddMinutes(5)),
            sender.Live("ag-1", ContactCenterEvents.StateChanged, new() { ["state"] = "available" }, t0.AddMinutes(10)),
            sender.Live("ag-1", ContactCenterEvents.StateChanged, new() { ["state"] = "unavailable", ["reason"] = "Lunch" }, t0.AddMinutes(40)),
            sender.Live("ag-1", ContactCenterEvents.LoggedOut, null, t0.AddMinutes(70)));
        // c1 answered after 8 s, held 30 s, ended at +16 with 40 s of wrap-up; c2 abandoned after 3 s (short), c3 after 30 s.
        var c1 = t0.AddMinutes(12);
        var agent = new JsonObject { ["agent"] = new JsonObject { ["id"] = "ag-1" } };
        await sender.AcceptAsync(
            sender.Event("c1", "started", new() { ["channel"] = "voice", ["direction"] = "inbound", ["queue"] = "support" }, c1),
            sender.Event("c1", "connected", agent, c1.AddSeconds(8)),
            sender.Event("c1", "held", null, c1.AddSeconds(60)),
            sender.Event("c1", "resumed", null, c1.AddSeconds(90)),
            sender.Event("c1", "ended", new() { ["outcome"] = "answered" }, c1.AddSeconds(240)),
            sender.Event("c1", "wrap_up_started", null, c1.AddSeconds(240)),
            sender.Event("c1", "wrap_up_ended", null, c1.AddSeconds(280)),
            sender.Event("c2", "started", new() { ["channel"] = "voice", ["direction"] = "inbound", ["queue"] = "support" }, t0.AddMinutes(20)),
            sender.Event("c2", "ended", new() { ["outcome"] = "abandoned" }, t0.AddMinutes(20).AddSeconds(3)),
            sender.Event("c3", "started", new() { ["channel"] = "voice", ["direction"] = "inbound", ["queue"] = "support" }, t0.AddMinutes(21)),
            sender.Event("c3", "ended", new() { ["outcome"] = "abandoned" }, t0.AddMinutes(21).AddSeconds(30)));
        await hub.RunPipelineAsync();
        (await feed.RunUntilIdleAsync(Ct)).ShouldBeGreaterThan(0);

        var queues = $"/api/v1/tenants/{tenant.Id}/workforce/historical/default/queue-intervals";
        var (csvStatus, csv) = await portal.GetTextAsync($"{queues}?format=csv&from={Iso(t0)}&to={Iso(t0.AddHours(2))}");
        csvStatus.ShouldBe(HttpStatusCode.OK, csv);
        var lines = csv.TrimEnd('\n').Split('\n');
        lines[0].ShouldBe("start,localStart,queue,channel,offered,answered,answeredWithinThreshold,abandoned,shortAbandoned,serviceLevelPercent,abandonRatePercent," +
                          "averageSpeedOfAnswerSeconds,handled,averageHandleSeconds,talkSeconds,holdSeconds,afterContactWorkSeconds,transfers,revision");
        lines.Length.ShouldBe(3);
        // Talk: connected +8 s to ended +240 s is 232 s, less 30 s on hold.
        lines[1].ShouldBe($"{Csv(t0)},{Csv(t0)},support,voice,1,1,1,0,0,100,0,8,1,272,202,30,40,0,1");
        // c2 (3 s) is a short abandon: out of service level and abandon rate; c3 is the one abandon counted.
        lines[2].ShouldBe($"{Csv(t0.AddMinutes(15))},{Csv(t0.AddMinutes(15))},support,voice,2,0,0,2,1,0,100,,0,,0,0,0,0,1");

        var agents = $"/api/v1/tenants/{tenant.Id}/workforce/historical/default/agent-intervals?from={Iso(t0)}&to={Iso(t0.AddHours(2))}";
        var (_, first) = await portal.SendJsonAsync(HttpMethod.Get, agents, null);
        var revision = first!["revision"]!.GetValue<long>();
        first["computedThrough"]!.GetValue<DateTimeOffset>().ShouldBe(t0.AddHours(2));
        Rows(first).ShouldBe([
            (0, 300L, 300L, 1L, 272L, ""), (15, 900L, 0L, 0L, 0L, ""), (30, 600L, 300L, 0L, 0L, ""), (45, 0L, 900L, 0L, 0L, ""), (60, 0L, 600L, 0L, 0L, ""),
        ], "ready, not-ready, handled and handle time split exactly at the boundaries");

        // Nothing new: a pass writes nothing, and reading again gives the same.
        (await feed.RunUntilIdleAsync(Ct)).ShouldBe(0);
        (await portal.SendJsonAsync(HttpMethod.Get, agents, null)).Body!.ToJsonString().ShouldBe(first.ToJsonString());

        // A coffee break from +20 to +25 arrives late: only the +15 interval changes, with a new revision.
        await sender.AcceptAsync(
            sender.Live("ag-1", ContactCenterEvents.StateChanged, new() { ["state"] = "unavailable", ["reason"] = "Coffee" }, t0.AddMinutes(20)),
            sender.Live("ag-1", ContactCenterEvents.StateChanged, new() { ["state"] = "available" }, t0.AddMinutes(25)));
        (await feed.RunUntilIdleAsync(Ct)).ShouldBe(1);
        var (_, changed) = await portal.SendJsonAsync(HttpMethod.Get, $"{agents}&changedSince={revision}", null);
        changed!["revision"]!.GetValue<long>().ShouldBe(revision + 1);
        Rows(changed).ShouldBe([(15, 600L, 0L, 0L, 0L, "Coffee=300")], "a state in no list is reported by its name");

        // The clock closes one more interval: the pass computes it (Ada is logged out: no row), and the queue rows did not change.
        hub.Clock.Advance(TimeSpan.FromMinutes(15));
        await feed.RunUntilIdleAsync(Ct);
        var (_, later) = await portal.SendJsonAsync(HttpMethod.Get, $"{queues}?changedSince={revision}", null);
        later!["intervals"]!.AsArray().ShouldBeEmpty();
        later["computedThrough"]!.GetValue<DateTimeOffset>().ShouldBe(t0.AddHours(2).AddMinutes(15));

        // The agent list for a user import, and another tenant's administrator sees none of it.
        var (_, agentsCsv) = await portal.GetTextAsync($"/api/v1/tenants/{tenant.Id}/workforce/agents?format=csv");
        agentsCsv.Split('\n')[1].ShouldStartWith("ag-1,Ada Agent,ada@acme.example,,,,,false,,");
        var other = await hub.CreateTenantAsync("Other Co");
        await hub.CreateTenantAdminAsync("admin@other.example", other);
        using var stranger = await hub.SignInAsync("admin@other.example");
        foreach (var path in new[] { queues, agents, $"/api/v1/tenants/{tenant.Id}/workforce/agents", $"/api/v1/tenants/{tenant.Id}/workforce/integrations" })
            (await stranger.GetTextAsync(path)).Status.ShouldBe(HttpStatusCode.NotFound, path);
    }

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O"));

    private static string Csv(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);

    private static List<(int Minute, long Ready, long NotReady, long Handled, long HandleSeconds, string Unclassified)> Rows(JsonObject feed)
    {
        var from = feed["from"]!.GetValue<DateTimeOffset>();
        return feed["intervals"]!.AsArray().Select(r => ((int)(r!["start"]!.GetValue<DateTimeOffset>() - from).TotalMinutes, r["readySeconds"]!.GetValue<long>(),
            r["notReadySeconds"]!.GetValue<long>(), r["handled"]!.GetValue<long>(), r["handleSeconds"]!.GetValue<long>(),
            string.Join(";", r["unclassified"]!.AsObject().Select(u => $"{u.Key}={u.Value}")))).ToList();
    }

    [Fact]
    public async Task Every_setting_is_checked_by_name_and_a_refused_change_leaves_the_integration_as_it_was()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        var historical = $"/api/v1/tenants/{tenant.Id}/workforce/historical/default";
        var realtime = $"/api/v1/tenants/{tenant.Id}/workforce/realtime/default";

        // Real-time first is refused, with the reason.
        var (status, body) = await portal.SendJsonAsync(HttpMethod.Put, realtime, Settings(new { enabled = true }));
        status.ShouldBe(HttpStatusCode.BadRequest);
        Errors(body)["enabled"].ShouldContain("historical integration first");

        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, Settings(new
        {
            enabled = true, readyActivities = "Available; Sleeping", notReadyActivities = "Break; Offline", adminActivities = "Break", serviceLevelSeconds = -1,
            shortAbandonSeconds = 3601, intervalMinutes = 20, timeZone = "Mars/Olympus_Mons", apiVersion = "v9", source = "fax", tokenUrl = "ftp://login.example/token",
        }));
        status.ShouldBe(HttpStatusCode.BadRequest, body?.ToJsonString());
        var errors = Errors(body);
        errors.Keys.Order().ShouldBe(["apiVersion", "intervalMinutes", "notReadyActivities", "readyActivities", "serviceLevelSeconds", "shortAbandonSeconds",
            "source", "timeZone", "tokenUrl"]);
        errors["readyActivities"].ShouldContain("\"Sleeping\" is not an activity");
        errors["notReadyActivities"].ShouldContain("do not include offline activities");
        errors["notReadyActivities"].ShouldContain("\"Break\" is already in adminActivities");
        errors["serviceLevelSeconds"].ShouldContain("0 to 3,600");
        (await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/workforce/integrations")).ShouldBeEmpty("nothing was saved");

        // A setting the hub does not know is refused, not dropped.
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, """{"enabled": true, "readyActivity": "Available"}""");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body!["detail"]!.GetValue<string>().ShouldContain("readyActivity");

        // The API version is checked against the org, which offers others.
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, Settings(new { enabled = true, apiVersion = "v99.0" }));
        Errors(body)["apiVersion"].ShouldContain("does not offer API version 99.0");

        // Credentials Salesforce refuses: a wrong client id, then a wrong secret.
        var tokenUrl = hub.Emulator.InstanceUrl + "/services/oauth2/token";
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, Settings(new { enabled = true, clientId = "nobody", clientSecret = "x", tokenUrl }));
        Errors(body)["clientId"].ShouldContain("Salesforce refused the client credentials (invalid_client_id");
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, Settings(new { enabled = true, clientId = WellKnown.ClientId, clientSecret = "wrong", tokenUrl }));
        Errors(body)["clientSecret"].ShouldContain("invalid_client");

        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, Settings(new
        {
            enabled = true, clientId = WellKnown.ClientId, clientSecret = WellKnown.ClientSecret, tokenUrl, apiVersion = "v61.0", timeZone = "Europe/Berlin", intervalMinutes = 30,
        }));
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        (body!["clientSecretSet"]!.GetValue<bool>(), body["historical"]!["apiVersion"]!.GetValue<string>()).ShouldBe((true, "61.0"));
        body.ToJsonString().ShouldNotContain(WellKnown.ClientSecret);

        // Out of range: refused, and the integration keeps its settings (the stored secret still works for the next save).
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, Settings(new { enabled = true, clientId = WellKnown.ClientId, tokenUrl, serviceLevelSeconds = 4000 }));
        Errors(body)["serviceLevelSeconds"].ShouldNotBeNull();
        var kept = (await portal.SendJsonAsync(HttpMethod.Get, historical, null)).Body!;
        (kept["historical"]!["intervalMinutes"]!.GetValue<int>(), kept["historical"]!["timeZone"]!.GetValue<string>()).ShouldBe((30, "Europe/Berlin"));
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, Settings(new { enabled = true, clientId = WellKnown.ClientId, tokenUrl, apiVersion = "61.0" }));
        status.ShouldBe(HttpStatusCode.OK, "the stored secret is used when none is given");
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, Settings(new
        {
            enabled = true, clientId = WellKnown.ClientId, tokenUrl = hub.Emulator.ProductionLoginUrl + "/services/oauth2/token",
        }));
        Errors(body)["clientSecret"].ShouldContain("given again when the client id or the OAuth 2.0 URL changes", customMessage: "a stored secret goes to no other token URL");

        // Real-time: an unknown platform event is refused by name; then on, and the historical integration cannot go while it relies on it.
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, realtime, Settings(new { enabled = true, platformEvent = "Agent_Nope__e" }));
        Errors(body)["platformEvent"].ShouldContain("no platform event Agent_Nope__e");
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, realtime, Settings(new { enabled = true, platformEvent = "Agent_State" }));
        Errors(body)["platformEvent"].ShouldContain("ends in __e");
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, realtime, Settings(new { enabled = true }));
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, Settings(new { enabled = false }));
        Errors(body)["enabled"].ShouldContain("The real-time integration \"default\" relies on this one");
        (status, body) = await portal.SendJsonAsync(HttpMethod.Delete, historical, null);
        Errors(body)["enabled"].ShouldContain("relies on this one");
        (await portal.SendJsonAsync(HttpMethod.Put, realtime, Settings(new { enabled = false }))).Status.ShouldBe(HttpStatusCode.OK);
        (await portal.SendJsonAsync(HttpMethod.Delete, historical, null)).Status.ShouldBe(HttpStatusCode.NoContent);
        (await portal.SendJsonAsync(HttpMethod.Get, historical, null)).Status.ShouldBe(HttpStatusCode.NotFound);

        // Several integrations, told apart by group; a group name that is not one is refused.
        (await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/workforce/historical/emea", Settings(new { enabled = true }))).Status.ShouldBe(HttpStatusCode.OK);
        (await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/workforce/historical/amer", Settings(new { enabled = false }))).Status.ShouldBe(HttpStatusCode.OK);
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/workforce/historical/{Uri.EscapeDataString("<b>")}", Settings(new { enabled = true }));
        Errors(body)["group"].ShouldContain("A group name is");
        (await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/workforce/integrations")).Select(i => $"{i!["kind"]}/{i["group"]}")
            .ShouldBe(["historical/amer", "historical/emea", "realtime/default"]);
    }

    [Fact]
    public async Task The_portal_page_saves_a_form_shows_each_refused_setting_under_its_field_and_charts_the_last_day()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme Support");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        using var portal = await hub.SignInAsync();
        var path = $"/tenants/{tenant.Id}/workforce";
        var page = await portal.GetAsync(path);
        page.Status.ShouldBe(HttpStatusCode.OK);
        page.Html.TextAt("#no-integrations")!.ShouldContain("start with a historical integration");

        // Real-time first: refused under its switch, with the reason.
        var refused = await portal.SubmitFormAsync(page, "realtime-form", "#realtime-save", f => ((AngleSharp.Html.Dom.IHtmlInputElement)f.QuerySelector("#realtime-enabled")!).IsChecked = true);
        refused.Status.ShouldBe(HttpStatusCode.BadRequest);
        refused.Html.TextAt("#realtime-enabled-error")!.ShouldContain("historical integration first");

        // Two wrong settings: each under its field, the text as typed kept, nothing saved.
        refused = await portal.SubmitFormAsync(page, "historical-form", "#historical-save", f =>
        {
            ((AngleSharp.Html.Dom.IHtmlInputElement)f.QuerySelector("#historical-enabled")!).IsChecked = true;
            ((AngleSharp.Html.Dom.IHtmlInputElement)f.QuerySelector("#historical-shortAbandonSeconds")!).Value = "five";
            ((AngleSharp.Html.Dom.IHtmlInputElement)f.QuerySelector("#historical-timeZone")!).Value = "Europe/Atlantis";
        });
        refused.Status.ShouldBe(HttpStatusCode.BadRequest);
        refused.Html.TextAt("#historical-shortAbandonSeconds-error")!.ShouldContain("\"five\" is not a whole number");
        refused.Html.AttributeAt("#historical-timeZone", "value").ShouldBe("Europe/Atlantis");
        (await hub.Services.GetRequiredService<WorkforceSettingsStore>().ListAsync(tenant.Id, Ct)).ShouldBeEmpty();
        refused = await portal.SubmitFormAsync(page, "historical-form", "#historical-save", f =>
        {
            ((AngleSharp.Html.Dom.IHtmlInputElement)f.QuerySelector("#historical-enabled")!).IsChecked = true;
            ((AngleSharp.Html.Dom.IHtmlInputElement)f.QuerySelector("#historical-timeZone")!).Value = "Europe/Atlantis";
        });
        refused.Html.TextAt("#historical-timeZone-error")!.ShouldContain("is not a time zone");

        var saved = await portal.SubmitFormAsync(page, "historical-form", "#historical-save", f =>
        {
            ((AngleSharp.Html.Dom.IHtmlInputElement)f.QuerySelector("#historical-enabled")!).IsChecked = true;
            ((AngleSharp.Html.Dom.IHtmlInputElement)f.QuerySelector("#historical-timeZone")!).Value = "America/New_York";
        });
        saved.Status.ShouldBe(HttpStatusCode.OK, saved.Html);
        saved.Html.ShouldShowText("Historical integration \"default\" saved (on).");

        // A day of calls (the last interval's are all abandoned): the chart shows offered, abandoned and service level per interval.
        var clock = new IntervalClock(TimeSpan.FromMinutes(15), TimeZoneInfo.Utc);
        var t0 = clock.StartOf(hub.Clock.GetUtcNow()).AddHours(-1);
        var events = new List<JsonObject>();
        for (var i = 0; i < 4; i++)
        {
            var at = t0.AddMinutes(15 * i + 1);
            var abandoned = i == 3;
            events.Add(sender.Event($"c{i}", "started", new() { ["channel"] = "voice", ["direction"] = "inbound", ["queue"] = "support" }, at));
            if (!abandoned) events.Add(sender.Event($"c{i}", "connected", new() { ["agent"] = new JsonObject { ["id"] = "ag-1" } }, at.AddSeconds(10 * i)));
            events.Add(sender.Event($"c{i}", "ended", new() { ["outcome"] = abandoned ? "abandoned" : "answered" }, at.AddSeconds(60)));
        }
        await sender.AcceptAsync([.. events]);
        await hub.RunPipelineAsync();
        await hub.Services.GetRequiredService<WorkforceFeed>().RunUntilIdleAsync(Ct);
        page = await portal.GetAsync(path);
        var bars = System.Text.RegularExpressions.Regex.Matches(page.Html, "data-offered=\"(\\d+)\" data-abandoned=\"(\\d+)\"\\s+data-service-level=\"([^\"]*)\"")
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)).ToList();
        bars.ShouldBe([("1", "0", "100"), ("1", "0", "100"), ("1", "0", "100"), ("1", "1", "0")], "answered in 0, 10 and 20 s (all within 20), then abandoned");
        page.Html.ShouldContain("queue-intervals?format=csv");
    }

    [Fact]
    public async Task Calls_and_agent_states_from_the_contact_center_emulator_reach_the_feeds_csv()
    {
        await using var hub = await TestHub.StartAsync(settings: TestContactCenter.HubSettings);
        var tenant = await hub.LinkedTenantAsync();
        await using var cc = await TestContactCenter.StartAsync(hub);
        var seeded = TestContactCenter.Agents("ag-1", "ag-2");
        seeded[0] = new ContactBridge.ContactCenterEmulator.Tenants.AgentSeed
        {
            Id = seeded[0].Id, Name = seeded[0].Name, Email = seeded[0].Email, Station = seeded[0].Station, Skills = seeded[0].Skills, Team = "Tier 1",
        };
        await cc.ConnectAsync(tenant, seeded);
        using var portal = await hub.SignInAsync();
        (await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/workforce/historical/default", Settings(new { enabled = true }))).Status.ShouldBe(HttpStatusCode.OK);
        async Task CommandAsync(string type, JsonObject? data = null)
        {
            var (status, body) = await portal.SendJsonAsync(HttpMethod.Post, $"/api/v1/tenants/{tenant.Id}/agents/ag-1/commands",
                new JsonObject { ["type"] = type, ["data"] = data ?? new JsonObject() }.ToJsonString());
            status.ShouldBe(HttpStatusCode.OK, $"{type}: {body?.ToJsonString()}");
        }

        // Ada logs in and goes available; a call comes in, she takes it, talks a minute and hangs up.
        await CommandAsync("login");
        await CommandAsync("set_state", new() { ["state"] = "available" });
        hub.Clock.Advance(TimeSpan.FromSeconds(30));
        var call = await cc.CallAsync(tenant.Id, "+1 415 555 0100");
        hub.Clock.Advance(TimeSpan.FromSeconds(3));
        await CommandAsync("accept", new() { ["interactionId"] = call });
        hub.Clock.Advance(TimeSpan.FromSeconds(60));
        await CommandAsync("hangup", new() { ["interactionId"] = call });
        await cc.FlushAsync(tenant.Id);
        await hub.RunPipelineAsync();

        // Once the call's interval has closed, the feed has it.
        hub.Clock.Advance(TimeSpan.FromMinutes(16));
        await hub.Services.GetRequiredService<WorkforceFeed>().RunUntilIdleAsync(Ct);
        var (status, csv) = await portal.GetTextAsync($"/api/v1/tenants/{tenant.Id}/workforce/historical/default/queue-intervals?format=csv");
        status.ShouldBe(HttpStatusCode.OK, csv);
        var support = csv.Split('\n').Where(l => l.Contains(",Support,", StringComparison.Ordinal)).Select(l => l.Split(',')).ToList();
        support.Sum(r => int.Parse(r[4], System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(1, csv);
        support.Sum(r => int.Parse(r[5], System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(1, "answered");
        support.Sum(r => int.Parse(r[12], System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(1, "handled");
        var agents = (await portal.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant.Id}/workforce/historical/default/agent-intervals", null)).Body!;
        var ada = agents["intervals"]!.AsArray().Where(r => r!["agentId"]!.GetValue<string>() == "ag-1").ToList();
        ada.Sum(r => r!["handled"]!.GetValue<long>()).ShouldBe(1);
        ada.Sum(r => r!["readySeconds"]!.GetValue<long>()).ShouldBeGreaterThanOrEqualTo(90, "available 30 s, ringing and on the call 63 s: Ready time");

        // The user import: Ada with her team, as the contact center sent it when she logged in.
        var (_, users) = await portal.GetTextAsync($"/api/v1/tenants/{tenant.Id}/workforce/agents?format=csv");
        users.Split('\n')[1].ShouldStartWith("ag-1,Ada Agent,ag-1@acme.example,Tier 1,", customMessage: users);
    }

    private static Dictionary<string, string> Errors(JsonObject? problem)
    {
        problem.ShouldNotBeNull();
        problem["status"]?.GetValue<int>().ShouldBe(400, problem.ToJsonString());
        return problem["errors"]!.AsObject().ToDictionary(e => e.Key, e => string.Join(" ", e.Value!.AsArray().Select(m => m!.GetValue<string>())));
    }
}
