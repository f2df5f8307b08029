using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Identification;
using ContactBridge.Intake;
using ContactBridge.Logging;
using ContactBridge.Outbox;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Logging;

public sealed class LoggingFeatureTests
{
    private static Task SaveAsync(TestHub hub, string tenantId, LoggingSettings settings) =>
        hub.Services.GetRequiredService<LoggingSettingsStore>().SaveAsync(tenantId, settings, TestContext.Current.CancellationToken);

    [Fact]
    public async Task In_manual_mode_the_agent_asks_for_a_lead_and_a_case_and_gets_exactly_those()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        await SaveAsync(hub, tenant.Id, new LoggingSettings { Mode = LoggingSettings.Manual });
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var chat = sender.Interaction("chat-ask", channel: "web_chat", phone: "+1 415 555 4444");
        await sender.AcceptAsync(chat);
        await hub.RunPipelineAsync();
        hub.Records("Case").ShouldBeEmpty();
        hub.Records("Lead").ShouldBeEmpty();

        await sender.AcceptAsync(sender.Event("chat-ask", "record_requested", new JsonObject { ["object"] = "lead" }),
            sender.Event("chat-ask", "record_requested", new JsonObject { ["object"] = "case" }));
        await hub.RunPipelineAsync();
        var lead = hub.Records("Lead").ShouldHaveSingleItem();
        var kase = hub.Records("Case").ShouldHaveSingleItem();
        kase.GetString("Origin").ShouldBe("Chat");
        kase.GetString("ContactId").ShouldBeNull();
        hub.Records("Contact").ShouldBeEmpty();
        lead.GetString("Phone").ShouldBe("+1 415 555 4444");
    }

    [Fact]
    public async Task Attachments_become_files_on_the_task_and_a_resend_adds_none()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var content = Convert.ToBase64String(Encoding.UTF8.GetBytes("call recording notes"));
        var events = sender.Interaction("call-files").ToList();
        events.Insert(2, sender.Event("call-files", "attachment_added", new JsonObject { ["attachment"] = new JsonObject { ["fileName"] = "notes.txt", ["contentType"] = "text/plain", ["contentBase64"] = content } }));
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.DropResponse, Remaining = 1, PathContains = "/composite/graph" });
        await sender.AcceptAsync([.. events]);
        await hub.RunPipelineAsync();
        hub.Clock.Advance(TimeSpan.FromMinutes(1));
        await hub.RunPipelineAsync();

        var task = hub.Records("Task").ShouldHaveSingleItem();
        var version = hub.Records("ContentVersion").ShouldHaveSingleItem();
        version.GetString("PathOnClient").ShouldBe("notes.txt");
        version.GetString("VersionData").ShouldBe(content);
        hub.Records("ContentDocumentLink").ShouldHaveSingleItem().GetString("LinkedEntityId").ShouldBe(task.Id);
    }

    [Fact]
    public async Task The_signed_lookup_answers_who_is_calling_with_the_screen_pop()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        var contactId = hub.CreateRecord("Contact", new JsonObject { ["LastName"] = "Lovelace", ["HomePhone"] = "001 415 555 0199" });
        hub.CreateRecord("Lead", new JsonObject { ["LastName"] = "Twin A", ["Company"] = "X", ["Phone"] = "+44 20 7946 0000" });
        hub.CreateRecord("Lead", new JsonObject { ["LastName"] = "Twin B", ["Company"] = "Y", ["MobilePhone"] = "0044 20 7946 0000" });
        // In a US tenant a UK number written nationally is not the same number: it must not match.
        hub.CreateRecord("Lead", new JsonObject { ["LastName"] = "Not a twin", ["Company"] = "Z", ["MobilePhone"] = "020 7946 0000" });
        var secret = await hub.Services.GetRequiredService<IntakeSecrets>().RotateAsync(tenant.Id, TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = hub.BaseUri };
        async Task<(HttpStatusCode, JsonObject?)> Lookup(string query, string? key)
        {
            var path = $"/api/v1/tenants/{tenant.Id}/lookup?{query}";
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            var t = hub.Clock.GetUtcNow().ToUnixTimeSeconds();
            if (key is not null) request.Headers.Add(EventSignature.Header, $"t={t},v1={IntakeSecrets.Sign(key, t, Encoding.UTF8.GetBytes(path))}");
            using var r = await http.SendAsync(request, TestContext.Current.CancellationToken);
            return (r.StatusCode, JsonNode.Parse(await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)) as JsonObject);
        }
        var (status, one) = await Lookup("phone=%2B1%20(415)%20555-0199", secret);
        status.ShouldBe(HttpStatusCode.OK);
        one!["outcome"]!.GetValue<string>().ShouldBe("one");
        one["screenPop"]!.GetValue<string>().ShouldBe($"{hub.Emulator.InstanceUrl}/lightning/r/Contact/{contactId}/view");
        var (_, several) = await Lookup("phone=%2B442079460000", secret);
        several!["outcome"]!.GetValue<string>().ShouldBe("several");
        several["screenPop"]!.GetValue<string>().ShouldContain("/_ui/search/ui/UnifiedSearchResults?str=");
        several["matches"]!.AsArray().Select(m => m!["name"]!.GetValue<string>()).Order().ShouldBe(["Twin A", "Twin B"]);
        (await Lookup("phone=%2B19999999999", secret)).Item2!["outcome"]!.GetValue<string>().ShouldBe("none");
        (await Lookup("phone=%2B14155550199", null)).Item1.ShouldBe(HttpStatusCode.Unauthorized);
        (await Lookup("", secret)).Item1.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_ivr_input_identifies_the_account_before_the_phone_number()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        var account = hub.CreateRecord("Account", new JsonObject { ["Name"] = "Acme", ["AccountNumber"] = "A-1001" });
        hub.CreateRecord("Contact", new JsonObject { ["LastName"] = "Someone", ["Phone"] = "+1 415 555 0100" });
        await SaveAsync(hub, tenant.Id, new LoggingSettings { Identification = new IdentificationRules { IvrRules = [new IvrRule("account_number", "Account", "AccountNumber")] } });
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var events = sender.Interaction("call-ivr");
        events[0]["data"]!["ivr"] = new JsonObject { ["account_number"] = "A-1001" };
        await sender.AcceptAsync(events);
        await hub.RunPipelineAsync();
        var row = (await hub.Services.GetRequiredService<ContactBridge.Interactions.InteractionStore>().GetAsync(tenant.Id, "call-ivr", TestContext.Current.CancellationToken))!;
        row.ParsedIdentification!.MatchedBy.ShouldBe("ivr:account_number");
        row.ParsedIdentification.Matches.Single().Id.ShouldBe(account);
        hub.Records("Task").ShouldHaveSingleItem().GetString("WhatId").ShouldBe(account);
        hub.Records("Lead").ShouldBeEmpty();
    }

    [Fact]
    public async Task An_ivr_rule_that_is_no_api_name_never_reaches_a_query_even_when_stored_behind_the_apis_back()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        // The API and the page refuse this rule; a database edited by hand could still hold it.
        const string Injected = "AccountNumber FROM Account WHERE Name != null --";
        await SaveAsync(hub, tenant.Id, new LoggingSettings { Identification = new IdentificationRules { IvrRules = [new IvrRule("account_number", "Account", Injected)] } });
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var events = sender.Interaction("call-ivr");
        events[0]["data"]!["ivr"] = new JsonObject { ["account_number"] = "A-1001" };
        var before = hub.Emulator.State.Log.LastSequence;
        await sender.AcceptAsync(events);
        await hub.RunPipelineAsync();
        var sent = hub.Emulator.State.Log.Entries(WellKnown.DefaultOrgKey, before).Select(e => Uri.UnescapeDataString(e.Path)).ToList();
        sent.ShouldNotContain(p => p.Contains("Name != null", StringComparison.Ordinal), string.Join("\n", sent));
    }

    [Fact]
    public async Task A_channel_can_override_the_field_mapping()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        await SaveAsync(hub, tenant.Id, new LoggingSettings
        {
            ChannelFieldMapping = new() { ["web_chat"] = new() { ["Task"] = new() { ["Subject"] = "Chat {interaction.id} with {caller.name}" } } },
        });
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync([.. sender.Interaction("chat-1", channel: "web_chat"), .. sender.Interaction("call-1", phone: "+1 415 555 6060")]);
        await hub.RunPipelineAsync();
        var subjects = hub.Records("Task").Select(t => t.GetString("Subject")).Order(StringComparer.Ordinal).ToList();
        subjects.ShouldBe(["Call Inbound: Grace Caller (Acme Support)", "Chat chat-1 with Grace Caller"]);
        await Should.ThrowAsync<ArgumentException>(() => SaveAsync(hub, tenant.Id, new LoggingSettings { ChannelFieldMapping = new() { ["fax"] = new() } }));
    }
}
