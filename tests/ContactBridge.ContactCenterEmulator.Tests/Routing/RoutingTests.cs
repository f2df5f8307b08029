using ContactBridge.ContactCenterEmulator.Tests.Support;

namespace ContactBridge.ContactCenterEmulator.Tests.Routing;

public sealed class RoutingTests
{
    [Fact]
    public async Task Queued_contacts_go_to_the_longest_idle_available_agent_with_the_skill()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        // Idle order: ag-2 first, then ag-3, then ag-1; ag-4 is available longest but lacks the skill.
        await cc.AvailableAsync("ag-4");
        foreach (var agent in new[] { "ag-2", "ag-3", "ag-1" })
        {
            cc.Clock.Advance(TimeSpan.FromSeconds(10));
            await cc.AvailableAsync(agent);
        }
        var mark = await cc.LastSeqAsync();
        var first = await cc.CallAsync();
        var second = await cc.CallAsync();
        var third = await cc.CallAsync();
        var fourth = await cc.CallAsync();

        (await cc.LinesAfterAsync(mark)).Where(l => l.StartsWith("offered", StringComparison.Ordinal)).ShouldBe([
            $"offered {first} ag-2", $"offered {second} ag-3", $"offered {third} ag-1",
        ]);
        var fourthContact = await cc.ContactAsync(fourth);
        fourthContact["phase"]!.GetValue<string>().ShouldBe("queued");
        var sales = (await cc.StateAsync())["queues"]!.AsArray().Single(q => q!["skill"]!.GetValue<string>() == "sales")!;
        sales["waiting"]!.GetValue<int>().ShouldBe(1);
        // Offered agents stay available (reserved), and are offered nothing else.
        (await cc.AgentAsync("ag-2"))["state"]!.GetValue<string>().ShouldBe("available");
        (await cc.AgentAsync("ag-2"))["reservedContactId"]!.GetValue<string>().ShouldBe(first);
    }

    [Fact]
    public async Task An_agent_freed_by_a_contact_end_takes_the_longest_waiting_contact()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme(wrapUpSeconds: 0));
        await cc.AvailableAsync("ag-1");
        var busy = await cc.CallAsync();
        await cc.AcceptedAsync("ag-1", "accept", new { interactionId = busy });
        var older = await cc.CallAsync();
        cc.Clock.Advance(TimeSpan.FromSeconds(5));
        _ = await cc.CallAsync();
        await cc.AcceptedAsync("ag-1", "hangup", new { interactionId = busy });
        await cc.TickAsync(TimeSpan.FromSeconds(1));
        (await cc.AgentAsync("ag-1"))["reservedContactId"]!.GetValue<string>().ShouldBe(older);
    }

    [Fact]
    public async Task Ring_timeout_requeues_the_contact_at_the_head_and_makes_the_agent_unavailable_missed()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        await cc.AvailableAsync("ag-1");
        var call = await cc.CallAsync();
        var later = await cc.CallAsync();
        await cc.TickAsync(TimeSpan.FromSeconds(19));
        (await cc.ContactAsync(call))["phase"]!.GetValue<string>().ShouldBe("offered");

        var mark = await cc.LastSeqAsync();
        await cc.TickAsync(TimeSpan.FromSeconds(1));
        (await cc.LinesAfterAsync(mark)).ShouldBe(["state_changed ag-1 unavailable (Missed)"]);
        (await cc.ContactAsync(call))["phase"]!.GetValue<string>().ShouldBe("queued");
        var sales = (await cc.StateAsync())["queues"]!.AsArray().Single(q => q!["skill"]!.GetValue<string>() == "sales")!;
        sales["contactIds"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe([call, later]);

        // The next agent to become available gets it.
        await cc.AvailableAsync("ag-2");
        (await cc.AgentAsync("ag-2"))["reservedContactId"]!.GetValue<string>().ShouldBe(call);
    }

    [Fact]
    public async Task Declined_contact_goes_to_another_agent_and_never_back_to_the_one_who_declined()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        await cc.AvailableAsync("ag-1");
        var call = await cc.CallAsync();
        var mark = await cc.LastSeqAsync();
        await cc.AcceptedAsync("ag-1", "decline", new { interactionId = call, reason = "Not now" });
        (await cc.AgentAsync("ag-1"))["state"]!.GetValue<string>().ShouldBe("available");
        (await cc.ContactAsync(call))["phase"]!.GetValue<string>().ShouldBe("queued");
        await cc.AvailableAsync("ag-2");
        (await cc.LinesAfterAsync(mark)).Where(l => l.StartsWith("offered", StringComparison.Ordinal)).ShouldBe([$"offered {call} ag-2"]);
        (await cc.RefusedAsync("ag-1", "accept", new { interactionId = call })).ShouldBe("no_such_contact");
    }

    [Fact]
    public async Task Caller_abandons_when_patience_runs_out_and_a_ringing_offer_is_withdrawn()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        var queued = await cc.CallAsync(patienceSeconds: 30);
        await cc.TickAsync(TimeSpan.FromSeconds(29));
        (await cc.ContactAsync(queued))["phase"]!.GetValue<string>().ShouldBe("queued");
        var mark = await cc.LastSeqAsync();
        await cc.TickAsync(TimeSpan.FromSeconds(1));
        var ended = (await cc.EventsAsync(mark)).Single();
        ended.Line.ShouldBe($"ended {queued} abandoned");
        ended.Data["durationSeconds"]!.GetValue<long>().ShouldBe(30);
        ended.Data["startedAt"]!.GetValue<string>().ShouldBe("2026-12-04T10:00:00.000Z");
        ended.Data["endedAt"]!.GetValue<string>().ShouldBe("2026-12-04T10:00:30.000Z");

        await cc.AvailableAsync("ag-1");
        var ringing = await cc.CallAsync(patienceSeconds: 5);
        (await cc.AgentAsync("ag-1"))["reservedContactId"]!.GetValue<string>().ShouldBe(ringing);
        await cc.TickAsync(TimeSpan.FromSeconds(5));
        (await cc.ContactAsync(ringing))["outcome"]!.GetValue<string>().ShouldBe("abandoned");
        var agent = await cc.AgentAsync("ag-1");
        agent["reservedContactId"].ShouldBeNull();
        agent["state"]!.GetValue<string>().ShouldBe("available");
    }

    [Fact]
    public async Task Queue_snapshots_are_sent_when_counters_change_and_every_five_seconds()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        await cc.TickAsync(TimeSpan.Zero);
        var mark = await cc.LastSeqAsync();
        await cc.TickAsync(TimeSpan.FromSeconds(1));
        (await cc.EventsAsync(mark, snapshots: true)).ShouldBeEmpty();

        await cc.CallAsync();
        await cc.CallAsync();
        await cc.TickAsync(TimeSpan.FromSeconds(1));
        var changed = (await cc.EventsAsync(mark, snapshots: true)).Where(e => e.Type == "com.contactbridge.queue.snapshot").ToList();
        changed.Select(e => e.Subject).ShouldBe(["sales"]);
        changed[0].Data["waiting"]!.GetValue<int>().ShouldBe(2);
        changed[0].Data["longestWaitSeconds"]!.GetValue<int>().ShouldBe(1);
        changed[0].Data["name"]!.GetValue<string>().ShouldBe("Sales");
        changed[0].Data["channel"]!.GetValue<string>().ShouldBe("phone");

        mark = await cc.LastSeqAsync();
        await cc.TickAsync(TimeSpan.FromSeconds(3));
        (await cc.EventsAsync(mark, snapshots: true)).Select(e => e.Subject).ShouldBe(["sales", "support", "mail"]);
    }
}
