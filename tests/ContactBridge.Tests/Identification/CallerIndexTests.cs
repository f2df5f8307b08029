using System.Text.Json.Nodes;
using ContactBridge.Identification;
using ContactBridge.Interactions;
using ContactBridge.Linking;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Identification;

/// <summary>The caller index, loaded by Bulk API from the org, answers every caller as the search path does.</summary>
public sealed class CallerIndexTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Loaded_by_bulk_query_the_index_gives_every_caller_the_same_answer_as_the_search_and_follows_changes_record_by_record()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        var rules = new IdentificationRules
        {
            Objects = [new("Contact", ["Phone", "MobilePhone", "HomePhone"], ["Email"]), new("Lead", ["Phone", "MobilePhone"], ["Email"]), new("Account", ["Phone"], [])],
        };
        string Make(string sobject, JsonObject fields) => hub.CreateRecord(sobject, fields);
        var ada = Make("Contact", new() { ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["Phone"] = "+1 (415) 555-0100", ["Email"] = "Ada@Example.com" });
        Make("Contact", new() { ["FirstName"] = "Alan", ["LastName"] = "Turing", ["MobilePhone"] = "415.555.0101" });
        Make("Contact", new() { ["FirstName"] = "Grace", ["LastName"] = "Hopper", ["HomePhone"] = "001 415 555 0101" }); // the same number as Alan's
        Make("Lead", new() { ["LastName"] = "Shannon", ["Company"] = "Bell Labs", ["Phone"] = "+1 415 555 0100" }); // Ada's number: the contact wins
        Make("Lead", new() { ["LastName"] = "Hamilton", ["Company"] = "MIT", ["MobilePhone"] = "+44 20 7946 0000", ["Email"] = "margaret@mit.example" });
        Make("Account", new() { ["Name"] = "Acme", ["Phone"] = "+1 628 555 0142" });
        Make("Contact", new() { ["LastName"] = "No Phone", ["Email"] = "nobody@example.com" });

        var client = await hub.Services.GetRequiredService<SalesforceConnections>().ClientAsync(tenant.Id, Ct);
        var calls = hub.Emulator.State.Log.LastSequence;
        var (index, apiCalls) = await CallerIndex.LoadAsync(client, rules, hub.Clock, TimeSpan.FromMilliseconds(20), Ct);
        apiCalls.ShouldBe(hub.Emulator.State.Log.ApiCalls("default", calls));
        apiCalls.ShouldBeLessThanOrEqualTo(3 * 4, "a Bulk query job per object: create, a poll or two, the results");
        index.Records.ShouldBe(7);

        var callers = new (string? Phone, string? Email)[]
        {
            ("+14155550100", null), ("(415) 555-0100", null), ("+14155550101", null), ("+442079460000", null), (null, "MARGARET@mit.example"), ("+16285550142", null),
            ("+19995550000", null), (null, "ada@example.com"), (null, "nobody@example.com"), ("+14155550199", "ada@example.com"), ("not a number", null), (null, null),
        };
        var interactions = callers.Select((c, i) => new InteractionState { InteractionId = $"i{i}", Caller = new Caller(c.Phone, c.Email, null, null) }).ToList();
        foreach (var whenSeveral in new[] { "screen_pop_search", "most_recent" })
        {
            var asked = rules with { WhenSeveral = whenSeveral };
            var searched = await hub.Services.GetRequiredService<CallerIdentifier>().IdentifyAsync(client, asked, interactions, Ct);
            var (loaded, _) = await CallerIndex.LoadAsync(client, asked, hub.Clock, TimeSpan.FromMilliseconds(20), Ct);
            foreach (var i in interactions)
            {
                var fromIndex = loaded.Identify(i, client.Session.InstanceUrl.ToString(), searched[i.InteractionId].At);
                fromIndex.ShouldBe(searched[i.InteractionId] with { Matches = fromIndex.Matches }, $"{whenSeveral}: {i.Caller}");
                fromIndex.Matches.ShouldBe(searched[i.InteractionId].Matches, $"{whenSeveral}: {i.Caller}");
            }
        }
        index.Identify(interactions[0], "https://x", DateTimeOffset.UnixEpoch).Single!.Id.ShouldBe(ada, "the contact before the lead with the same number");
        index.Identify(interactions[2], "https://x", DateTimeOffset.UnixEpoch).Outcome.ShouldBe(IdentificationResult.Several, "Alan and Grace share a number");

        // Written and read back (a snapshot): the same records, the same answers.
        using (var snapshot = new MemoryStream())
        {
            index.WriteTo(snapshot);
            snapshot.Position = 0;
            var copy = CallerIndex.ReadFrom(snapshot, rules);
            (copy.Records, copy.ApproximateBytes).ShouldBe((index.Records, index.ApproximateBytes));
            foreach (var i in interactions)
            {
                string Answer(CallerIndex from) => from.Identify(i, "https://x", DateTimeOffset.UnixEpoch) is var r
                    ? $"{r.Outcome} {r.MatchedBy} {string.Join(",", r.Matches.Select(m => $"{m.Object}/{m.Id}/{m.Name}"))}" : "";
                Answer(copy).ShouldBe(Answer(index), i.Caller.ToString());
            }
        }

        // A record re-numbered, and one deleted: the index follows.
        index.Put(rules.Objects[0], ada, "Ada Lovelace", DateTimeOffset.UtcNow.ToString("O"), f => f == "Phone" ? "+1 415 555 0177" : null);
        index.Identify(interactions[0], "https://x", DateTimeOffset.UnixEpoch).Single!.Object.ShouldBe("Lead", "Ada's old number is now only the lead's");
        index.Identify(new InteractionState { InteractionId = "new", Caller = new Caller("415-555-0177", null, null, null) }, "https://x", DateTimeOffset.UnixEpoch).Single!.Id.ShouldBe(ada);
        index.Remove(ada);
        index.Identify(new InteractionState { InteractionId = "gone", Caller = new Caller("415-555-0177", null, null, null) }, "https://x", DateTimeOffset.UnixEpoch)
            .Outcome.ShouldBe(IdentificationResult.None);
    }

    /// <summary>A change event as the Pub/Sub API delivers it, encoded under the emulator's schema of the entity's topic and read back.</summary>
    private static ContactBridge.Salesforce.PubSub.ChangeEvent Event(TestHub hub, string entity, string changeType, string[] ids, JsonObject fields, string[]? changed = null,
        DateTimeOffset? modified = null)
    {
        var org = hub.Emulator.State.DefaultOrg;
        ContactBridge.Emulator.PubSub.EventSchemas.Built built;
        lock (org.Sync) built = ContactBridge.Emulator.PubSub.EventSchemas.For(org, $"/data/{entity}ChangeEvent")!;
        var payload = (JsonObject)fields.DeepClone();
        payload["ChangeEventHeader"] = new JsonObject
        {
            ["entityName"] = entity, ["recordIds"] = new JsonArray(ids.Select(i => (JsonNode)i).ToArray()), ["changeType"] = changeType,
            ["commitTimestamp"] = (modified ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds(),
            ["changedFields"] = new JsonArray((changed ?? []).Select(c => (JsonNode)c).ToArray()), ["nulledFields"] = new JsonArray(), ["diffFields"] = new JsonArray(),
        };
        payload["LastModifiedDate"] = (modified ?? DateTimeOffset.UtcNow).ToString("O");
        var bytes = ContactBridge.Emulator.PubSub.EventSchemas.Encode(built, payload);
        var record = new Avro.Generic.GenericDatumReader<Avro.Generic.GenericRecord>(built.Schema, built.Schema).Read(null!, new Avro.IO.BinaryDecoder(new MemoryStream(bytes)));
        return ContactBridge.Salesforce.PubSub.ChangeEvent.Read(record);
    }

    [Fact]
    public async Task Change_events_are_applied_by_what_they_tell_gaps_and_renames_are_read_again_an_overflow_reloads_and_stale_or_foreign_events_change_nothing()
    {
        await using var hub = await TestHub.StartAsync();
        var rules = new IdentificationRules { Objects = [new("Contact", ["Phone", "MobilePhone"], ["Email"]), new("Lead", ["Phone"], [])] };
        var index = new CallerIndex(rules);
        var now = DateTimeOffset.UtcNow;
        var ada = "003000000000001AAA";
        IdentificationResult Pop(string phone) => index.Identify(new InteractionState { InteractionId = "p", Caller = new Caller(phone, null, null, null) }, "https://x", now);

        // Created: every field told, the name joined from its parts.
        index.Apply(Event(hub, "Contact", "CREATE", [ada], new() { ["Name"] = new JsonObject { ["FirstName"] = "Ada", ["LastName"] = "Lovelace" }, ["Phone"] = "415 555 0100" },
            modified: now)).ShouldSatisfyAllConditions(o => o.Reload.ShouldBeFalse(), o => o.Reread.ShouldBeEmpty());
        Pop("+14155550100").Single.ShouldNotBeNull().Name.ShouldBe("Ada Lovelace");
        // An update tells only its fields: the mobile added, the office number kept.
        index.Apply(Event(hub, "Contact", "UPDATE", [ada], new() { ["MobilePhone"] = "415 555 0111" }, ["MobilePhone", "LastModifiedDate"], now.AddSeconds(1))).Reread.ShouldBeEmpty();
        (Pop("+14155550100").Single?.Id, Pop("+14155550111").Single?.Id).ShouldBe((ada, ada));
        // An event older than what the index holds (made before the load read the record) changes nothing.
        index.Apply(Event(hub, "Contact", "UPDATE", [ada], new() { ["Phone"] = "415 555 0999" }, ["Phone", "LastModifiedDate"], now.AddSeconds(-5)));
        Pop("+14155550999").Outcome.ShouldBe(IdentificationResult.None);
        // A part of the name changed: the event has that part only, so the record is read again.
        index.Apply(Event(hub, "Contact", "UPDATE", [ada], new() { ["Name"] = new JsonObject { ["LastName"] = "King" } }, ["Name.LastName", "LastModifiedDate"], now.AddSeconds(2)))
            .Reread.ShouldBe([ada]);
        // Gaps say which records changed, not how: read again; a deleted one's gap takes it out at once.
        index.Apply(Event(hub, "Contact", "GAP_UPDATE", [ada, "003000000000002AAA"], [], modified: now.AddSeconds(3))).Reread.ShouldBe([ada, "003000000000002AAA"]);
        index.Apply(Event(hub, "Contact", "GAP_DELETE", [ada], [], modified: now.AddSeconds(4))).Reread.ShouldBeEmpty();
        Pop("+14155550100").Outcome.ShouldBe(IdentificationResult.None);
        // A record the index did not hold that gets a number is read again (its name is not in the event); one without stays out.
        index.Apply(Event(hub, "Lead", "UPDATE", ["00Q000000000001AAA"], new() { ["Phone"] = "415 555 0123" }, ["Phone", "LastModifiedDate"])).Reread.ShouldBe(["00Q000000000001AAA"]);
        index.Apply(Event(hub, "Lead", "UPDATE", ["00Q000000000002AAA"], new() { ["Company"] = "Acme" }, ["Company", "LastModifiedDate"])).Reread.ShouldBeEmpty();
        // A lead converted: out of the index (the contact it became has its own event), whatever else the event says.
        var hamilton = "00Q000000000003AAA";
        index.Apply(Event(hub, "Lead", "CREATE", [hamilton], new() { ["Name"] = new JsonObject { ["LastName"] = "Hamilton" }, ["Company"] = "MIT", ["Phone"] = "415 555 0177" },
            modified: now));
        Pop("+14155550177").Single?.Id.ShouldBe(hamilton);
        index.Apply(Event(hub, "Lead", "UPDATE", [hamilton], new() { ["IsConverted"] = true, ["Status"] = "Closed - Converted" }, ["IsConverted", "Status", "LastModifiedDate"],
            now.AddSeconds(1))).Reread.ShouldBeEmpty();
        Pop("+14155550177").Outcome.ShouldBe(IdentificationResult.None, "a converted lead is no caller");
        // Too many changes to send one by one: the object is loaded again.
        index.Apply(Event(hub, "Lead", "GAP_OVERFLOW", [], [])).ShouldSatisfyAllConditions(o => o.Reload.ShouldBeTrue(), o => o.Object.ShouldBe("Lead"));
        // An object the rules do not name is none of the index's business.
        index.Apply(Event(hub, "Account", "CREATE", ["001000000000001AAA"], new() { ["Name"] = "Acme", ["Phone"] = "415 555 0100" })).ShouldBe(ChangeOutcome.Ignored);
        index.Records.ShouldBe(0);
    }

    [Fact]
    public void An_index_whose_change_stream_stays_down_past_its_limit_stops_answering_until_the_stream_is_back()
    {
        var clock = new ManualClock();
        var indexes = new CallerIndexes(clock, Microsoft.Extensions.Options.Options.Create(new CallerIndexOptions { StaleAfter = TimeSpan.FromMinutes(1) }));
        var rules = new IdentificationRules { Objects = [new("Contact", ["Phone"], [])] };
        var instance = new Uri("https://acme.my.salesforce.com/");
        var entry = indexes.Begin("t-1", CallerIndexes.Fingerprint(rules));
        (entry.Index, entry.InstanceUrl, entry.State) = (new CallerIndex(rules), instance.ToString(), CallerIndexStatus.Ready);
        indexes.Ready("t-1", rules, instance).ShouldNotBeNull();

        // A stream drops: the index answers on while it is briefly down (nothing it holds is old yet), not past the limit.
        entry.StreamsDown["/data/ContactChangeEvent"] = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromSeconds(59));
        indexes.Ready("t-1", rules, instance).ShouldNotBeNull("down for less than a minute");
        clock.Advance(TimeSpan.FromSeconds(2));
        indexes.Ready("t-1", rules, instance).ShouldBeNull("down for longer: what it holds may be out of date");
        var status = indexes.StatusOf("t-1")!;
        (status.State, status.Reason).ShouldBe((CallerIndexStatus.Unavailable, $"Its change stream has been down since {clock.GetUtcNow().AddSeconds(-61):u}; it resumes where it stopped when the stream is back."));

        // Back (resumed from its last replay id, so nothing was missed): it answers again.
        entry.StreamsDown.Clear();
        indexes.Ready("t-1", rules, instance).ShouldNotBeNull();
        indexes.StatusOf("t-1")!.State.ShouldBe(CallerIndexStatus.Ready);
    }
}
