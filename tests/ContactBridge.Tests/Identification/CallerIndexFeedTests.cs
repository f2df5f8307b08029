using System.Diagnostics;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Identification;
using ContactBridge.Interactions;
using ContactBridge.Linking;
using ContactBridge.Logging;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Identification;

/// <summary>
/// The caller index of a tenant, built by the hub's feed (Bulk API load, Change Data Capture over the emulator's Pub/Sub API), answering
/// screen pops as soon as interactions are folded, with no API call, and following what changes in Salesforce.
/// </summary>
public sealed class CallerIndexFeedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task TurnOnAsync(TestHub hub, string tenantId, IdentificationRules? rules = null)
    {
        var store = hub.Services.GetRequiredService<LoggingSettingsStore>();
        var settings = await store.GetAsync(tenantId, Ct);
        await store.SaveAsync(tenantId, settings with { Identification = (rules ?? settings.Identification) with { CallerIndex = true } }, Ct);
        await hub.Services.GetRequiredService<CallerIndexFeed>().CheckAsync(Ct);
    }

    /// <summary>Waits (bounded) for a condition the feed makes true in the background (the browser tests of the index use it too).</summary>
    internal static async Task UntilAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException($"Still not true after 20 s: {what}");
            await Task.Delay(10, Ct);
        }
    }

    private static CallerIndexStatus? Status(TestHub hub, string tenantId) => Status(hub.Services, tenantId);

    private static CallerIndexStatus? Status(IServiceProvider services, string tenantId) => services.GetRequiredService<CallerIndexes>().StatusOf(tenantId);

    /// <summary>Who the index says is calling on this number (what a screen pop would show), or null before it is ready.</summary>
    private static IdentificationResult? FromIndex(TestHub hub, string tenantId, IdentificationRules rules, string phone) =>
        FromIndex(hub.Services, new Uri(hub.Emulator.InstanceUrl), tenantId, rules, phone);

    private static IdentificationResult? FromIndex(IServiceProvider services, Uri instanceUrl, string tenantId, IdentificationRules rules, string phone)
    {
        if (services.GetRequiredService<CallerIndexes>().Ready(tenantId, rules, instanceUrl) is not { } ready) return null;
        return ready.Index.Identify(new InteractionState { InteractionId = "probe", Caller = new Caller(phone, null, null, null) }, ready.InstanceUrl, DateTimeOffset.UtcNow);
    }

    /// <summary>A call from this number through the pipeline: what its screen pop shows (null when nobody could be looked up).</summary>
    private static async Task<IdentificationResult?> CallAsync(TestHub hub, string tenantId, string interactionId, string phone)
    {
        using var sender = await EventSender.ForAsync(hub, tenantId);
        await sender.AcceptAsync(sender.Interaction(interactionId, phone: phone)[0]);
        await hub.RunPipelineAsync();
        return (await hub.Services.GetRequiredService<InteractionStore>().GetAsync(tenantId, interactionId, Ct))!.ParsedIdentification;
    }

    /// <summary>
    /// Changes made in Salesforce, each found in the index within seconds through its change events: a contact created, one renumbered
    /// (found by its new number, not its old one, keeping its name), one deleted, a lead created and then converted (its contact popped,
    /// the converted lead no longer).
    /// </summary>
    private static async Task FollowsChangesAsync(TestHub hub, string tenantId, IdentificationRules rules, string ada, string adaNumber)
    {
        var linus = hub.CreateRecord("Contact", new() { ["FirstName"] = "Linus", ["LastName"] = "Pauling", ["MobilePhone"] = "+1 628 555 0199" });
        await UntilAsync(() => FromIndex(hub, tenantId, rules, "+16285550199")?.Single?.Id == linus, "a contact created in Salesforce is found by its number");
        FromIndex(hub, tenantId, rules, "+16285550199")!.Single!.Name.ShouldBe("Linus Pauling");
        var name = FromIndex(hub, tenantId, rules, adaNumber)!.Single!.Name;
        hub.UpdateRecord(ada, new() { ["Phone"] = "+1 415 555 0142" });
        await UntilAsync(() => FromIndex(hub, tenantId, rules, "+14155550142")?.Single?.Id == ada, "a renumbered contact is found by its new number");
        FromIndex(hub, tenantId, rules, adaNumber)!.Outcome.ShouldBe(IdentificationResult.None, "and no longer by its old one");
        FromIndex(hub, tenantId, rules, "+14155550142")!.Single!.Name.ShouldBe(name, "a change of number keeps the name");
        hub.DeleteRecord(linus);
        await UntilAsync(() => FromIndex(hub, tenantId, rules, "+16285550199")?.Outcome == IdentificationResult.None, "a deleted contact is no longer popped");
        // A lead converted into a contact of another number: the converted lead is popped no more (the contact by its own number).
        var lead = hub.CreateRecord("Lead", new() { ["FirstName"] = "Rosalind", ["LastName"] = "Franklin", ["Company"] = "King's College", ["Phone"] = "+1 628 555 0123" });
        await UntilAsync(() => FromIndex(hub, tenantId, rules, "+16285550123")?.Single?.Id == lead, "a new lead is popped");
        var college = hub.CreateRecord("Account", new() { ["Name"] = "King's College" });
        var contact = hub.CreateRecord("Contact", new() { ["FirstName"] = "Rosalind", ["LastName"] = "Franklin", ["AccountId"] = college, ["Phone"] = "+1 628 555 0124" });
        await UntilAsync(() => FromIndex(hub, tenantId, rules, "+16285550124")?.Single?.Id == contact, "the contact is popped by its number");
        hub.ConvertLead(lead, college, contact);
        await UntilAsync(() => FromIndex(hub, tenantId, rules, "+16285550123")?.Outcome == IdentificationResult.None, "the converted lead is popped no more");
    }

    [Fact]
    public async Task Screen_pops_come_from_the_index_with_no_api_call_the_same_as_the_search_and_follow_contacts_created_renumbered_deleted_and_leads_converted()
    {
        await using var hub = await TestHub.StartAsync(pubSub: true);
        var tenant = await hub.LinkedTenantAsync();
        var ada = hub.CreateRecord("Contact", new() { ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["Phone"] = "+1 (415) 555-0100" });
        hub.CreateRecord("Contact", new() { ["FirstName"] = "Alan", ["LastName"] = "Turing", ["MobilePhone"] = "415.555.0101" });
        hub.CreateRecord("Contact", new() { ["FirstName"] = "Grace", ["LastName"] = "Hopper", ["HomePhone"] = "001 415 555 0101" });
        hub.CreateRecord("Lead", new() { ["LastName"] = "Hamilton", ["Company"] = "MIT", ["MobilePhone"] = "+44 20 7946 0000", ["Email"] = "margaret@mit.example" });

        await TurnOnAsync(hub, tenant.Id);
        await UntilAsync(() => Status(hub, tenant.Id)?.State == CallerIndexStatus.Ready, "the index is loaded");
        var status = Status(hub, tenant.Id)!;
        status.LoadApiCalls.ShouldBeInRange(2, 12, "a Bulk query job per object, not a call per record");
        var rules = (await hub.Services.GetRequiredService<LoggingSettingsStore>().GetAsync(tenant.Id, Ct)).Identification;

        await FollowsChangesAsync(hub, tenant.Id, rules, ada, "+14155550100");
        hub.UpdateRecord(ada, new() { ["LastName"] = "King" });
        await UntilAsync(() => FromIndex(hub, tenant.Id, rules, "+14155550142")?.Single?.Name == "Ada King", "a renamed contact is read again");
        // A field added in Salesforce changes the schema of the change events: the new one is read, and the events go on being applied.
        var org = hub.Emulator.State.DefaultOrg;
        lock (org.Sync) org.Schema.Require("Contact").Add(new ContactBridge.Emulator.Schema.FieldDef { Name = "Pronouns__c", Type = ContactBridge.Emulator.Schema.FieldType.String, Length = 40, Custom = true });
        var marie = hub.CreateRecord("Contact", new() { ["FirstName"] = "Marie", ["LastName"] = "Curie", ["Phone"] = "+1 628 555 0177", ["Pronouns__c"] = "she/her" });
        await UntilAsync(() => FromIndex(hub, tenant.Id, rules, "+16285550177")?.Single?.Id == marie, "a contact created after a schema change is found");

        // Interactions: identified as soon as they are folded, with no API call, and the same answers as the search gives.
        var callers = new[] { "+1 415 555 0142", "415 555 0101", "+44 20 7946 0000", "+1 628 555 0199", "+1 212 555 0000", "(415) 555-0100", "+1 628 555 0123" };
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        // Calls ringing (started): nothing to log yet, only who is calling.
        await sender.AcceptAsync(callers.Select((phone, i) => sender.Interaction($"call-{i}", phone: phone)[0]).ToArray());
        var calls = hub.Emulator.State.Log.LastSequence;
        var pipeline = hub.Services.GetRequiredService<ContactBridge.Outbox.InteractionPipeline>();
        await pipeline.RunOnceAsync(Ct);
        hub.Emulator.State.Log.ApiCalls(WellKnown.DefaultOrgKey, calls).ShouldBe(0, "no API call for a screen pop from the index");
        var interactions = hub.Services.GetRequiredService<InteractionStore>();
        var fromIndex = new List<IdentificationResult>();
        for (var i = 0; i < callers.Length; i++) fromIndex.Add((await interactions.GetAsync(tenant.Id, $"call-{i}", Ct))!.ParsedIdentification.ShouldNotBeNull());
        fromIndex.Select(r => r.Outcome).ShouldBe([IdentificationResult.One, IdentificationResult.Several, IdentificationResult.One, IdentificationResult.None,
            IdentificationResult.None, IdentificationResult.None, IdentificationResult.None], "a converted lead's number pops nobody, from the index and the search alike");

        var client = await hub.Services.GetRequiredService<SalesforceConnections>().ClientAsync(tenant.Id, Ct);
        var shapes = await hub.Services.GetRequiredService<ContactBridge.Outbox.SalesforceMetadata>().ShapesAsync(tenant.Id, client, rules.Objects.Select(o => o.Object), Ct);
        var states = callers.Select((phone, i) => new InteractionState { InteractionId = $"call-{i}", Caller = new Caller(phone, null, null, null) }).ToList();
        var searched = await hub.Services.GetRequiredService<CallerIdentifier>().IdentifyAsync(client, CallerIdentifier.ForOrg(rules, shapes), states, Ct);
        for (var i = 0; i < callers.Length; i++)
        {
            var (a, b) = (fromIndex[i], searched[$"call-{i}"]);
            (a.Outcome, a.MatchedBy, a.ScreenPop, string.Join(",", a.Matches.Select(m => $"{m.Object}/{m.Id}/{m.Name}")))
                .ShouldBe((b.Outcome, b.MatchedBy, b.ScreenPop, string.Join(",", b.Matches.Select(m => $"{m.Object}/{m.Id}/{m.Name}"))), $"caller {callers[i]}");
        }

        // The tenant's page says the index is ready and what it holds.
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/identification");
        page.Html.ShouldContain("id=\"caller-index-state\"");
        page.Html.ShouldShowText("Ready: screen pops are answered from 6 records");
        // Ada, Alan, Grace, Margaret's lead, Rosalind's contact and Marie: Linus deleted, Rosalind's lead converted.
    }

    [Fact]
    public async Task An_object_not_selected_for_change_data_capture_sets_the_index_aside_with_the_reason_and_the_search_answers()
    {
        var seed = TestHub.Seed();
        seed.Orgs[0].ChangeDataCapture = ["Contact", "Account"];
        // Tried again only after a long while here, so the page is read while it is set aside (not during the next try).
        await using var hub = await TestHub.StartAsync(seed: seed, pubSub: true, settings: new() { ["CallerIndex:RetryDelay"] = "00:10:00" });
        var tenant = await hub.LinkedTenantAsync();
        var ada = hub.CreateRecord("Contact", new() { ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["Phone"] = "+1 (415) 555-0100" });

        await TurnOnAsync(hub, tenant.Id);
        await UntilAsync(() => Status(hub, tenant.Id)?.State == CallerIndexStatus.Unavailable, "the index is set aside");
        Status(hub, tenant.Id)!.Reason.ShouldNotBeNull().ShouldContain("Change Data Capture");

        var found = (await CallAsync(hub, tenant.Id, "call-1", "415 555 0100"))!;
        found.Single.ShouldNotBeNull().Id.ShouldBe(ada, "the search answers while the index cannot");

        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/identification");
        page.Html.ShouldShowText("Unavailable, screen pops use the search");
        page.Html.ShouldShowText("Setup → Change Data Capture");
    }

    [Fact]
    public async Task A_change_event_that_cannot_be_read_sets_the_index_aside_the_search_answers_and_loaded_again_it_pops_by_the_change_it_missed()
    {
        // Tried again by itself only after a long while here: the page's "Load it again now" brings it back.
        await using var hub = await TestHub.StartAsync(pubSub: true, settings: new() { ["CallerIndex:RetryDelay"] = "00:10:00" });
        var tenant = await hub.LinkedTenantAsync();
        var ada = hub.CreateRecord("Contact", new() { ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["Phone"] = "+1 (415) 555-0100" });
        await TurnOnAsync(hub, tenant.Id);
        await UntilAsync(() => Status(hub, tenant.Id)?.State == CallerIndexStatus.Ready, "the index is loaded");
        var loadCalls = Status(hub, tenant.Id)!.LoadApiCalls;
        var rules = (await hub.Services.GetRequiredService<LoggingSettingsStore>().GetAsync(tenant.Id, Ct)).Identification;

        // Ada's new number comes in a change event that does not read under its schema.
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.MalformedEvent, PathContains = "ContactChangeEvent", Remaining = 1 });
        hub.UpdateRecord(ada, new() { ["Phone"] = "+1 415 555 0142" });
        await UntilAsync(() => Status(hub, tenant.Id)?.State == CallerIndexStatus.Unavailable, "the index is set aside");
        Status(hub, tenant.Id)!.Reason.ShouldNotBeNull().ShouldContain("could not be read");
        FromIndex(hub, tenant.Id, rules, "+14155550100").ShouldBeNull("a set-aside index answers nobody, not even by the number it knew");

        var found = (await CallAsync(hub, tenant.Id, "call-1", "415 555 0142"))!;
        found.Single.ShouldNotBeNull().Id.ShouldBe(ada, "the search answers, by the number the index missed");

        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/identification");
        page.Html.ShouldShowText("Unavailable, screen pops use the search");
        page.Html.ShouldShowText("could not be read");
        page.Html.ShouldShowText("It is tried again by itself every 10 minutes.");
        var reloaded = await portal.SubmitAsync(page, "caller-index-reload", new Dictionary<string, string>());
        reloaded.Status.ShouldBe(System.Net.HttpStatusCode.OK, reloaded.Html);
        reloaded.Html.ShouldShowText("The caller index is being loaded again.");
        await UntilAsync(() => Status(hub, tenant.Id)?.State == CallerIndexStatus.Ready, "the index is loaded again");
        Status(hub, tenant.Id)!.LoadApiCalls.ShouldBeGreaterThan(loadCalls, "loaded from the org: no stored snapshot knows the change it missed");
        FromIndex(hub, tenant.Id, rules, "+14155550142")!.Single.ShouldNotBeNull().Id.ShouldBe(ada);
        FromIndex(hub, tenant.Id, rules, "+14155550100")!.Outcome.ShouldBe(IdentificationResult.None);

        // The same through the API: how it is, and nothing to load again while it is ready.
        var (status, body) = await portal.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant.Id}/caller-index", null);
        status.ShouldBe(System.Net.HttpStatusCode.OK);
        body!["state"]!.GetValue<string>().ShouldBe(CallerIndexStatus.Ready);
        body["records"]!.GetValue<int>().ShouldBe(Status(hub, tenant.Id)!.Records);
        var again = await portal.SendJsonAsync(HttpMethod.Post, $"/api/v1/tenants/{tenant.Id}/caller-index/reload", null);
        again.Status.ShouldBe(System.Net.HttpStatusCode.Conflict);
        again.Body!["detail"]!.GetValue<string>().ShouldContain("not set aside");
        (await portal.GetAsync($"/tenants/{tenant.Id}/identification")).Html.ShouldNotContain("caller-index-reload", customMessage: "no button to load a ready index again");
        var other = await hub.Services.GetRequiredService<ContactBridge.Tenants.TenantStore>().CreateAsync("No Index Contact Center", Ct);
        var none = await portal.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{other.Id}/caller-index", null);
        none.Status.ShouldBe(System.Net.HttpStatusCode.NotFound);
        none.Body!["detail"]!.GetValue<string>().ShouldContain("Answer screen pops from a caller index");
    }

    [Fact]
    public async Task A_token_revoked_in_salesforce_sets_the_index_aside_and_a_number_it_can_no_longer_follow_is_never_popped_from_it()
    {
        await using var hub = await TestHub.StartAsync(pubSub: true, settings: new() { ["CallerIndex:RetryDelay"] = "00:10:00" });
        var tenant = await hub.LinkedTenantAsync();
        var ada = hub.CreateRecord("Contact", new() { ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["Phone"] = "+1 (415) 555-0100" });
        await TurnOnAsync(hub, tenant.Id);
        await UntilAsync(() => Status(hub, tenant.Id)?.State == CallerIndexStatus.Ready, "the index is loaded");

        // Someone revokes the hub's access in Salesforce and the session ends; then Ada's number changes, which the index cannot hear.
        hub.Emulator.State.OAuth.RevokeRefreshTokens(hub.Emulator.State.FindUser(ContactBridge.Emulator.Org.WellKnown.IntegrationUsername)!.Value.User.Id, null);
        hub.Emulator.State.OAuth.ExpireAllAccessTokens();
        hub.UpdateRecord(ada, new() { ["Phone"] = "+1 415 555 0142" });
        await UntilAsync(() => Status(hub, tenant.Id)?.State == CallerIndexStatus.Unavailable, "the index is set aside");
        Status(hub, tenant.Id)!.Reason.ShouldNotBeNull().ShouldContain("must link again");
        var rules = (await hub.Services.GetRequiredService<LoggingSettingsStore>().GetAsync(tenant.Id, Ct)).Identification;
        FromIndex(hub, tenant.Id, rules, "+14155550100").ShouldBeNull("a set-aside index answers nobody");

        // A call from Ada's old number: the search cannot run either (the link needs relinking), and Ada is not popped.
        var found = await CallAsync(hub, tenant.Id, "call-1", "415 555 0100");
        (found?.Matches ?? []).ShouldNotContain(m => m.Id == ada, "an index that stopped following Salesforce never answers");

        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/identification");
        page.Html.ShouldShowText("Unavailable, screen pops use the search");
    }

    [Fact]
    public async Task Turned_on_in_the_portal_the_index_is_built_and_a_change_of_rules_builds_it_again_for_the_new_fields()
    {
        await using var hub = await TestHub.StartAsync(pubSub: true);
        var tenant = await hub.LinkedTenantAsync();
        var alan = hub.CreateRecord("Contact", new() { ["FirstName"] = "Alan", ["LastName"] = "Turing", ["MobilePhone"] = "415.555.0101" });
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/identification");
        page = await portal.SubmitFormAsync(page, "rules-form", "#save-rules", f => f.Check("#callerIndex"));
        page.Html.ShouldShowText("Identification rules saved.");
        var store = hub.Services.GetRequiredService<LoggingSettingsStore>();
        var rules = (await store.GetAsync(tenant.Id, Ct)).Identification;
        rules.CallerIndex.ShouldBeTrue();
        var feed = hub.Services.GetRequiredService<CallerIndexFeed>();
        await feed.CheckAsync(Ct);
        await UntilAsync(() => FromIndex(hub, tenant.Id, rules, "+14155550101")?.Single?.Id == alan, "the index finds Alan by his mobile");

        // The mobile is no longer a field that identifies: the index built for the old rules no longer answers, one for the new ones does.
        var narrower = rules with { Objects = [new("Contact", ["Phone"], ["Email"]), .. rules.Objects.Skip(1)] };
        await store.SaveAsync(tenant.Id, (await store.GetAsync(tenant.Id, Ct)) with { Identification = narrower }, Ct);
        hub.Services.GetRequiredService<CallerIndexes>().Ready(tenant.Id, narrower, new Uri(hub.Emulator.InstanceUrl)).ShouldBeNull("an index answers only for the rules it was built for");
        await feed.CheckAsync(Ct);
        await UntilAsync(() => FromIndex(hub, tenant.Id, narrower, "+14155550101") is not null, "the index is built again for the new rules");
        FromIndex(hub, tenant.Id, narrower, "+14155550101")!.Outcome.ShouldBe(IdentificationResult.None);

        // Turned off: the index is dropped, the search answers.
        await store.SaveAsync(tenant.Id, (await store.GetAsync(tenant.Id, Ct)) with { Identification = narrower with { CallerIndex = false } }, Ct);
        await feed.CheckAsync(Ct);
        Status(hub, tenant.Id).ShouldBeNull();
        (await portal.GetAsync($"/tenants/{tenant.Id}/identification")).Html.ShouldNotContain("caller-index-state");
    }

    [Fact]
    public async Task Another_instance_or_a_restart_takes_the_stored_index_up_without_a_load_and_resumes_its_streams_after_the_stored_replay_ids()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var db = await TestDatabase.CreateAsync("postgresql");
        await using var first = await TestHub.StartAsync(db.ConnectionString, settings: new() { ["Hub:Key"] = key, ["CallerIndex:SnapshotInterval"] = "00:00:00" }, pubSub: true);
        // Keep-alives come often here, so every stream has a position to store soon.
        first.Emulator.State.PubSubKeepAlive = TimeSpan.FromMilliseconds(100);
        var tenant = await first.LinkedTenantAsync();
        var ada = first.CreateRecord("Contact", new() { ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["Phone"] = "+1 (415) 555-0100" });
        await TurnOnAsync(first, tenant.Id);
        await UntilAsync(() => Status(first, tenant.Id)?.SnapshotAt is not null, "the index is loaded and stored with its streams' positions");
        Status(first, tenant.Id)!.Source.ShouldBe("bulk");

        // The instance stops (a restart, a crash). Meanwhile Salesforce changes: a contact made, Ada renumbered.
        await first.Services.GetRequiredService<CallerIndexFeed>().DisposeAsync();
        var grace = first.CreateRecord("Contact", new() { ["FirstName"] = "Grace", ["LastName"] = "Hopper", ["MobilePhone"] = "+1 415 555 0177" });
        first.UpdateRecord(ada, new() { ["Phone"] = "+1 415 555 0142" });

        var before = first.Emulator.State.Log.LastSequence;
        var settings = new Dictionary<string, string?>(first.PubSubSettings) { ["CallerIndex:SnapshotInterval"] = "00:00:00" };
        await using var second = await first.AnotherInstanceAsync(db.ConnectionString!, key, settings);
        await second.Services.GetRequiredService<CallerIndexFeed>().CheckAsync(Ct);
        await UntilAsync(() => Status(second.Services, tenant.Id)?.State == CallerIndexStatus.Ready, "the other instance's index is ready");
        Status(second.Services, tenant.Id)!.Source.ShouldBe("snapshot");
        first.Emulator.State.Log.Entries(null, before).ShouldNotContain(e => e.Kind.StartsWith("bulk.", StringComparison.Ordinal), "no Bulk load: the stored index is taken up");

        // The streams resumed after the stored replay ids: what changed while nobody listened is in the index.
        var rules = (await first.Services.GetRequiredService<LoggingSettingsStore>().GetAsync(tenant.Id, Ct)).Identification;
        await UntilAsync(() => FromIndex(second.Services, new Uri(first.Emulator.InstanceUrl), tenant.Id, rules, "+14155550177")?.Single?.Id == grace, "the contact made meanwhile is found");
        await UntilAsync(() => FromIndex(second.Services, new Uri(first.Emulator.InstanceUrl), tenant.Id, rules, "+14155550142")?.Single?.Id == ada, "the renumbered contact is found by its new number");
        FromIndex(second.Services, new Uri(first.Emulator.InstanceUrl), tenant.Id, rules, "+14155550100")!.Outcome.ShouldBe(IdentificationResult.None);

        // Turned off, the stored index goes too: the org's data does not outlive its use.
        async Task<long> StoredAsync()
        {
            await using var c = await second.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct);
            return await Dapper.SqlMapper.ExecuteScalarAsync<long>(c, "SELECT COUNT(*) FROM caller_index_snapshots WHERE tenant_id = @id", new { id = tenant.Id });
        }
        (await StoredAsync()).ShouldBe(1);
        var store = second.Services.GetRequiredService<LoggingSettingsStore>();
        await store.SaveAsync(tenant.Id, (await store.GetAsync(tenant.Id, Ct)) with { Identification = rules with { CallerIndex = false } }, Ct);
        await second.Services.GetRequiredService<CallerIndexFeed>().CheckAsync(Ct);
        (await StoredAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Where_the_pub_sub_api_cannot_be_reached_the_changes_come_over_cometd_and_the_index_follows_them()
    {
        // The Pub/Sub API's address is a port nobody listens on (a firewall in the way, say).
        var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var hub = await TestHub.StartAsync(pubSub: true, settings: new() { ["Salesforce:PubSubEndpoint"] = $"https://127.0.0.1:{port}" });
        var tenant = await hub.LinkedTenantAsync();
        var ada = hub.CreateRecord("Contact", new() { ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["Phone"] = "+1 (415) 555-0100" });
        await TurnOnAsync(hub, tenant.Id);
        await UntilAsync(() => Status(hub, tenant.Id)?.State == CallerIndexStatus.Ready, "the index is loaded");
        Status(hub, tenant.Id)!.Transport.ShouldStartWith("cometd (the Pub/Sub API could not be reached");
        var rules = (await hub.Services.GetRequiredService<LoggingSettingsStore>().GetAsync(tenant.Id, Ct)).Identification;
        FromIndex(hub, tenant.Id, rules, "+14155550100")!.Single!.Id.ShouldBe(ada);

        await FollowsChangesAsync(hub, tenant.Id, rules, ada, "+14155550100");

        using var portal = await hub.SignInAsync();
        (await portal.GetAsync($"/tenants/{tenant.Id}/identification")).Html.ShouldShowText("over cometd (the Pub/Sub API could not be reached");
    }

    [Fact]
    public async Task A_change_made_while_the_index_loads_is_in_it_once_loaded_and_its_answers_follow_the_rules_of_now()
    {
        await using var hub = await TestHub.StartAsync(pubSub: true);
        var tenant = await hub.LinkedTenantAsync();
        var alan = hub.CreateRecord("Contact", new() { ["FirstName"] = "Alan", ["LastName"] = "Turing", ["MobilePhone"] = "415.555.0101" });
        var grace = hub.CreateRecord("Contact", new() { ["FirstName"] = "Grace", ["LastName"] = "Hopper", ["Phone"] = "415 555 0101" });
        // The Bulk API answers slowly, so the load takes a while; a contact is made in Salesforce while it runs.
        hub.Emulator.State.Faults.Add(new ContactBridge.Emulator.Org.FaultRule
        {
            Kind = ContactBridge.Emulator.Org.FaultKind.Latency, Latency = TimeSpan.FromMilliseconds(400), PathContains = "/jobs/query",
        });
        var before = hub.Emulator.State.Log.LastSequence;
        await TurnOnAsync(hub, tenant.Id);
        await UntilAsync(() => hub.Emulator.State.Log.Entries(null, before).Any(e => e.Kind == "bulk.create"), "the load has begun");
        var ada = hub.CreateRecord("Contact", new() { ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["Phone"] = "+1 415 555 0100" });
        Status(hub, tenant.Id)!.State.ShouldBe(CallerIndexStatus.Loading, "the contact was made while the index loaded");
        await UntilAsync(() => Status(hub, tenant.Id)?.State == CallerIndexStatus.Ready, "the index is loaded");
        var rules = (await hub.Services.GetRequiredService<LoggingSettingsStore>().GetAsync(tenant.Id, Ct)).Identification;
        FromIndex(hub, tenant.Id, rules, "+14155550100")!.Single.ShouldNotBeNull().Id.ShouldBe(ada, "the change the stream brought during the load is applied");

        // Several matches: the rule of now decides, without a new index (its contents are the same).
        FromIndex(hub, tenant.Id, rules, "+14155550101")!.Outcome.ShouldBe(IdentificationResult.Several);
        var store = hub.Services.GetRequiredService<LoggingSettingsStore>();
        var mostRecent = rules with { WhenSeveral = "most_recent", IvrRules = [new IvrRule("account", "Account", "AccountNumber")] };
        await store.SaveAsync(tenant.Id, (await store.GetAsync(tenant.Id, Ct)) with { Identification = mostRecent }, Ct);
        var ready = hub.Services.GetRequiredService<CallerIndexes>().Ready(tenant.Id, mostRecent, new Uri(hub.Emulator.InstanceUrl)).ShouldNotBeNull();
        var caller = new InteractionState { InteractionId = "c", Caller = new Caller("+14155550101", null, null, null) };
        ready.Index.Identify(caller, ready.InstanceUrl, DateTimeOffset.UtcNow, mostRecent).Single.ShouldNotBeNull().Id.ShouldBeOneOf(alan, grace);
        // A caller with an IVR input the rules of now look up first is not the index's to answer: the search does.
        ready.Index.Serves(caller with { Ivr = new Dictionary<string, string> { ["account"] = "A-1" } }, mostRecent).ShouldBeFalse();
        ready.Index.Serves(caller, mostRecent).ShouldBeTrue();
    }
}
