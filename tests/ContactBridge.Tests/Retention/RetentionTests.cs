using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Retention;
using ContactBridge.Storage;
using ContactBridge.Tests.Support;
using Dapper;

namespace ContactBridge.Tests.Retention;

/// <summary>Old data goes, so a hub running for months keeps its latency; nothing still needed goes with it.</summary>
public sealed class RetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<long> CountAsync(TestHub hub, string sql)
    {
        await using var c = await hub.Services.GetRequiredService<HubDatabase>().OpenAsync(Ct);
        return await c.ExecuteScalarAsync<long>(sql);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Finished_interactions_are_pruned_with_their_events_and_writes_and_nothing_waiting_or_open_is(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString, settings: new() { ["Retention:LinkActivity"] = "10.00:00:00", ["Retention:BatchSize"] = "1" });
        var tenant = await hub.LinkedTenantAsync("Acme");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var done1 = sender.Interaction("call-done-1", phone: "+1 415 555 0101");
        await sender.AcceptAsync(done1);
        await sender.AcceptAsync(sender.Interaction("call-done-2", phone: "+1 415 555 0102"));
        await sender.AcceptAsync(sender.Event("call-open", "started", new JsonObject { ["channel"] = "voice", ["caller"] = new JsonObject { ["phone"] = "+1 415 555 0103" } }));
        await hub.RunPipelineAsync();
        // One interaction whose write Salesforce keeps refusing for now: it waits in the outbox.
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503, PathContains = "/composite" });
        await sender.AcceptAsync(sender.Interaction("call-waiting", phone: "+1 415 555 0104"));
        await hub.RunPipelineAsync();
        hub.Emulator.State.Faults.Clear();
        hub.Records("Task").Count.ShouldBe(2);
        var worker = hub.Services.GetRequiredService<RetentionWorker>();

        (await worker.PruneAsync(Ct)).Total.ShouldBe(0, "nothing is old yet");
        hub.Clock.Advance(TimeSpan.FromDays(31));
        var pruned = await worker.PruneAsync(Ct);

        pruned.Interactions.ShouldBe(2, "the two written interactions, a batch of one at a time");
        pruned.Events.ShouldBe(6, "their three events each");
        pruned.Writes.ShouldBe(2);
        pruned.LinkActivity.ShouldBeGreaterThan(0);
        (await CountAsync(hub, "SELECT COUNT(*) FROM interactions")).ShouldBe(2, "the open one and the waiting one stay");
        (await CountAsync(hub, "SELECT COUNT(*) FROM inbox_events WHERE interaction_id IN ('call-done-1', 'call-done-2')")).ShouldBe(0);
        (await CountAsync(hub, "SELECT COUNT(*) FROM inbox_events WHERE interaction_id IN ('call-open', 'call-waiting')")).ShouldBe(4);
        (await CountAsync(hub, "SELECT COUNT(*) FROM outbox WHERE interaction_id = 'call-waiting' AND state = 'pending'")).ShouldBe(1);
        (await CountAsync(hub, "SELECT COUNT(*) FROM link_events")).ShouldBe(0);

        // The contact center replays a pruned interaction: it is logged again onto the same records, not doubled.
        await sender.AcceptAsync(done1);
        await hub.RunPipelineAsync();
        hub.Records("Task").Count(t => t.GetString("CallObject") == "call-done-1").ShouldBe(1);
        hub.Records("Task").Count(t => t.GetString("CallObject") == "call-waiting").ShouldBe(1, "the waiting write went once Salesforce answered");
    }

    [Fact]
    public async Task Set_aside_events_stay_until_an_administrator_acts_and_discarded_ones_are_pruned()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync("Acme");
        var inbox = hub.Services.GetRequiredService<ContactBridge.Intake.InboxStore>();
        foreach (var id in new[] { "bad-1", "bad-2" })
            await inbox.AppendAsync(tenant.Id, [new ContactBridge.Intake.InteractionEvent(id, "/t", ContactBridge.Intake.InteractionEvent.TypePrefix + "note_added", "call-" + id, hub.Clock.GetUtcNow(), [])], Ct);
        await using (var c = await hub.Services.GetRequiredService<HubDatabase>().OpenAsync(Ct))
            await c.ExecuteAsync("UPDATE inbox_events SET data = '{\"note\":\"a string\"}'");
        await hub.RunPipelineAsync();
        var setAside = await inbox.QuarantinedAsync(tenant.Id, 10, Ct);
        setAside.Count.ShouldBe(2);
        (await inbox.DiscardQuarantinedAsync(tenant.Id, setAside[0].Seq, Ct)).ShouldBeTrue();

        hub.Clock.Advance(TimeSpan.FromDays(365));
        var pruned = await hub.Services.GetRequiredService<RetentionWorker>().PruneAsync(Ct);

        pruned.DiscardedEvents.ShouldBe(1);
        (await inbox.QuarantinedAsync(tenant.Id, 10, Ct)).ShouldHaveSingleItem().EventId.ShouldBe(setAside[1].EventId, "still set aside, waiting for the administrator");
    }
}
