using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Logging;

/// <summary>
/// A contact center that lost track of what it delivered sends its whole day again, in its own batches
/// and order: nothing is logged twice, Salesforce is not called for any of it, and the Activity page says
/// what happened.
/// </summary>
public sealed class ReplayedDayTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_replayed_day_logs_nothing_twice_costs_no_salesforce_call_and_is_reported(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);

        // The day: 300 calls and chats, sent as they happened, ten interactions a batch.
        const int Interactions = 300;
        var day = Enumerable.Range(0, Interactions).Select(n => n % 3 == 0
            ? sender.Interaction($"chat-{n:D4}", channel: "web_chat", phone: null, email: $"chat{n}@customers.example", messages: ["Hello", "Hi, how can I help?"])
            : sender.Interaction($"call-{n:D4}", phone: $"+1 415 555 {n:D4}")).ToList();
        foreach (var batch in day.Chunk(10)) await sender.AcceptAsync(batch.SelectMany(i => i).ToArray());
        await hub.RunPipelineAsync();
        hub.Records("Task").Count.ShouldBe(Interactions);
        var before = hub.Emulator.State.Log.LastSequence;
        var eventsOfTheDay = day.Sum(i => i.Length);

        // The replay: the same events, newest first and in other batches.
        long repeated = 0;
        foreach (var batch in day.SelectMany(i => i).Reverse().Chunk(45))
        {
            var (status, answer) = await sender.SendAsync(new JsonArray(batch.Select(e => (JsonNode)e.DeepClone()).ToArray()).ToJsonString());
            status.ShouldBe(HttpStatusCode.Accepted);
            answer!["accepted"]!.GetValue<int>().ShouldBe(0);
            repeated += answer["duplicates"]!.GetValue<int>();
        }
        repeated.ShouldBe(eventsOfTheDay);
        await hub.RunPipelineAsync();

        hub.Records("Task").Count.ShouldBe(Interactions, "nothing logged twice");
        hub.Emulator.State.Log.Entries(WellKnown.DefaultOrgKey, before).ShouldBeEmpty("a replay costs Salesforce nothing");
        using var portal = await hub.SignInAsync();
        var activity = (await portal.GetAsync($"/tenants/{tenant.Id}/activity")).Html;
        activity.ShouldContain($"Today (UTC): {eventsOfTheDay:N0} new event(s) received, and {eventsOfTheDay:N0} the hub already had");
        activity.ShouldContain("nothing was logged twice");
    }
}
