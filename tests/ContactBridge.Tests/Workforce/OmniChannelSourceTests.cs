using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Tests.Support;
using ContactBridge.Workforce;

namespace ContactBridge.Tests.Workforce;

/// <summary>Omni-Channel in a Salesforce org as the historical feed's source: the emulator's generated history read by Bulk API then REST, to the API's numbers.</summary>
public sealed class OmniChannelSourceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Settings(object settings) => System.Text.Json.JsonSerializer.Serialize(settings);

    private static async Task<JsonObject> GenerateAsync(TestHub hub, object request)
    {
        using var http = new HttpClient { BaseAddress = hub.Emulator.BaseUri };
        using var response = await http.PostAsJsonAsync("/_emulator/orgs/default/omni-channel/activity", request, Ct);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
        return body;
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Generated_omni_channel_history_is_read_by_bulk_then_rest_and_its_numbers_reach_the_feed(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString, settings: new() { ["Workforce:BulkPollInterval"] = "00:00:00.020" });
        var tenant = await hub.CreateTenantAsync("Acme Omni");
        using var portal = await hub.SignInAsync();
        var t0 = new IntervalClock(TimeSpan.FromMinutes(15), TimeZoneInfo.Utc).StartOf(hub.Clock.GetUtcNow()).AddHours(-10);
        var first = await GenerateAsync(hub, new { from = t0, hours = 8, agents = 6, queues = 2, workPerHour = 12, seed = 7 });
        first["answered"]!.GetValue<int>().ShouldBeGreaterThan(50);
        first["abandoned"]!.GetValue<int>().ShouldBeGreaterThan(0);

        var historical = $"/api/v1/tenants/{tenant.Id}/workforce/historical/omni";
        var tokenUrl = hub.Emulator.InstanceUrl + "/services/oauth2/token";
        object Form(string ready) => new
        {
            enabled = true, source = "salesforce", clientId = WellKnown.ClientId, clientSecret = WellKnown.ClientSecret, tokenUrl,
            readyActivities = ready, notReadyActivities = "Break; Lunch", adminActivities = "Training",
        };
        // The activities are the org's presence statuses.
        var (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, Settings(Form("Available; Coffee")));
        status.ShouldBe(HttpStatusCode.BadRequest, body?.ToJsonString());
        var error = body!["errors"]!["readyActivities"]![0]!.GetValue<string>();
        error.ShouldContain("\"Coffee\" is not an Omni-Channel presence status in the org");
        error.ShouldContain("Available; Break; Lunch; Training");
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, historical, Settings(Form("Available")));
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());

        // The first read: one Bulk API query job per object, a handful of calls whatever the org's size.
        var before = hub.Emulator.State.Log.LastSequence;
        await hub.Services.GetRequiredService<WorkforceFeed>().RunUntilIdleAsync(Ct);
        var requests = hub.Emulator.State.Log.Entries("default", before);
        requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/jobs/query", StringComparison.Ordinal)).ShouldBe(3, "UserServicePresence, AgentWork, VoiceCall");
        requests.Count(r => r.CountedAsApiCall).ShouldBeLessThanOrEqualTo(3 * 6);

        // The numbers, against what the emulator wrote (counted here from its records, not from the hub's).
        var range = $"from={Iso(t0)}&to={Iso(t0.AddHours(9))}";
        var (_, queues) = await portal.SendJsonAsync(HttpMethod.Get, $"{historical}/queue-intervals?{range}", null);
        var rows = queues!["intervals"]!.AsArray().Select(r => r!.AsObject()).ToList();
        long Sum(IEnumerable<JsonObject> of, string column) => of.Sum(r => r[column]!.GetValue<long>());
        Sum(rows, "answered").ShouldBe(first["answered"]!.GetValue<int>());
        Sum(rows, "abandoned").ShouldBe(first["abandoned"]!.GetValue<int>());
        Sum(rows, "transfers").ShouldBe(first["transferred"]!.GetValue<int>());
        var items = hub.Records("AgentWork").Select(w => w.GetString("WorkItemId")!)
            .Union(hub.Records("VoiceCall").Where(c => c.GetString("QueueName") is not null).Select(c => c.Id)).Count();
        Sum(rows, "offered").ShouldBe(items, "each work item once, declined and transferred work included");
        rows.Select(r => r["queue"]!.GetValue<string>()).Distinct().Order().ShouldBe(["Sales", "Support"]);
        rows.Select(r => r["channel"]!.GetValue<string>()).Distinct().Order().ShouldBe(["case", "voice"]);
        Sum(rows, "holdSeconds").ShouldBe(hub.Records("VoiceCall").Sum(c => Convert.ToInt64(c["CustomerHoldDuration"] ?? 0L, System.Globalization.CultureInfo.InvariantCulture)));

        var (_, agents) = await portal.SendJsonAsync(HttpMethod.Get, $"{historical}/agent-intervals?{range}", null);
        var agentRows = agents!["intervals"]!.AsArray().Select(r => r!.AsObject()).ToList();
        var labels = hub.Records("ServicePresenceStatus").ToDictionary(s => s.Id, s => s.GetString("MasterLabel")!);
        long Seconds(params string[] statuses) => hub.Records("UserServicePresence").Where(p => statuses.Contains(labels[p.GetString("ServicePresenceStatusId")!]))
            .Sum(p => (long)(((DateTimeOffset)p["StatusEndDate"]!) - (DateTimeOffset)p["StatusStartDate"]!).TotalSeconds);
        Sum(agentRows, "readySeconds").ShouldBe(Seconds("Available"));
        Sum(agentRows, "notReadySeconds").ShouldBe(Seconds("Break", "Lunch"));
        Sum(agentRows, "adminSeconds").ShouldBe(Seconds("Training"));
        Sum(agentRows, "handled").ShouldBe(first["answered"]!.GetValue<int>());
        agentRows.Select(r => r["agentId"]!.GetValue<string>()).Distinct().Count().ShouldBe(6);
        var revision = queues["revision"]!.GetValue<long>();

        // The user import lists the Omni-Channel agents: Salesforce users, with their department as the team.
        var (_, users) = await portal.GetTextAsync($"/api/v1/tenants/{tenant.Id}/workforce/agents?format=csv");
        var agent1 = hub.Emulator.State.DefaultOrg.UserByUsername("omni.agent0001@default.omni.example")!.Id;
        users.Split('\n').Length.ShouldBe(1 + 6 + 1, users);
        users.ShouldContain($"{agent1},Ana Agent 1,omni.agent0001@omni.example,Team A,{agent1},omni.agent0001@default.omni.example,,false,,");

        // Later activity: the three objects' queries in one composite request (one API call), and only the new intervals change.
        var second = await GenerateAsync(hub, new { from = t0.AddHours(8), hours = 1, agents = 6, queues = 2, workPerHour = 12, seed = 8 });
        var row = (await hub.Services.GetRequiredService<WorkforceSettingsStore>().GetAsync(tenant.Id, WorkforceKinds.Historical, "omni", Ct))!;
        before = hub.Emulator.State.Log.LastSequence;
        var read = await hub.Services.GetRequiredService<OmniChannelSource>().ReadAsync(row, Ct);
        (read.Backfill, read.ApiCalls).ShouldBe((false, 1));
        hub.Emulator.State.Log.ApiCalls("default", before).ShouldBe(1);
        read.Work.ShouldBeGreaterThanOrEqualTo(second["work"]!.GetValue<int>());
        await hub.Services.GetRequiredService<WorkforceFeed>().RunUntilIdleAsync(Ct);
        var (_, changed) = await portal.SendJsonAsync(HttpMethod.Get, $"{historical}/queue-intervals?{range}&changedSince={revision}", null);
        var changedRows = changed!["intervals"]!.AsArray().Select(r => r!.AsObject()).ToList();
        changedRows.ShouldNotBeEmpty();
        changedRows.ShouldAllBe(r => r["start"]!.GetValue<DateTimeOffset>() >= t0.AddHours(8), "the first eight hours did not change");
        Sum(changedRows, "answered").ShouldBe(second["answered"]!.GetValue<int>());
    }

    [Fact]
    public async Task Omni_channel_needs_an_org_and_work_items_count_once_however_they_were_routed()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("No Org Yet");
        using var portal = await hub.SignInAsync();
        var (status, body) = await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/workforce/historical/default",
            Settings(new { enabled = true, source = "salesforce", readyActivities = "Available" }));
        status.ShouldBe(HttpStatusCode.BadRequest, body?.ToJsonString());
        body!["errors"]!["source"]![0]!.GetValue<string>().ShouldContain("give client credentials");

        long At(int second) => 1_000_000_000_000L + second * 1000L;
        // Declined by one agent, accepted by the next at +20 s, transferred at +100 s, closed at +300 s with 40 s of after-conversation work.
        var fact = OmniChannelSource.FactOf("0LQ1", [
            ("005A", "voice", "Support", At(0), null, null, null, 0),
            ("005B", "voice", "Support", At(8), At(20), At(100), null, 0),
            ("005C", "voice", "Support", At(100), At(105), At(300), null, 40),
        ], ("Support", At(0), At(20), At(260), 15))!;
        (fact.AnsweredAt!.Value.ToUnixTimeMilliseconds(), fact.AgentId, fact.Transfers, fact.WrapSeconds, fact.HoldSeconds, fact.Abandoned)
            .ShouldBe((At(20), "005B", 1, 40, 15, false));
        fact.EndedAt!.Value.ToUnixTimeMilliseconds().ShouldBe(At(260), "the call's end");
        // A case without a call: ended when closed, less after-conversation work.
        OmniChannelSource.FactOf("500X", [("005A", "case", "Billing", At(0), At(30), At(630), null, 30)], null)!.EndedAt!.Value.ToUnixTimeMilliseconds().ShouldBe(At(600));
        // Cancelled while it rang, and a call that ended in the queue before anyone saw it: abandoned.
        OmniChannelSource.FactOf("0LQ2", [("005A", "voice", "Support", At(0), null, null, At(12), 0)], null)!.Abandoned.ShouldBeTrue();
        var unseen = OmniChannelSource.FactOf("0LQ3", [], ("Sales", At(0), null, At(45), 0))!;
        (unseen.Abandoned, unseen.Queue, unseen.Channel).ShouldBe((true, "Sales", "voice"));
        // Every routed offer declined, then answered outside Omni-Channel: answered (by no agent known), not abandoned.
        var outside = OmniChannelSource.FactOf("0LQ6", [("005A", "voice", "Support", At(0), null, null, null, 0)], ("Support", At(0), At(40), At(200), 0))!;
        (outside.Abandoned, outside.AnsweredAt!.Value.ToUnixTimeMilliseconds(), outside.AgentId).ShouldBe((false, At(40), (string?)null));
        // Still waiting: offered, neither answered nor abandoned; a call in no queue is not the feed's.
        OmniChannelSource.FactOf("0LQ4", [], ("Sales", At(0), null, null, 0))!.Abandoned.ShouldBeFalse();
        OmniChannelSource.FactOf("0LQ5", [], (null, At(0), null, At(45), 0)).ShouldBeNull();
        OmniChannelSource.Time("2026-12-05T09:15:00.000+0000").ShouldBe(DateTimeOffset.Parse("2026-12-05T09:15:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task A_status_of_no_length_counts_nothing_and_a_status_begun_before_the_last_ended_ends_it()
    {
        await using var hub = await TestHub.StartAsync(settings: new() { ["Workforce:BulkPollInterval"] = "00:00:00.020" });
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        // The org's presence statuses (and a little history of another agent).
        await GenerateAsync(hub, new { hours = 0.25, agents = 1, queues = 1, workPerHour = 0 });
        var t0 = new IntervalClock(TimeSpan.FromMinutes(15), TimeZoneInfo.Utc).StartOf(hub.Clock.GetUtcNow()).AddHours(-3);
        // Available 0–10; Break for no time at 10; Available 10–20, but Lunch begins at 15 (until 40): Available ends there.
        await using (var w = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().WriteAsync(durable: false, Ct))
        {
            foreach (var (id, status, start, end) in new[] { ("0HnA", "Available", 0, 10), ("0HnB", "Break", 10, 10), ("0HnC", "Available", 10, 20), ("0HnD", "Lunch", 15, 40) })
                await Dapper.SqlMapper.ExecuteAsync(w.Connection, """
                    INSERT INTO workforce_omni_presence (tenant_id, group_name, record_id, user_id, status, start_ms, end_ms)
                    VALUES (@t, 'default', @id, '005ZZ0000000001', @status, @start, @end)
                    """, new { t = tenant.Id, id, status, start = t0.AddMinutes(start).ToUnixTimeMilliseconds(), end = t0.AddMinutes(end).ToUnixTimeMilliseconds() }, w.Transaction);
            await w.CommitAsync(Ct);
        }
        (await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/workforce/historical/default", Settings(new
        {
            enabled = true, source = "salesforce", readyActivities = "Available", notReadyActivities = "Break; Lunch", adminActivities = "", idleActivities = "",
        }))).Status.ShouldBe(HttpStatusCode.OK);
        await hub.Services.GetRequiredService<WorkforceFeed>().RunUntilIdleAsync(Ct);
        var (_, agents) = await portal.SendJsonAsync(HttpMethod.Get,
            $"/api/v1/tenants/{tenant.Id}/workforce/historical/default/agent-intervals?from={Iso(t0)}&to={Iso(t0.AddHours(2))}", null);
        agents!["intervals"]!.AsArray().Where(r => r!["agentId"]!.GetValue<string>() == "005ZZ0000000001")
            .Select(r => ((int)(r!["start"]!.GetValue<DateTimeOffset>() - t0).TotalMinutes, r["readySeconds"]!.GetValue<long>(), r["notReadySeconds"]!.GetValue<long>()))
            .ShouldBe([(0, 900L, 0L), (15, 0L, 900L), (30, 0L, 600L)], "nothing after 40: logged out");
    }

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O"));
}
