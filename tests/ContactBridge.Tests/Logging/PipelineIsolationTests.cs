using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Intake;
using ContactBridge.Interactions;
using ContactBridge.Outbox;
using ContactBridge.Tests.Support;
using Dapper;

namespace ContactBridge.Tests.Logging;

/// <summary>No event may stop the pipeline: each case here once did, for every tenant or for one.</summary>
public sealed class PipelineIsolationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonObject Data(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public async Task A_wrong_type_anywhere_in_an_events_data_is_refused_at_intake_naming_the_field()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var cases = new (string Type, string Data, string Field)[]
        {
            ("note_added", """{"note":"just a string"}""", "[0].data.note must be an object"),
            ("note_added", """{"note":{"text":42}}""", "[0].data.note.text must be a string"),
            ("started", """{"caller":12}""", "[0].data.caller must be an object"),
            ("started", """{"caller":{"phone":true}}""", "[0].data.caller.phone must be a string"),
            ("started", """{"channel":"carrier pigeon"}""", "[0].data.channel must be one of"),
            ("started", """{"ivr":[1,2]}""", "[0].data.ivr must be an object"),
            ("started", """{"customFields":{"tier":{"deep":1}}}""", "[0].data.customFields.tier must be a string, number or boolean"),
            ("agent_assigned", """{"agent":[]}""", "[0].data.agent must be an object"),
            ("message_appended", """{"message":{"text":"hi","at":"yesterday"}}""", "[0].data.message.at must be an RFC 3339 timestamp"),
            ("wrapped_up", """{"wrapUp":false}""", "[0].data.wrapUp must be an object"),
            ("attachment_added", """{"attachment":{"fileName":"a.txt","contentBase64":"%%%"}}""", "[0].data.attachment.contentBase64 is not valid base64"),
            ("ended", """{"durationSeconds":"long"}""", "[0].data.durationSeconds must be a whole number"),
            ("ended", """{"durationSeconds":-5}""", "[0].data.durationSeconds must be between 0"),
            ("record_requested", """{"object":"opportunity"}""", "[0].data.object must be one of lead, contact, case, task"),
        };
        foreach (var (type, data, field) in cases)
        {
            var (status, body) = await sender.SendAsync(new JsonArray(sender.Event("call-1", type, Data(data))).ToJsonString());
            status.ShouldBe(HttpStatusCode.BadRequest, $"{type} {data}");
            body!["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldContain(e => e.StartsWith(field, StringComparison.Ordinal), $"{type} {data}: {body}");
        }
        (await hub.Services.GetRequiredService<InboxStore>().CountAsync(tenant.Id, Ct)).ShouldBe(0);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task An_event_that_cannot_be_folded_is_set_aside_and_every_other_interaction_of_every_tenant_is_logged(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var acme = await hub.LinkedTenantAsync("Acme");
        var other = await hub.LinkedTenantAsync("Other");
        using var acmeSender = await EventSender.ForAsync(hub, acme.Id);
        using var otherSender = await EventSender.ForAsync(hub, other.Id);
        // As an older version stored it: a note that is a string where an object belongs.
        var inbox = hub.Services.GetRequiredService<InboxStore>();
        var poison = new InteractionEvent("evt-poison", "/test", InteractionEvent.TypePrefix + "note_added", "call-poisoned", hub.Clock.GetUtcNow(), []);
        await inbox.AppendAsync(acme.Id, [poison], Ct);
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
            await c.ExecuteAsync("UPDATE inbox_events SET data = '{\"note\":\"a string\"}' WHERE event_id = 'evt-poison'");
        await acmeSender.AcceptAsync(acmeSender.Interaction("call-poisoned", phone: "+1 415 555 0111"));
        await acmeSender.AcceptAsync(acmeSender.Interaction("call-fine", phone: "+1 415 555 0112"));
        await otherSender.AcceptAsync(otherSender.Interaction("call-other", phone: "+1 415 555 0113"));
        await hub.RunPipelineAsync();

        hub.Records("Task").Select(t => t.GetString("CallObject")).ShouldBe(["call-poisoned", "call-fine", "call-other"], ignoreOrder: true);
        var setAside = (await inbox.QuarantinedAsync(acme.Id, 10, Ct)).ShouldHaveSingleItem();
        setAside.EventId.ShouldBe("evt-poison");
        setAside.Error!.ShouldContain("note_added could not be applied");

        using var portal = await hub.SignInAsync();
        var listed = await portal.Http.GetFromJsonAsync<JsonArray>(new Uri(hub.BaseUri, $"/api/v1/tenants/{acme.Id}/set-aside-events"), Ct);
        listed!.ShouldHaveSingleItem()!["eventId"]!.GetValue<string>().ShouldBe("evt-poison");
        (await portal.GetAsync($"/tenants/{acme.Id}/activity")).Html.ShouldContain("evt-poison");
        // Replayed, it is set aside again (nothing understands it yet); discarded, it is gone from the list.
        (await inbox.ReplayQuarantinedAsync(acme.Id, setAside.Seq, Ct)).ShouldBeTrue();
        await hub.RunPipelineAsync();
        (await inbox.QuarantinedAsync(acme.Id, 10, Ct)).ShouldHaveSingleItem();
        (await inbox.DiscardQuarantinedAsync(acme.Id, setAside.Seq, Ct)).ShouldBeTrue();
        (await inbox.QuarantinedAsync(acme.Id, 10, Ct)).ShouldBeEmpty();
        (await inbox.DiscardQuarantinedAsync(other.Id, setAside.Seq, Ct)).ShouldBeFalse("another tenant cannot touch it");
        hub.Records("Task").Count.ShouldBe(3);
    }

    [Fact]
    public async Task Oversized_caller_values_are_refused_and_free_text_is_cut_with_a_marker()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var hugeEmail = sender.Event("c1", "started", new JsonObject { ["caller"] = new JsonObject { ["email"] = new string('a', 20_000) + "@example.com" } });
        var (status, body) = await sender.SendAsync(new JsonArray(hugeEmail).ToJsonString());
        status.ShouldBe(HttpStatusCode.BadRequest);
        body!["errors"]![0]!.GetValue<string>().ShouldContain("[0].data.caller.email is 20012 characters; Salesforce's Email fields hold at most 80");
        var hugePhone = sender.Event("c1", "started", new JsonObject { ["caller"] = new JsonObject { ["phone"] = "+" + new string('7', 20_000) } });
        (await sender.SendAsync(new JsonArray(hugePhone).ToJsonString())).Body!["errors"]![0]!.GetValue<string>().ShouldContain("a phone number holds at most 40");
        var manyDigits = sender.Event("c1", "started", new JsonObject { ["caller"] = new JsonObject { ["phone"] = "+1234567890123456" } });
        (await sender.SendAsync(new JsonArray(manyDigits).ToJsonString())).Body!["errors"]![0]!.GetValue<string>().ShouldContain("has 16 digits");

        var events = sender.Interaction("call-long-note", phone: "+1 415 555 0100 ext. 1234");
        var note = sender.Event("call-long-note", "note_added", new JsonObject { ["note"] = new JsonObject { ["text"] = new string('n', 50_000) } });
        await sender.AcceptAsync([.. events, note]);
        await hub.RunPipelineAsync();
        var description = hub.Records("Task").ShouldHaveSingleItem().GetString("Description")!;
        description.ShouldContain("[cut by ContactBridge to fit the field]");
    }

    [Fact]
    public async Task A_lookup_that_fails_for_one_caller_is_retried_alone_and_then_given_up_for_that_caller_only()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        // Salesforce refuses every search that names this one number (as it would a term it cannot parse).
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 400, PathContains = "/search", QueryContains = "4155550666" });
        await sender.AcceptAsync([.. sender.Interaction("call-bad-number", phone: "+1 415 555 0666"), .. sender.Interaction("call-good", phone: "+1 415 555 0667")]);
        await hub.RunPipelineAsync();
        hub.Records("Task").Select(t => t.GetString("CallObject")).ShouldBe(["call-good"]);

        for (var i = 0; i < 3; i++)
        {
            hub.Clock.Advance(TimeSpan.FromMinutes(10));
            await hub.RunPipelineAsync();
        }
        var row = (await hub.Services.GetRequiredService<InteractionStore>().GetAsync(tenant.Id, "call-bad-number", Ct))!;
        row.ParsedIdentification!.Outcome.ShouldBe("unidentified");
        row.ParsedIdentification.Reason!.ShouldContain("The caller lookup failed 3 times");
        var logged = hub.Records("Task").Single(t => t.GetString("CallObject") == "call-bad-number");
        logged.GetString("WhoId").ShouldBeNull("a caller who could not be looked up is not created again as a new lead");
        hub.Records("Lead").Count.ShouldBe(1, "only the good caller's lead");
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Interaction_ids_that_differ_only_in_case_get_their_own_records(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync([.. sender.Interaction("Call-A"), .. sender.Interaction("call-a"), .. sender.Interaction("CALL-A")]);
        await hub.RunPipelineAsync();
        hub.Records("Task").Select(t => t.GetString("CallObject")).ShouldBe(["Call-A", "call-a", "CALL-A"], ignoreOrder: true);
        (await hub.Services.GetRequiredService<OutboxStore>().ForTenantAsync(tenant.Id, OutboxState.Dead, 10, Ct)).ShouldBeEmpty();

        // A late event for each updates its own Task: the existing-key check matches as Salesforce does.
        foreach (var id in new[] { "Call-A", "call-a", "CALL-A" })
            await sender.AcceptAsync(sender.Event(id, "note_added", new JsonObject { ["note"] = new JsonObject { ["text"] = $"late note for {id}" } }));
        await hub.RunPipelineAsync();
        var tasks = hub.Records("Task");
        tasks.Count.ShouldBe(3);
        foreach (var t in tasks) t.GetString("Description")!.ShouldContain($"late note for {t.GetString("CallObject")}");
    }

    [Fact]
    public async Task Records_written_under_an_earlier_versions_key_are_updated_not_written_again()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("Call-Old"));
        await hub.RunPipelineAsync();
        // As an earlier version wrote it: the id as it came, under the "cb-" prefix.
        var legacy = $"cb-{tenant.Id[..8]}-task-Call-Old";
        var task = hub.Records("Task").ShouldHaveSingleItem();
        lock (hub.Emulator.State.DefaultOrg.Sync)
            hub.Emulator.State.DefaultOrg.Records.Set(task, new Dictionary<string, object?> { ["ContactBridge_Key__c"] = legacy });
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
        {
            var plan = await c.QuerySingleAsync<string>("SELECT plan FROM outbox WHERE interaction_id = 'Call-Old'");
            var node = JsonNode.Parse(plan)!;
            foreach (var n in node["nodes"]!.AsArray().Where(n => n!["object"]!.GetValue<string>() == "Task")) n!["key"] = legacy;
            await c.ExecuteAsync("UPDATE outbox SET plan = @plan WHERE interaction_id = 'Call-Old'", new { plan = node.ToJsonString() });
        }

        await sender.AcceptAsync(sender.Event("Call-Old", "note_added", new JsonObject { ["note"] = new JsonObject { ["text"] = "after the upgrade" } }));
        await hub.RunPipelineAsync();
        var after = hub.Records("Task").ShouldHaveSingleItem();
        after.Id.ShouldBe(task.Id);
        after.GetString("Description")!.ShouldContain("after the upgrade");
    }

    private static async Task<IReadOnlyList<OutboxRow>> Writes(TestHub hub, string tenantId, string interactionId) =>
        await hub.Services.GetRequiredService<OutboxStore>().ForInteractionAsync(tenantId, interactionId, Ct);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_three_day_salesforce_outage_leaves_no_dead_letter_and_the_backlog_drains_by_itself(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-before", phone: "+1 415 555 0200"));
        await hub.RunPipelineAsync();
        var before = hub.Emulator.State.Log.LastSequence;

        // Writes fail: the interactions are identified and planned, and wait in the outbox.
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503, PathContains = "/composite/graph" });
        for (var i = 0; i < 5; i++) await sender.AcceptAsync(sender.Interaction($"call-{i}", phone: $"+1 415 555 03{i:00}"));
        await hub.RunPipelineAsync();
        (await hub.Services.GetRequiredService<OutboxStore>().ForTenantAsync(tenant.Id, OutboxState.Pending, 10, Ct)).Count.ShouldBe(5);
        // Then the whole org goes: new interactions wait to be identified.
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503 });
        await sender.AcceptAsync(sender.Interaction("call-during", phone: "+1 415 555 0399"));
        await hub.RunPipelineAsync();
        using var portal = await hub.SignInAsync();
        var status = await portal.Http.GetFromJsonAsync<JsonObject>(new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/salesforce-status"), Ct);
        status!["reachable"]!.GetValue<bool>().ShouldBeFalse();
        status["waiting"]!.GetValue<long>().ShouldBe(6);
        (await portal.GetAsync($"/tenants/{tenant.Id}/activity")).Html.ShouldContain("Salesforce unreachable since");

        // 71 hours of failing, an hour at a time: the org is probed, never hammered, and nothing is given up.
        for (var hour = 0; hour < 71; hour++)
        {
            hub.Clock.Advance(TimeSpan.FromHours(1));
            await hub.RunPipelineAsync();
        }
        var calls = hub.Emulator.State.Log.Entries(WellKnown.DefaultOrgKey, before).Count;
        // A try is a search and a key check, each a read the client repeats up to three times: never a call per waiting interaction.
        calls.ShouldBeLessThanOrEqualTo(6 * 72, "a few calls per try, one try per backoff interval");
        (await hub.Services.GetRequiredService<OutboxStore>().ForTenantAsync(tenant.Id, OutboxState.Dead, 10, Ct)).ShouldBeEmpty();
        hub.Records("Task").Count.ShouldBe(1);

        hub.Emulator.State.Faults.Clear();
        hub.Clock.Advance(TimeSpan.FromMinutes(6));
        await hub.RunPipelineAsync();
        hub.Records("Task").Count.ShouldBe(7);
        hub.Records("Task").Select(t => t.GetString("CallObject")).Distinct().Count().ShouldBe(7);
        (await hub.Services.GetRequiredService<OutboxStore>().ForTenantAsync(tenant.Id, OutboxState.Dead, 10, Ct)).ShouldBeEmpty();
        using var again = await hub.SignInAsync();
        (await again.Http.GetFromJsonAsync<JsonObject>(new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/salesforce-status"), Ct))!["reachable"]!.GetValue<bool>().ShouldBeTrue();
        // Afterwards the Activity page says what happened meanwhile: from when, for how long, why, and what waited.
        var activity = (await again.GetAsync($"/tenants/{tenant.Id}/activity")).Html;
        activity.ShouldNotContain("Salesforce unreachable since");
        var incident = System.Text.RegularExpressions.Regex.Match(activity, "<tr class=\"incident salesforce_unreachable\">(.*?)</tr>", System.Text.RegularExpressions.RegexOptions.Singleline);
        incident.Success.ShouldBeTrue(activity);
        var row = incident.Groups[1].Value;
        row.ShouldSatisfyAllConditions(
            () => row.Contains("<td>71.1 h</td>", StringComparison.Ordinal).ShouldBeTrue(row),
            () => row.Contains("Salesforce did not answer (SERVER_UNAVAILABLE", StringComparison.Ordinal).ShouldBeTrue(row),
            () => row.Contains("Up to 6 interaction(s) waited", StringComparison.Ordinal).ShouldBeTrue(row));
    }

    [Fact]
    public async Task A_caller_whose_lookup_fails_in_passing_holds_up_no_other_caller()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        // Every search naming this number fails with a server error; the org itself is fine.
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503, PathContains = "/search", QueryContains = "4155550777" });
        await sender.AcceptAsync([.. sender.Interaction("call-unlucky", phone: "+1 415 555 0777"), .. Enumerable.Range(0, 6).SelectMany(i => sender.Interaction($"call-ok-{i}", phone: $"+1 415 555 07{10 + i}"))]);
        for (var i = 0; i < 4; i++)
        {
            await hub.RunPipelineAsync();
            hub.Clock.Advance(TimeSpan.FromMinutes(10));
        }
        await hub.RunPipelineAsync();
        hub.Records("Task").Count.ShouldBe(7, "the six others at once, the unlucky caller unidentified after its tries");
        (await hub.Services.GetRequiredService<InteractionStore>().GetAsync(tenant.Id, "call-unlucky", Ct))!.ParsedIdentification!.Outcome.ShouldBe("unidentified");
        (await hub.Services.GetRequiredService<SalesforceOutages>().GetAsync(tenant.Id, Ct)).ShouldBeNull("the org was never down");
    }

    [Fact]
    public async Task The_daily_limit_makes_callers_wait_and_never_gives_them_up_as_unidentified()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.RequestLimitExceeded, PathContains = "/search" });
        await sender.AcceptAsync([.. sender.Interaction("call-limit-1", phone: "+1 415 555 0801"), .. sender.Interaction("call-limit-2", phone: "+1 415 555 0802")]);
        for (var i = 0; i < 5; i++)
        {
            await hub.RunPipelineAsync();
            hub.Clock.Advance(TimeSpan.FromMinutes(10));
        }
        var store = hub.Services.GetRequiredService<InteractionStore>();
        (await store.GetAsync(tenant.Id, "call-limit-1", Ct))!.Identification.ShouldBeNull("still waiting, not given up");
        (await store.GetAsync(tenant.Id, "call-limit-1", Ct))!.IdentifyAttempts.ShouldBe(0);
        hub.Emulator.State.Faults.Clear();
        hub.Clock.Advance(TimeSpan.FromMinutes(10));
        await hub.RunPipelineAsync();
        hub.Records("Task").Count.ShouldBe(2);
        (await store.GetAsync(tenant.Id, "call-limit-2", Ct))!.ParsedIdentification!.Outcome.ShouldBe("none");
    }

    [Fact]
    public async Task An_org_that_stays_down_with_nothing_waiting_is_probed_once_per_backoff_not_every_round()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        var outages = hub.Services.GetRequiredService<SalesforceOutages>();
        await outages.FailedAsync(tenant.Id, "UNREACHABLE: test", Ct);
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503 });
        hub.Clock.Advance(TimeSpan.FromMinutes(10));
        var before = hub.Emulator.State.Log.LastSequence;
        var pipeline = hub.Services.GetRequiredService<InteractionPipeline>();
        for (var i = 0; i < 5; i++) await pipeline.RunOnceAsync(Ct);
        // One probe in five rounds (the client repeats a failing read up to three times), not one per round.
        hub.Emulator.State.Log.Entries(null, before).Count(e => e.Path.StartsWith("/services/data", StringComparison.Ordinal)).ShouldBe(ContactBridge.Salesforce.SalesforceRestClient.MaxAttempts);
        (await outages.GetAsync(tenant.Id, Ct))!.Failures.ShouldBe(2);

        hub.Emulator.State.Faults.Clear();
        hub.Clock.Advance(TimeSpan.FromMinutes(10));
        await pipeline.RunOnceAsync(Ct);
        (await outages.GetAsync(tenant.Id, Ct)).ShouldBeNull("an answer to the probe ends the outage");
    }

    [Fact]
    public async Task Hundreds_of_agents_in_one_batch_are_looked_up_in_requests_salesforce_accepts()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var events = Enumerable.Range(0, 300).SelectMany(i =>
        {
            var e = sender.Interaction($"chat-{i}", channel: "web_chat", phone: null, email: $"visitor{i}@example.com");
            e[1]["data"]!["agent"]!["email"] = $"a-rather-long-agent-address-number-{i:000}@contact-center.example.com";
            return e;
        }).ToArray();
        foreach (var chunk in events.Chunk(400)) await sender.AcceptAsync(chunk);
        await hub.RunPipelineAsync();
        hub.Records("Task").Count.ShouldBe(300);
        hub.Emulator.State.Log.Entries(WellKnown.DefaultOrgKey).ShouldAllBe(e => e.Status < 400 || e.Kind.StartsWith("oauth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_late_event_while_an_earlier_versions_write_is_still_waiting_updates_the_same_record()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503, PathContains = "/composite/graph", Remaining = 1 });
        await sender.AcceptAsync(sender.Interaction("Call-Waiting"));
        await hub.RunPipelineAsync();
        // The waiting write as an earlier version planned it: the "cb-" key.
        var legacy = $"cb-{tenant.Id[..8]}-task-Call-Waiting";
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
        {
            var plan = JsonNode.Parse(await c.QuerySingleAsync<string>("SELECT plan FROM outbox WHERE interaction_id = 'Call-Waiting'"))!;
            foreach (var n in plan["nodes"]!.AsArray().Where(n => n!["object"]!.GetValue<string>() == "Task")) n!["key"] = legacy;
            await c.ExecuteAsync("UPDATE outbox SET plan = @plan WHERE interaction_id = 'Call-Waiting'", new { plan = plan.ToJsonString() });
        }
        await sender.AcceptAsync(sender.Event("Call-Waiting", "note_added", new JsonObject { ["note"] = new JsonObject { ["text"] = "late" } }));
        hub.Clock.Advance(TimeSpan.FromMinutes(10));
        await hub.RunPipelineAsync();
        hub.Records("Task").ShouldHaveSingleItem().GetString("ContactBridge_Key__c").ShouldBe(legacy);
    }

    [Fact]
    public async Task A_write_that_keeps_failing_becomes_a_dead_letter_only_after_the_retry_horizon()
    {
        await using var hub = await TestHub.StartAsync(settings: new() { [$"{LoggingOptions.Section}:RetryHorizon"] = "06:00:00" });
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503, PathContains = "/composite/graph" });
        await sender.AcceptAsync(sender.Interaction("call-stuck"));
        await hub.RunPipelineAsync();
        for (var i = 0; i < 5 * 6; i++)
        {
            hub.Clock.Advance(TimeSpan.FromMinutes(10));
            await hub.RunPipelineAsync();
        }
        (await Writes(hub, tenant.Id, "call-stuck")).Single().State.ShouldBe(OutboxState.Pending, "five hours in, still retried");
        for (var i = 0; i < 2 * 6; i++)
        {
            hub.Clock.Advance(TimeSpan.FromMinutes(10));
            await hub.RunPipelineAsync();
        }
        var dead = (await Writes(hub, tenant.Id, "call-stuck")).Single();
        dead.State.ShouldBe(OutboxState.Dead);
        dead.LastErrorCode.ShouldBe("SERVER_UNAVAILABLE");
        dead.LastError!.ShouldContain("Gave up after");
    }

    [Fact]
    public async Task One_tenants_hanging_org_does_not_hold_up_another_tenant()
    {
        SeedField Key() => new() { Name = "ContactBridge_Key__c", Type = "string", Length = 255, ExternalId = true, Unique = true };
        var seed = TestHub.Seed();
        seed.Orgs[1].CustomFields = new Dictionary<string, List<SeedField>> { ["Lead"] = [Key()], ["Contact"] = [Key()], ["Case"] = [Key()], ["Task"] = [Key()] };
        await using var hub = await TestHub.StartAsync(seed: seed);
        var stuck = await hub.CreateTenantAsync("Stuck");
        var flowing = await hub.LinkedTenantAsync("Flowing");
        using (var portal = await hub.SignInAsync()) await hub.LinkThroughPortalAsync(portal, stuck, "sandbox", WellKnown.IntegrationUsername + ".uat");
        using var stuckSender = await EventSender.ForAsync(hub, stuck.Id);
        using var flowingSender = await EventSender.ForAsync(hub, flowing.Id);

        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Emulator.State.Faults.RequestHeld += () => held.TrySetResult();
        // The stuck tenant's caller search hangs: its org never answers.
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Hang, PathContains = "/search", QueryContains = "4155550400" });
        await stuckSender.AcceptAsync(stuckSender.Interaction("call-stuck", phone: "+1 415 555 0400"));
        await flowingSender.AcceptAsync(flowingSender.Interaction("call-flowing", phone: "+1 415 555 0401"));
        var pipeline = hub.Services.GetRequiredService<InteractionPipeline>();
        var round = pipeline.RunOnceAsync(Ct);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        // While the stuck org holds its request, the other tenant's lane runs to the end.
        await hub.Emulator.State.Log.WaitForAsync(e => e.OrgKey == WellKnown.DefaultOrgKey && e.Kind == "composite.graph", TimeSpan.FromSeconds(30), Ct);
        hub.Records("Task").Select(t => t.GetString("CallObject")).ShouldBe(["call-flowing"]);
        round.IsCompleted.ShouldBeFalse("the stuck tenant's lane is still waiting for its org");
        hub.Emulator.State.Faults.Clear();
        await round.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        hub.Clock.Advance(TimeSpan.FromMinutes(10));
        await hub.RunPipelineAsync();
        var uat = hub.Emulator.State.FindOrg("uat")!;
        lock (uat.Sync) uat.Records.OfType("Task").Count(t => !t.IsDeleted).ShouldBe(1);
    }
}
