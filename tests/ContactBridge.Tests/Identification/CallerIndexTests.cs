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

        // A record re-numbered, and one deleted: the index follows.
        index.Put(rules.Objects[0], ada, "Ada Lovelace", DateTimeOffset.UtcNow.ToString("O"), f => f == "Phone" ? "+1 415 555 0177" : null);
        index.Identify(interactions[0], "https://x", DateTimeOffset.UnixEpoch).Single!.Object.ShouldBe("Lead", "Ada's old number is now only the lead's");
        index.Identify(new InteractionState { InteractionId = "new", Caller = new Caller("415-555-0177", null, null, null) }, "https://x", DateTimeOffset.UnixEpoch).Single!.Id.ShouldBe(ada);
        index.Remove(ada);
        index.Identify(new InteractionState { InteractionId = "gone", Caller = new Caller("415-555-0177", null, null, null) }, "https://x", DateTimeOffset.UnixEpoch)
            .Outcome.ShouldBe(IdentificationResult.None);
    }
}
