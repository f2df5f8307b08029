using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Interactions;
using ContactBridge.Logging;
using ContactBridge.Outbox;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Logging;

public sealed class LoggingPipelineTests
{
    private static async Task SetSettingsAsync(TestHub hub, string tenantId, LoggingSettings settings) =>
        await hub.Services.GetRequiredService<LoggingSettingsStore>().SaveAsync(tenantId, settings, TestContext.Current.CancellationToken);

    private static Task<InteractionRow?> Interaction(TestHub hub, string tenantId, string id) =>
        hub.Services.GetRequiredService<InteractionStore>().GetAsync(tenantId, id, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Sales_mode_unknown_caller_call_becomes_a_lead_and_a_completed_call_task_owned_by_the_agent()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-100", name: "Grace Caller", company: "Hopper Labs", durationSeconds: 125));
        await hub.RunPipelineAsync();

        var lead = hub.Records("Lead").ShouldHaveSingleItem();
        lead.GetString("LastName").ShouldBe("Caller");
        lead.GetString("FirstName").ShouldBe("Grace");
        lead.GetString("Company").ShouldBe("Hopper Labs");
        lead.GetString("Phone").ShouldBe("+1 (415) 555-0100");
        var agent = hub.Emulator.State.FindUser(TestHub.AgentEmail)!.Value.User;
        lead.GetString("OwnerId").ShouldBe(agent.Id);
        var task = hub.Records("Task").ShouldHaveSingleItem();
        task.GetString("TaskSubtype").ShouldBe("Call");
        task.GetString("CallType").ShouldBe("Inbound");
        task["CallDurationInSeconds"].ShouldBe(125m);
        task.GetString("CallObject").ShouldBe("call-100");
        task.GetString("CallDisposition").ShouldBe("Resolved");
        task.GetString("Status").ShouldBe("Completed");
        task.GetString("WhoId").ShouldBe(lead.Id);
        task.GetString("OwnerId").ShouldBe(agent.Id);
        task.GetString("Subject").ShouldBe("Call Inbound: Grace Caller (Acme Support)");
        task.GetString("Description")!.ShouldContain("Call ID: call-100");

        var row = (await Interaction(hub, tenant.Id, "call-100"))!;
        row.ParsedIdentification!.Outcome.ShouldBe("none");
        JsonSerializer.Deserialize<Dictionary<string, string>>(row.Records!)!["Task"].ShouldBe(task.Id);
    }

    [Fact]
    public async Task Support_mode_known_contact_chat_pops_the_contact_and_becomes_a_case_with_the_transcript()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        await SetSettingsAsync(hub, tenant.Id, new LoggingSettings { Mode = LoggingSettings.Support });
        using var client = new HttpClient { BaseAddress = hub.Emulator.BaseUri };
        string contactId;
        lock (hub.Emulator.State.DefaultOrg.Sync)
        {
            var org = hub.Emulator.State.DefaultOrg;
            contactId = new ContactBridge.Emulator.Records.RecordWriter(org, hub.Emulator.State.Clock).Create(org.Records.OfType("User")[0].Id, org.Schema.Require("Contact"),
                new JsonObject { ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["MobilePhone"] = "+1 (415) 555-0100" }).Id;
        }
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var events = sender.Interaction("chat-7", channel: "web_chat", phone: "415.555.0100 ext 9", messages: ["My printer is on fire", "Please unplug it"]);
        await sender.AcceptAsync(events[..2]);
        await hub.RunPipelineAsync();
        var started = (await Interaction(hub, tenant.Id, "chat-7"))!;
        started.ParsedIdentification!.Outcome.ShouldBe("one");
        started.ParsedIdentification.ScreenPop.ShouldBe($"{hub.Emulator.InstanceUrl}/lightning/r/Contact/{contactId}/view");
        hub.Records("Case").ShouldBeEmpty();

        await sender.AcceptAsync(events[2..]);
        await hub.RunPipelineAsync();
        var kase = hub.Records("Case").ShouldHaveSingleItem();
        kase.GetString("ContactId").ShouldBe(contactId);
        kase.GetString("Origin").ShouldBe("Chat");
        kase.GetString("Description")!.ShouldContain("customer: My printer is on fire");
        kase.GetString("Description")!.ShouldContain("agent: Please unplug it");
        hub.Records("Contact").Count.ShouldBe(1);
        hub.Records("Task").ShouldBeEmpty();
    }

    [Fact]
    public async Task Out_of_order_and_repeated_events_give_exactly_one_set_of_records()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var events = sender.Interaction("call-9", messages: ["first", "second"]);
        await sender.AcceptAsync(events.Reverse().ToArray());
        await sender.AcceptAsync(events[2]);
        await hub.RunPipelineAsync();
        await sender.AcceptAsync(events);
        await hub.RunPipelineAsync();

        hub.Records("Lead").Count.ShouldBe(1);
        var task = hub.Records("Task").ShouldHaveSingleItem();
        var description = task.GetString("Description")!;
        description.Split("first").Length.ShouldBe(2);
        description.IndexOf("first", StringComparison.Ordinal).ShouldBeLessThan(description.IndexOf("second", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_late_event_after_logging_updates_the_same_records()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-late"));
        await hub.RunPipelineAsync();
        var before = hub.Records("Task").ShouldHaveSingleItem();
        await sender.AcceptAsync(sender.Event("call-late", "wrapped_up", new JsonObject { ["wrapUp"] = new JsonObject { ["code"] = "Refund", ["notes"] = "Sent label" } }));
        await hub.RunPipelineAsync();
        var after = hub.Records("Task").ShouldHaveSingleItem();
        after.Id.ShouldBe(before.Id);
        after.GetString("Description")!.ShouldContain("Wrap-up: Refund — Sent label");
        after.GetString("TaskSubtype").ShouldBe("Call");
    }

    [Fact]
    public async Task Late_events_that_change_nothing_written_make_no_salesforce_call()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-wrap"));
        await hub.RunPipelineAsync();
        var task = hub.Records("Task").ShouldHaveSingleItem();
        var before = hub.Emulator.State.Log.LastSequence;

        // The agent's after-call work ends after the call did: nothing a record shows changed, so nothing is sent.
        await sender.AcceptAsync(sender.Event("call-wrap", "wrap_up_started"), sender.Event("call-wrap", "wrap_up_ended"));
        await hub.RunPipelineAsync();
        hub.Emulator.State.Log.Entries(WellKnown.DefaultOrgKey, before).Where(e => e.CountedAsApiCall).ShouldBeEmpty();
        var row = await hub.Services.GetRequiredService<ContactBridge.Interactions.InteractionStore>().GetAsync(tenant.Id, "call-wrap", TestContext.Current.CancellationToken);
        (row!.PlannedVersion >= row.StateVersion).ShouldBeTrue("the late events were planned, to nothing");

        // A wrap-up code does change the Task: it is written, to the same record.
        await sender.AcceptAsync(sender.Event("call-wrap", "wrapped_up", new JsonObject { ["wrapUp"] = new JsonObject { ["code"] = "Refund" } }));
        await hub.RunPipelineAsync();
        hub.Records("Task").ShouldHaveSingleItem().Id.ShouldBe(task.Id);
        hub.Records("Task")[0].GetString("Description")!.ShouldContain("Wrap-up: Refund");
    }

    [Fact]
    public async Task Interactions_ended_together_share_one_graph_call_and_one_caller_search()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        // A first batch fills the describe and owner caches.
        await sender.AcceptAsync(Enumerable.Range(0, 30).SelectMany(i => sender.Interaction($"warm-{i}", phone: $"+1 415 555 {2000 + i}")).ToArray());
        await hub.RunPipelineAsync();
        var before = hub.Emulator.State.Log.LastSequence;
        await sender.AcceptAsync(Enumerable.Range(0, 30).SelectMany(i => sender.Interaction($"call-{i}", phone: $"+1 415 555 {1000 + i}")).ToArray());
        await hub.RunPipelineAsync();

        hub.Records("Task").Count.ShouldBe(60);
        hub.Records("Lead").Count.ShouldBe(60);
        var calls = hub.Emulator.State.Log.Entries(WellKnown.DefaultOrgKey, before).Where(e => e.CountedAsApiCall).Select(e => e.Kind).ToList();
        string.Join(", ", calls.Order(StringComparer.Ordinal)).ShouldBe("composite.graph, search");
    }

    [Fact]
    public async Task When_the_answer_is_lost_after_salesforce_wrote_the_records_the_retry_creates_no_duplicate()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.DropResponse, Remaining = 1, PathContains = "/composite/graph" });
        await sender.AcceptAsync(sender.Interaction("call-lost"));
        await hub.RunPipelineAsync();
        var rows = await hub.Services.GetRequiredService<OutboxStore>().ForInteractionAsync(tenant.Id, "call-lost", TestContext.Current.CancellationToken);
        rows.Single().State.ShouldBe(OutboxState.Pending);
        rows.Single().Attempts.ShouldBe(1);
        hub.Records("Task").Count.ShouldBe(1, "Salesforce did write it; the hub just never heard");

        hub.Clock.Advance(TimeSpan.FromMinutes(1));
        await hub.RunPipelineAsync();
        hub.Records("Task").Count.ShouldBe(1);
        hub.Records("Lead").Count.ShouldBe(1);
        (await hub.Services.GetRequiredService<OutboxStore>().ForInteractionAsync(tenant.Id, "call-lost", TestContext.Current.CancellationToken)).Single().State.ShouldBe(OutboxState.Done);
    }

    [Fact]
    public async Task A_sender_that_died_mid_send_is_recovered_when_its_lease_runs_out_without_duplicates()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-crash"));
        await hub.RunPipelineAsync();
        hub.Records("Task").Count.ShouldBe(1);
        // As if the hub crashed after Salesforce wrote the records but before it recorded that: the row is still leased.
        var outbox = hub.Services.GetRequiredService<OutboxStore>();
        await using (var c = await outbox.OpenAsync(TestContext.Current.CancellationToken))
            await Dapper.SqlMapper.ExecuteAsync(c, "UPDATE outbox SET state = 'sending', lease_owner = 'dead-process', lease_until = @t", new { t = hub.Clock.GetUtcNow().ToUnixTimeMilliseconds() + 1000 });
        hub.Clock.Advance(TimeSpan.FromMinutes(5));
        await hub.RunPipelineAsync();
        var row = (await outbox.ForInteractionAsync(tenant.Id, "call-crash", TestContext.Current.CancellationToken)).Single();
        row.State.ShouldBe(OutboxState.Done);
        row.Attempts.ShouldBe(1);
        hub.Records("Task").Count.ShouldBe(1);
        hub.Records("Lead").Count.ShouldBe(1);
    }

    [Fact]
    public async Task Transient_salesforce_faults_are_retried_with_backoff_and_nothing_is_lost()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503, Remaining = 1, PathContains = "/composite/graph" });
        await sender.AcceptAsync(sender.Interaction("call-flaky"));
        await hub.RunPipelineAsync();
        var outbox = hub.Services.GetRequiredService<OutboxStore>();
        (await outbox.ForInteractionAsync(tenant.Id, "call-flaky", TestContext.Current.CancellationToken)).Single().LastErrorCode.ShouldBe("SERVER_UNAVAILABLE");
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.RequestLimitExceeded, Remaining = 1, PathContains = "/composite/graph" });
        hub.Clock.Advance(TimeSpan.FromMinutes(1));
        await hub.RunPipelineAsync();
        (await outbox.ForInteractionAsync(tenant.Id, "call-flaky", TestContext.Current.CancellationToken)).Single().LastErrorCode.ShouldBe("REQUEST_LIMIT_EXCEEDED");
        hub.Clock.Advance(TimeSpan.FromMinutes(1));
        await hub.RunPipelineAsync();
        (await outbox.ForInteractionAsync(tenant.Id, "call-flaky", TestContext.Current.CancellationToken)).Single().State.ShouldBe(OutboxState.Done);
        hub.Records("Task").Count.ShouldBe(1);

        // An expired session is refreshed transparently.
        hub.Emulator.State.OAuth.ExpireAllAccessTokens();
        await sender.AcceptAsync(sender.Interaction("call-after-expiry", phone: "+1 415 555 7777"));
        await hub.RunPipelineAsync();
        hub.Records("Task").Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_permanent_error_goes_to_the_dead_letters_with_salesforce_message_and_replays_after_the_fix()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        var mapping = LogTemplates.Defaults();
        mapping["Task"]["CallType"] = "{channel}";
        await SetSettingsAsync(hub, tenant.Id, new LoggingSettings { FieldMapping = mapping });
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-bad"));
        await hub.RunPipelineAsync();

        using var portal = await hub.SignInAsync();
        var dead = await portal.Http.GetFromJsonAsync<JsonArray>(new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/dead-letters"), TestContext.Current.CancellationToken);
        var letter = dead!.ShouldHaveSingleItem()!;
        letter["errorCode"]!.GetValue<string>().ShouldBe("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
        letter["error"]!.GetValue<string>().ShouldContain("bad value for restricted picklist field: Call");
        hub.Records("Task").ShouldBeEmpty();
        hub.Records("Lead").ShouldBeEmpty();

        await SetSettingsAsync(hub, tenant.Id, new LoggingSettings());
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/salesforce");
        var token = System.Text.RegularExpressions.Regex.Match(page.Html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var replay = new HttpRequestMessage(HttpMethod.Post, new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/dead-letters/{letter["id"]}/replay"));
        replay.Headers.Add("X-CSRF-TOKEN", token);
        (await portal.Http.SendAsync(replay, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await hub.RunPipelineAsync();
        hub.Records("Task").ShouldHaveSingleItem().GetString("CallType").ShouldBe("Inbound");
    }

    [Fact]
    public async Task Without_the_key_fields_the_admin_is_told_exactly_what_to_add()
    {
        await using var hub = await TestHub.StartAsync(seed: TestHub.Seed(keyFields: false));
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-setup"));
        await hub.RunPipelineAsync();
        var row = (await hub.Services.GetRequiredService<OutboxStore>().ForInteractionAsync(tenant.Id, "call-setup", TestContext.Current.CancellationToken)).Single();
        row.State.ShouldBe(OutboxState.Dead);
        row.LastErrorCode.ShouldBe("SETUP");
        row.LastError!.ShouldContain("Add it in Salesforce (Setup → Object Manager → Task → Fields: Text(255), Unique, External ID)");
        hub.Records("Task").ShouldBeEmpty();
    }

    [Theory]
    [InlineData("none", "+1 415 000 0000", "old@example.com", "Prospect")]
    [InlineData("overwrite", "+1 (415) 555-0100", "new@example.com", "Caller")]
    [InlineData("fill_empty", "+1 (415) 555-0100", "old@example.com", "Prospect")]
    public async Task The_update_policy_decides_what_happens_to_a_known_lead(string policy, string expectedPhone, string expectedEmail, string expectedLastName)
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        await SetSettingsAsync(hub, tenant.Id, new LoggingSettings { UpdatePolicy = policy });
        string leadId;
        lock (hub.Emulator.State.DefaultOrg.Sync)
        {
            var org = hub.Emulator.State.DefaultOrg;
            leadId = new ContactBridge.Emulator.Records.RecordWriter(org, hub.Emulator.State.Clock).Create(org.Records.OfType("User")[0].Id, org.Schema.Require("Lead"),
                new JsonObject { ["LastName"] = "Prospect", ["Company"] = "Initech", ["MobilePhone"] = "415-555-0100", ["Email"] = "old@example.com" }).Id;
            if (policy == "fill_empty") org.Records.Set(org.Records.Get(leadId)!, new Dictionary<string, object?> { ["Phone"] = null });
        }
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-known", email: "new@example.com", name: "Grace Caller"));
        await hub.RunPipelineAsync();
        var lead = hub.Records("Lead").ShouldHaveSingleItem();
        lead.Id.ShouldBe(leadId);
        (lead.GetString("Phone") ?? "+1 415 000 0000").ShouldBe(expectedPhone);
        lead.GetString("Email").ShouldBe(expectedEmail);
        lead.GetString("LastName").ShouldBe(expectedLastName);
        hub.Records("Task").ShouldHaveSingleItem().GetString("WhoId").ShouldBe(leadId);
    }

    [Fact]
    public async Task Manual_mode_logs_only_calls()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        await SetSettingsAsync(hub, tenant.Id, new LoggingSettings { Mode = LoggingSettings.Manual });
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync([.. sender.Interaction("chat-m", channel: "web_chat"), .. sender.Interaction("call-m", phone: "+1 415 555 3333")]);
        await hub.RunPipelineAsync();
        hub.Records("Lead").ShouldBeEmpty();
        hub.Records("Case").ShouldBeEmpty();
        hub.Records("Task").ShouldHaveSingleItem().GetString("CallObject").ShouldBe("call-m");
    }

    [Fact]
    public async Task Long_transcripts_are_cut_to_the_field_with_a_marker_never_refused()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var longMessages = Enumerable.Range(0, 40).Select(i => new string((char)('a' + i % 26), 1000)).ToArray();
        await sender.AcceptAsync(sender.Interaction("call-long", messages: longMessages));
        await hub.RunPipelineAsync();
        var description = hub.Records("Task").ShouldHaveSingleItem().GetString("Description")!;
        description.Length.ShouldBe(32000);
        description.ShouldEndWith("[cut by ContactBridge to fit the field]");
    }

    [Fact]
    public async Task Events_of_an_unlinked_tenant_wait_and_flow_once_it_is_linked()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Not yet linked");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-wait"));
        await hub.RunPipelineAsync();
        hub.Records("Task").ShouldBeEmpty();
        using var portal = await hub.SignInAsync();
        await hub.LinkThroughPortalAsync(portal, tenant);
        await hub.RunPipelineAsync();
        hub.Records("Task").Count.ShouldBe(1);
    }

    [Fact]
    public async Task Near_the_daily_api_limit_the_hub_slows_down_instead_of_spending_the_rest()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("warm-up", phone: "+1 415 555 9000"));
        await hub.RunPipelineAsync();
        hub.Emulator.State.DefaultOrg.Api.Set(hub.Emulator.State.DefaultOrg.Api.Max - 500);
        // One more call reports the low figure to the hub.
        await sender.AcceptAsync(sender.Interaction("a", phone: "+1 415 555 9001"));
        await hub.RunPipelineAsync();
        var before = hub.Emulator.State.Log.LastSequence;
        await sender.AcceptAsync(sender.Interaction("b", phone: "+1 415 555 9002"));
        await hub.RunPipelineAsync();
        await sender.AcceptAsync(sender.Interaction("c", phone: "+1 415 555 9003"));
        await hub.RunPipelineAsync();
        hub.Emulator.State.Log.Entries(WellKnown.DefaultOrgKey, before).Count(e => e.Kind == "composite.graph").ShouldBeLessThanOrEqualTo(1);
        var waiting = await hub.Services.GetRequiredService<OutboxStore>().ForTenantAsync(tenant.Id, OutboxState.Pending, 10, TestContext.Current.CancellationToken);
        waiting.ShouldAllBe(r => r.LastErrorCode == "API_RESERVE");
        hub.Clock.Advance(TimeSpan.FromMinutes(2));
        await hub.RunPipelineAsync();
        (await hub.Services.GetRequiredService<OutboxStore>().ForTenantAsync(tenant.Id, OutboxState.Dead, 10, TestContext.Current.CancellationToken)).ShouldBeEmpty();
    }
}
