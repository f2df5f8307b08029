using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Tests.Support;
using ContactBridge.VoiceCalls;

namespace ContactBridge.Tests.VoiceCalls;

/// <summary>
/// Service Cloud Voice from the contact center's events: with it on, each voice call gets a VoiceCall in the tenant's org
/// through the emulator's Telephony Integration REST API, signed with the tenant's key, once, whatever is lost on the way.
/// </summary>
public sealed class VoiceCallTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode Status, JsonObject? Body)> PutAsync(PortalClient portal, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(portal.Hub, path)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        return await portal.SendAsync(request);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Each_voice_call_since_switching_on_is_a_voice_call_in_salesforce_made_at_its_start_and_updated_once_at_its_end(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        using var portal = await hub.SignInAsync();
        var sync = hub.Services.GetRequiredService<VoiceCallSync>();
        var t0 = hub.Clock.GetUtcNow().AddMinutes(-2);
        JsonObject Started(string call, string phone, int at) => sender.Event(call, "started", new()
        {
            ["channel"] = "voice", ["caller"] = new JsonObject { ["phone"] = phone }, ["dialledNumber"] = "+1 800 555 0199", ["queue"] = "Support",
        }, t0.AddSeconds(at));

        // A call before Service Cloud Voice is on gets no VoiceCall.
        await sender.AcceptAsync(Started("call-before", "+1 415 555 0101", 0));
        await hub.RunPipelineAsync();

        // On: the settings show the certificate, and the definition file becomes a Service Cloud Voice contact center carrying it.
        var (status, body) = await PutAsync(portal, $"/api/v1/tenants/{tenant.Id}/voice-calls/settings", "{\"enabled\": true}");
        status.ShouldBe(HttpStatusCode.OK, hub.Logs.All);
        var certificate = body!["certificatePem"]!.GetValue<string>();
        certificate.ShouldStartWith("-----BEGIN CERTIFICATE-----");
        body["telephonyUrl"]!.GetValue<string>().ShouldBe(new Uri(hub.Emulator.BaseUri, "/telephony/v1/").ToString());
        var definition = await portal.GetAsync($"/api/v1/tenants/{tenant.Id}/agent-adapter/call-center-definition");
        definition.Html.ShouldContain("reqHvcc");
        definition.Html.ShouldContain(certificate.Trim().Split('\n')[1].Trim());
        using (var emulator = new HttpClient { BaseAddress = hub.Emulator.BaseUri })
        {
            var imported = await emulator.PostAsync("/_emulator/orgs/default/call-centers", new StringContent(definition.Html, Encoding.UTF8, "application/xml"), Ct);
            imported.StatusCode.ShouldBe(HttpStatusCode.Created, await imported.Content.ReadAsStringAsync(Ct));
        }
        // Its private key is encrypted at rest.
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
            (await Dapper.SqlMapper.ExecuteScalarAsync<string>(c, "SELECT private_key_enc FROM voice_call_settings WHERE tenant_id = @t", new { t = tenant.Id }))!.ShouldNotContain("PRIVATE KEY");

        // A call starts: its VoiceCall is made right away, "new", from the caller to the number dialled.
        hub.Clock.Advance(TimeSpan.FromSeconds(1));
        await sender.AcceptAsync(Started("call-1", "+1 415 555 0123", 100), sender.Event("call-1", "offered", new() { ["agent"] = new JsonObject { ["id"] = "ag-1" } }, t0.AddSeconds(105)));
        await hub.RunPipelineAsync();
        await sync.RunUntilIdleAsync(Ct);
        var call = hub.Records("VoiceCall").ShouldHaveSingleItem();
        (call.GetString("VendorCallKey"), call.GetString("CallType"), call.GetString("FromPhoneNumber"), call.GetString("ToPhoneNumber"), call.GetString("CallDisposition"))
            .ShouldBe(("call-1", "Inbound", "+1 415 555 0123", "+1 800 555 0199", "new"));

        // It is answered, held, wrapped up and ends: one update with the totals and the disposition.
        await sender.AcceptAsync(
            sender.Event("call-1", "connected", new() { ["agent"] = new JsonObject { ["id"] = "ag-1" } }, t0.AddSeconds(110)),
            sender.Event("call-1", "held", null, t0.AddSeconds(130)),
            sender.Event("call-1", "resumed", null, t0.AddSeconds(160)),
            sender.Event("call-1", "wrapped_up", new() { ["wrapUp"] = new JsonObject { ["code"] = "Refund issued", ["notes"] = "Card charged twice." } }, t0.AddSeconds(175)),
            sender.Event("call-1", "ended", new() { ["outcome"] = "answered" }, t0.AddSeconds(170)));
        await hub.RunPipelineAsync();
        await sync.RunUntilIdleAsync(Ct);
        call = hub.Records("VoiceCall").ShouldHaveSingleItem();
        (call.GetString("CallDisposition"), Convert.ToInt64(call["CallDurationInSeconds"], System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToInt64(call["CustomerHoldDuration"], System.Globalization.CultureInfo.InvariantCulture), call.GetString("QueueName"), call.GetString("DisconnectReason"))
            .ShouldBe(("completed", 70L, 30L, "Support", "answered"));
        call.GetString("Description")!.ShouldContain("Disposition: Refund issued");
        call.GetString("Description")!.ShouldContain("Card charged twice.");
        (await sync.RunOnceAsync(Ct)).ShouldBe(0, "nothing more to send");
        hub.Emulator.State.Log.Entries(null, 0).Count(e => e.Kind == "telephony.voiceCalls.update").ShouldBe(1, "one update for the ended call");

        // A chat whose first event came before the one naming its channel gets no VoiceCall.
        await sender.AcceptAsync(sender.Event("chat-1", "offered", new() { ["agent"] = new JsonObject { ["id"] = "ag-1" } }, t0.AddSeconds(150)));
        await hub.RunPipelineAsync();
        await sync.RunUntilIdleAsync(Ct);
        await sender.AcceptAsync(sender.Event("chat-1", "started", new() { ["channel"] = "web_chat", ["caller"] = new JsonObject { ["email"] = "c@example.com" } }, t0.AddSeconds(149)),
            sender.Event("chat-1", "ended", new() { ["outcome"] = "answered" }, t0.AddSeconds(190)));
        await hub.RunPipelineAsync();
        hub.Clock.Advance(TimeSpan.FromMinutes(1));
        await sync.RunUntilIdleAsync(Ct);
        hub.Records("VoiceCall").ShouldHaveSingleItem();
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
            (await Dapper.SqlMapper.ExecuteScalarAsync<long>(c, "SELECT COUNT(*) FROM voice_calls WHERE tenant_id = @t AND interaction_id = 'chat-1'", new { t = tenant.Id })).ShouldBe(0);

        // A call abandoned in the queue is recorded as such; the first create's answer is lost, and the retry makes no second record.
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.DropResponse, Remaining = 1, PathContains = "/telephony/v1/voiceCalls" });
        await sender.AcceptAsync(Started("call-2", "+1 415 555 0144", 200), sender.Event("call-2", "ended", new() { ["outcome"] = "abandoned" }, t0.AddSeconds(212)));
        await hub.RunPipelineAsync();
        await sync.RunUntilIdleAsync(Ct);
        hub.Records("VoiceCall").Count(r => r.GetString("VendorCallKey") == "call-2").ShouldBe(1, "the create was made, only its answer was lost");
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
            (await Dapper.SqlMapper.ExecuteScalarAsync<string>(c, "SELECT last_error FROM voice_calls WHERE tenant_id = @t AND interaction_id = 'call-2'", new { t = tenant.Id }))!
                .ShouldContain("could not be reached");
        hub.Clock.Advance(TimeSpan.FromMinutes(1));
        await sync.RunUntilIdleAsync(Ct);
        var abandoned = hub.Records("VoiceCall").Where(r => r.GetString("VendorCallKey") == "call-2").ShouldHaveSingleItem();
        (abandoned.GetString("CallDisposition"), abandoned.GetString("DisconnectReason")).ShouldBe(("completed", "abandoned"));
        abandoned["CallAcceptDateTime"].ShouldBeNull("nobody answered");
        abandoned.GetString("Description")!.ShouldContain("Abandoned in Support");
        hub.Records("VoiceCall").Count.ShouldBe(2, "the call before Service Cloud Voice was switched on has none");

        // A refusal that trying again would not change is given up on, shown on the interaction's page, and sent again from there.
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 400, Remaining = 1, PathContains = "/telephony/v1/voiceCalls" });
        await sender.AcceptAsync(Started("call-3", "+1 415 555 0155", 300));
        await hub.RunPipelineAsync();
        await sync.RunUntilIdleAsync(Ct);
        hub.Records("VoiceCall").Count(r => r.GetString("VendorCallKey") == "call-3").ShouldBe(0);
        var interaction = await portal.GetAsync($"/tenants/{tenant.Id}/interactions/call-3");
        interaction.Html.ShouldContain("Given up after 1 attempt(s): The Telephony Integration API answered 400");
        interaction = await portal.SubmitFormAsync(interaction, "voice-call-form", "#voice-call-send-again");
        await sync.RunUntilIdleAsync(Ct);
        hub.Records("VoiceCall").Count(r => r.GetString("VendorCallKey") == "call-3").ShouldBe(1);
        (await portal.GetAsync($"/tenants/{tenant.Id}/interactions/call-3")).Html.ShouldContain("made when the call started");

        // Bad input: a clear 400; another tenant's settings are not found.
        (status, body) = await PutAsync(portal, $"/api/v1/tenants/{tenant.Id}/voice-calls/settings", "{\"enabled\": \"yes\"}");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body!["detail"]!.GetValue<string>().ShouldContain("\"enabled\": true");
        (await PutAsync(portal, $"/api/v1/tenants/{tenant.Id}/voice-calls/settings", "{\"enabled\": ")).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await PutAsync(portal, "/api/v1/tenants/no-such-tenant/voice-calls/settings", "{\"enabled\": true}")).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_contact_center_page_switches_service_cloud_voice_on_and_off_and_offers_the_certificate()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/contact-center");
        page.Html.ShouldContain("id=\"voice-state\">Off");
        var certificate = await portal.GetAsync($"/api/v1/tenants/{tenant.Id}/voice-calls/certificate");
        certificate.Status.ShouldBe(HttpStatusCode.OK);
        certificate.Html.ShouldStartWith("-----BEGIN CERTIFICATE-----");

        page = await portal.SubmitFormAsync(page, "voice-form", "#voice-switch");
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        page.Html.ShouldContain("Service Cloud Voice is on");
        page.Html.ShouldContain($"<code>{ContactBridge.AgentAdapter.CallCenterDefinitionFile.InternalName(tenant)}</code>");
        page.Html.ShouldContain("id=\"telephony-url\"");
        (await hub.Services.GetRequiredService<VoiceCallSettingsStore>().GetAsync(tenant.Id, Ct)).Enabled.ShouldBeTrue();
        (await portal.GetAsync($"/api/v1/tenants/{tenant.Id}/voice-calls/certificate")).Html.ShouldBe(certificate.Html, "the same key pair: the certificate in Salesforce stays good");

        page = await portal.SubmitFormAsync(page, "voice-form", "#voice-switch");
        page.Html.ShouldContain("Service Cloud Voice is off");
        (await hub.Services.GetRequiredService<VoiceCallSettingsStore>().GetAsync(tenant.Id, Ct)).Enabled.ShouldBeFalse();
        (await portal.GetAsync($"/api/v1/tenants/{tenant.Id}/agent-adapter/call-center-definition")).Html.ShouldContain("reqAdapterUrl");

        // A forged form value changes nothing and says why.
        var refused = await portal.SubmitAsync(page, "voice-form", new Dictionary<string, string> { ["enabled"] = "maybe" });
        refused.Status.ShouldBe(HttpStatusCode.BadRequest);
        refused.Html.ShouldContain("Nothing was changed");
        (await hub.Services.GetRequiredService<VoiceCallSettingsStore>().GetAsync(tenant.Id, Ct)).Enabled.ShouldBeFalse();
    }

    /// <summary>
    /// A linked tenant with Service Cloud Voice on, its event sender and an admin's portal; its contact center (the definition returned)
    /// imported in the emulator's org unless the test does it itself. The clock then moves on a second: calls from now on get VoiceCalls.
    /// </summary>
    private static async Task<(ContactBridge.Tenants.Tenant Tenant, EventSender Sender, PortalClient Portal, string Definition)> VoiceOnAsync(TestHub hub, bool import = true)
    {
        var tenant = await hub.LinkedTenantAsync();
        var sender = await EventSender.ForAsync(hub, tenant.Id);
        var portal = await hub.SignInAsync();
        (await PutAsync(portal, $"/api/v1/tenants/{tenant.Id}/voice-calls/settings", "{\"enabled\": true}")).Status.ShouldBe(HttpStatusCode.OK);
        var definition = (await portal.GetAsync($"/api/v1/tenants/{tenant.Id}/agent-adapter/call-center-definition")).Html;
        if (import)
        {
            using var emulator = new HttpClient { BaseAddress = hub.Emulator.BaseUri };
            (await emulator.PostAsync("/_emulator/orgs/default/call-centers", new StringContent(definition, Encoding.UTF8, "application/xml"), Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);
            hub.Clock.Advance(TimeSpan.FromSeconds(1));
        }
        return (tenant, sender, portal, definition);
    }

    [Fact]
    public async Task A_contact_center_holding_another_certificate_is_a_clear_error_on_the_call_and_the_call_is_made_once_the_right_one_is_there()
    {
        await using var hub = await TestHub.StartAsync();
        var (tenant, sender, portal, definition) = await VoiceOnAsync(hub, import: false);
        using var _sender = sender;
        using var _portal = portal;
        var ours = System.Text.RegularExpressions.Regex.Match(definition, "-----BEGIN CERTIFICATE-----[^<]+-----END CERTIFICATE-----").Value;
        using var otherKey = System.Security.Cryptography.RSA.Create(2048);
        using var other = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=someone else", otherKey,
                System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var emulator = new HttpClient { BaseAddress = hub.Emulator.BaseUri };
        async Task ImportAsync(string xml)
        {
            using var imported = await emulator.PostAsync("/_emulator/orgs/default/call-centers", new StringContent(xml, Encoding.UTF8, "application/xml"), Ct);
            imported.IsSuccessStatusCode.ShouldBeTrue(await imported.Content.ReadAsStringAsync(Ct));
        }
        await ImportAsync(definition.Replace(ours, other.ExportCertificatePem(), StringComparison.Ordinal));

        hub.Clock.Advance(TimeSpan.FromSeconds(1));
        await sender.AcceptAsync(sender.Event("call-1", "started", new()
        {
            ["channel"] = "voice", ["caller"] = new JsonObject { ["phone"] = "+1 415 555 0123" }, ["dialledNumber"] = "+1 800 555 0199",
        }, hub.Clock.GetUtcNow()));
        await hub.RunPipelineAsync();
        var sync = hub.Services.GetRequiredService<VoiceCallSync>();
        await sync.RunUntilIdleAsync(Ct);
        hub.Records("VoiceCall").ShouldBeEmpty();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/interactions/call-1");
        page.Html.ShouldContain("does not match the certificate on contact center");
        page.Html.ShouldContain("must hold this tenant&#x27;s telephony certificate");

        // The right certificate goes on the contact center: the next attempt makes the call's one VoiceCall.
        await ImportAsync(definition);
        hub.Clock.Advance(TimeSpan.FromMinutes(5));
        await sync.RunUntilIdleAsync(Ct);
        hub.Records("VoiceCall").ShouldHaveSingleItem().GetString("VendorCallKey").ShouldBe("call-1");
    }

    [Fact]
    public async Task Ivr_data_named_as_voice_call_fields_and_the_recording_go_on_the_voice_call_and_a_field_the_org_lacks_costs_no_voice_call()
    {
        var seed = TestHub.Seed();
        seed.Orgs[0].CustomFields["VoiceCall"] = [new SeedField { Name = "Account_Number__c", Type = "string", Length = 20 }];
        await using var hub = await TestHub.StartAsync(seed: seed);
        var (tenant, sender, portal, _) = await VoiceOnAsync(hub);
        using var _sender = sender;
        using var _portal = portal;
        var t0 = hub.Clock.GetUtcNow();
        JsonObject Started(string call, JsonObject ivr) => sender.Event(call, "started", new()
        {
            ["channel"] = "voice", ["caller"] = new JsonObject { ["phone"] = "+1 415 555 0123" }, ["dialledNumber"] = "+1 800 555 0199", ["ivr"] = ivr,
        }, t0);
        await sender.AcceptAsync(Started("call-1", new JsonObject { ["Account_Number__c"] = "00042", ["language"] = "en" }),
            Started("call-2", new JsonObject { ["Missing__c"] = "x" }));
        await hub.RunPipelineAsync();
        var sync = hub.Services.GetRequiredService<VoiceCallSync>();
        await sync.RunUntilIdleAsync(Ct);
        hub.Records("VoiceCall").Single(r => r.GetString("VendorCallKey") == "call-1").GetString("Account_Number__c").ShouldBe("00042");
        hub.Records("VoiceCall").Count(r => r.GetString("VendorCallKey") == "call-2").ShouldBe(1, "made without the field the org does not have");

        // Ada answers call-1; she signed in to the softphone with Salesforce once, so the VoiceCall names her. Call-2's agent never did.
        var ada = hub.Emulator.State.DefaultOrg.UserByUsername(TestHub.AgentEmail)!.Id;
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
            await Dapper.SqlMapper.ExecuteAsync(c,
                "INSERT INTO agent_sessions (session_id, tenant_id, agent_id, salesforce_user_id, salesforce_username, nonce_hash, created_at, last_seen_at) VALUES ('as_test', @t, 'ag-1', @ada, @username, '', 0, 0)",
                new { t = tenant.Id, ada, username = TestHub.AgentEmail });
        await sender.AcceptAsync(sender.Event("call-1", "connected", new() { ["agent"] = new JsonObject { ["id"] = "ag-1" } }, t0.AddSeconds(5)),
            sender.Event("call-2", "connected", new() { ["agent"] = new JsonObject { ["id"] = "ag-2" } }, t0.AddSeconds(5)));
        await sender.AcceptAsync(sender.Event("call-1", "ended", new()
        {
            ["outcome"] = "answered", ["recording"] = new JsonObject { ["url"] = "https://recordings.example/call-1.wav", ["durationSeconds"] = 60 },
        }, t0.AddSeconds(90)));
        // A recording anywhere but https is refused at the door, saying so; the call's other events stand.
        var (refused, problem) = await sender.SendAsync(new JsonArray(sender.Event("call-2", "ended", new()
        {
            ["outcome"] = "answered", ["recording"] = new JsonObject { ["url"] = "http://insecure.example/call-2.wav" },
        }, t0.AddSeconds(90))).ToJsonString());
        refused.ShouldBe(HttpStatusCode.BadRequest);
        problem!.ToJsonString().ShouldContain("recording.url must be an absolute https URL");
        await sender.AcceptAsync(sender.Event("call-2", "ended", new() { ["outcome"] = "answered" }, t0.AddSeconds(91)));
        await hub.RunPipelineAsync();
        await sync.RunUntilIdleAsync(Ct);
        var recorded = hub.Records("VoiceCall").Single(r => r.GetString("VendorCallKey") == "call-1");
        (recorded["IsRecorded"] as bool?).ShouldBe(true);
        recorded.GetString("UserId").ShouldBe(ada);
        hub.Records("VoiceCall").Single(r => r.GetString("VendorCallKey") == "call-2").GetString("UserId").ShouldBeNull();
        (hub.Records("VoiceCall").Single(r => r.GetString("VendorCallKey") == "call-2")["IsRecorded"] as bool? ?? false).ShouldBeFalse("no recording, none claimed");
    }

    [Fact]
    public async Task Transcript_messages_are_posted_once_each_alone_or_in_bulk_and_a_late_one_sends_no_second_update()
    {
        await using var hub = await TestHub.StartAsync();
        var (tenant, sender, portal, _) = await VoiceOnAsync(hub);
        using var _sender = sender;
        using var _portal = portal;
        var t0 = hub.Clock.GetUtcNow();
        var sync = hub.Services.GetRequiredService<VoiceCallSync>();
        int Requests(string kind) => hub.Emulator.State.Log.Entries(null, 0).Count(e => e.Kind == kind);
        IReadOnlyList<ContactBridge.Emulator.Telephony.TranscriptMessage> Transcript(string call)
        {
            var org = hub.Emulator.State.DefaultOrg;
            var id = hub.Records("VoiceCall").Single(r => r.GetString("VendorCallKey") == call).Id;
            lock (org.Sync) return org.Transcripts.Of(id);
        }
        var seq = 0;
        JsonObject Said(string call, string from, string text) => sender.Event(call, "message_appended", new()
        {
            ["message"] = new JsonObject { ["from"] = from, ["text"] = text, ["at"] = t0.AddSeconds(10 + ++seq).ToString("O") },
        }, t0.AddSeconds(10 + seq));
        async Task SettleAsync()
        {
            await hub.RunPipelineAsync();
            await sync.RunUntilIdleAsync(Ct);
        }
        foreach (var call in new[] { "call-1", "call-2" })
        {
            await sender.AcceptAsync(sender.Event(call, "started", new()
            {
                ["channel"] = "voice", ["caller"] = new JsonObject { ["phone"] = "+1 415 555 0123" }, ["dialledNumber"] = "+1 800 555 0199",
            }, t0), sender.Event(call, "connected", new() { ["agent"] = new JsonObject { ["id"] = "ag-1", ["email"] = "ada@acme.example" } }, t0.AddSeconds(5)));
        }
        await SettleAsync();

        // One message: posted alone, as the caller's.
        await sender.AcceptAsync(Said("call-1", "customer", "Hello, my card was charged twice."));
        await SettleAsync();
        Requests("telephony.voiceCalls.messages").ShouldBe(1);
        var first = Transcript("call-1").ShouldHaveSingleItem();
        (first.SenderType, first.ParticipantId, first.Content).ShouldBe(("END_USER", "+1 415 555 0123", "Hello, my card was charged twice."));

        // Many: in bulk, 5 calls and 5 messages a request at most; the agent's and the bot's by who said them; the first answer is lost.
        var batch = Enumerable.Range(1, 7).Select(i => Said("call-1", i % 2 == 0 ? "agent" : "bot", $"Line {i}")).Concat([Said("call-2", "customer", "Hi"), Said("call-2", "agent", "Hello")]).ToArray();
        await sender.AcceptAsync(batch);
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.DropResponse, Remaining = 1, PathContains = "/telephony/v1/voiceCalls/messages" });
        await hub.RunPipelineAsync();
        await sync.RunUntilIdleAsync(Ct);
        hub.Clock.Advance(TimeSpan.FromMinutes(5));
        await sync.RunUntilIdleAsync(Ct);
        Transcript("call-1").Count.ShouldBe(8, "each message once, though one request was sent twice");
        Transcript("call-2").Select(m => (m.SenderType, m.Content)).ShouldBe([("END_USER", "Hi"), ("HUMAN_AGENT", "Hello")]);
        Transcript("call-1").Where(m => m.SenderType == "HUMAN_AGENT").ShouldAllBe(m => m.ParticipantId == "ada@acme.example");
        Transcript("call-1").Count(m => m.SenderType == "VIRTUAL_AGENT").ShouldBe(4);
        Requests("telephony.voiceCalls.messages.bulk").ShouldBe(3, "5 + 2 messages in the first request (sent twice), the other 2 in the next");

        // The call ends: one update. A message that comes after it is posted, and sends no second update.
        await sender.AcceptAsync(sender.Event("call-1", "ended", new() { ["outcome"] = "answered" }, t0.AddSeconds(60)));
        await SettleAsync();
        Requests("telephony.voiceCalls.update").ShouldBe(1);
        await sender.AcceptAsync(Said("call-1", "agent", "Goodbye"));
        await SettleAsync();
        Transcript("call-1").Count.ShouldBe(9);
        Requests("telephony.voiceCalls.update").ShouldBe(1, "nothing in the update changed");

        // A request Salesforce refuses is tried call by call, so one call's refused words hold up no other call.
        await sender.AcceptAsync(Said("call-1", "agent", "One more thing."), Said("call-2", "customer", "Are you there?"), Said("call-2", "agent", "Yes."));
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 400, Remaining = 1, PathContains = "/messages" });
        await SettleAsync();
        (Transcript("call-1").Count, Transcript("call-2").Count).ShouldBe((10, 4), "refused together, taken one call at a time");

        // A call whose words are refused keeps its update; its page says the transcript was given up on, until the call changes again.
        await sender.AcceptAsync(Said("call-2", "customer", "Hello?"));
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 400, Remaining = 1, PathContains = "/messages" });
        await SettleAsync();
        Transcript("call-2").Count.ShouldBe(4);
        (await portal.GetAsync($"/tenants/{tenant.Id}/interactions/call-2")).Html.ShouldContain("Transcript given up on");
        await sender.AcceptAsync(sender.Event("call-2", "ended", new() { ["outcome"] = "answered" }, t0.AddSeconds(70)));
        await SettleAsync();
        Requests("telephony.voiceCalls.update").ShouldBe(2, "call-2's update went out all the same");
        Transcript("call-2").Count.ShouldBe(5, "the call changed: its words were tried once more, and taken");
        (await portal.GetAsync($"/tenants/{tenant.Id}/interactions/call-2")).Html.ShouldNotContain("Transcript given up on");

        // The same words said twice at the same moment are two messages.
        JsonObject Again() => sender.Event("call-1", "message_appended", new()
        {
            ["message"] = new JsonObject { ["from"] = "customer", ["text"] = "Sorry?", ["at"] = t0.AddSeconds(80).ToString("O") },
        }, t0.AddSeconds(80));
        await sender.AcceptAsync(Again(), Again());
        await SettleAsync();
        Transcript("call-1").Count(m => m.Content == "Sorry?").ShouldBe(2);
        (await sync.RunOnceAsync(Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task The_presence_mapping_accepts_only_states_and_reasons_the_contact_center_has_in_the_portal_and_the_api()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        var store = hub.Services.GetRequiredService<VoiceCallSettingsStore>();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/contact-center");
        page.Html.ShouldContain($"/agent/{tenant.Id}/voice-connector");

        // From the page, as CSV: saved whole, and shown back.
        page = await portal.SubmitFormAsync(page, "presence-mapping-form", "#save-mapping", form =>
            ((AngleSharp.Html.Dom.IHtmlTextAreaElement)form.QuerySelector("#mapping")!).Value =
                "Status API name,Status ID,State,Reason\nAvailable_for_Voice,0N5000000000001,available,\nBreak,,unavailable,Break\nOffline,,logged out,\n");
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        page.Html.ShouldContain("Presence mapping saved: 3 Omni-Channel statuses.");
        (await store.PresenceMappingAsync(tenant.Id, Ct)).ShouldBe([
            new PresenceMappingEntry("Available_for_Voice", "0N5000000000001", "available", null), new PresenceMappingEntry("Break", null, "unavailable", "Break"),
            new PresenceMappingEntry("Offline", null, "logged_out", null)]);

        // A reason or a state the contact center does not have: nothing saved, each problem named by its row, the text kept as typed.
        var typed = "Coffee,,unavailable,Coffee\nParty,,on_fire,\nBreak,0N5bad,available,\nToo,many,columns,here,really\n";
        var refused = await portal.SubmitFormAsync(page, "presence-mapping-form", "#save-mapping", form =>
            ((AngleSharp.Html.Dom.IHtmlTextAreaElement)form.QuerySelector("#mapping")!).Value = typed);
        refused.Status.ShouldBe(HttpStatusCode.BadRequest);
        refused.Html.ShouldContain("the contact center has no reason “Coffee”: use one of Break, Lunch, Meeting, Training, Personal");
        refused.Html.ShouldContain("Row 2: the contact center has no state “on_fire”");
        refused.Html.ShouldContain("Row 3: the status ID “0N5bad” is not a presence status id");
        refused.Html.ShouldContain("Line 4: 5 columns");
        refused.Html.ShouldContain(System.Net.WebUtility.HtmlEncode("Coffee,,unavailable,Coffee"));
        (await store.PresenceMappingAsync(tenant.Id, Ct)).Count.ShouldBe(3);

        // The API: the same checks, as problem+json with every error.
        var (status, body) = await PutAsync(portal, $"/api/v1/tenants/{tenant.Id}/voice-calls/presence-mapping",
            """{"statuses":[{"statusApiName":"Lunch","state":"unavailable","reason":"Lunch"},{"statusApiName":"lunch","state":"available","reason":"Lunch"}]}""");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body!["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldBe(["Row 2: lunch is mapped twice.", "Row 2: only unavailable takes a reason (available has none)."]);
        (await PutAsync(portal, $"/api/v1/tenants/{tenant.Id}/voice-calls/presence-mapping", "{\"statuses\": 3}")).Status.ShouldBe(HttpStatusCode.BadRequest);
        (status, body) = await PutAsync(portal, $"/api/v1/tenants/{tenant.Id}/voice-calls/presence-mapping",
            """{"statuses":[{"statusApiName":"Lunch","statusId":"0N5000000000002","state":"unavailable","reason":"Lunch"},{"statusApiName":"Meal","statusId":"0N5000000000003","state":"unavailable","reason":"Lunch"}]}""");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body!["detail"]!.GetValue<string>().ShouldContain("Row 2: another status with an ID already means unavailable (Lunch)");
        (status, body) = await PutAsync(portal, $"/api/v1/tenants/{tenant.Id}/voice-calls/presence-mapping",
            """{"statuses":[{"statusApiName":"Lunch","statusId":"0N5000000000002AAA","state":"unavailable","reason":"Lunch"}]}""");
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        body!["reasons"]!.AsArray().Count.ShouldBe(ContactBridge.AgentAdapter.AgentApi.DefaultReasons.Length);
        (await PutAsync(portal, "/api/v1/tenants/no-such-tenant/voice-calls/presence-mapping", "{\"statuses\": []}")).Status.ShouldBe(HttpStatusCode.NotFound);
        var got = await portal.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant.Id}/voice-calls/presence-mapping", null);
        got.Body!["statuses"]!.AsArray().ShouldHaveSingleItem()!["statusId"]!.GetValue<string>().ShouldBe("0N5000000000002AAA");
    }

    [Theory]
    [InlineData("https://acme.my.salesforce.com", "https://acme.my.salesforce-scrt.com/telephony/v1/")]
    [InlineData("https://acme--uat.sandbox.my.salesforce.com", "https://acme--uat.sandbox.my.salesforce-scrt.com/telephony/v1/")]
    [InlineData("https://ACME.My.Salesforce.com/", "https://acme.my.salesforce-scrt.com/telephony/v1/")]
    [InlineData("http://acme.my.salesforce.com", null)]
    [InlineData("https://my.salesforce.com", null)]
    [InlineData("https://evil.example", null)]
    [InlineData("https://acme.my.salesforce.com.evil.example", null)]
    [InlineData("not a url", null)]
    [InlineData(null, null)]
    public void The_telephony_api_is_the_org_my_domains_and_nothing_else_unless_configured(string? instance, string? expected)
    {
        TelephonyClient.BaseUrl(instance, null)?.ToString().ShouldBe(expected);
        if (expected is null) TelephonyClient.BaseUrl(instance, null).ShouldBeNull();
        TelephonyClient.BaseUrl(instance, new Uri("http://127.0.0.1:5000/telephony/v1")).ShouldBe(new Uri("http://127.0.0.1:5000/telephony/v1/"));
    }
}
