using System.Globalization;
using ContactBridge.ContactCenterEmulator.Tests.Support;

namespace ContactBridge.ContactCenterEmulator.Tests.Agents;

public sealed class AgentTests
{
    [Fact]
    public async Task Login_and_set_state_available_emit_the_agent_events_in_order()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        var mark = await cc.LastSeqAsync();
        await cc.AcceptedAsync("ag-1", "login", new { station = "2001" });
        cc.Clock.Advance(TimeSpan.FromSeconds(3));
        await cc.AcceptedAsync("ag-1", "set_state", new { state = "available" });

        var events = await cc.EventsAsync(mark);
        events.Select(e => e.Line).ShouldBe([
            "logged_in ag-1",
            "skills_assigned ag-1",
            "state_changed ag-1 unavailable (Logged in)",
            "leg_changed ag-1 connecting",
            "leg_changed ag-1 connected",
            "state_changed ag-1 available",
        ]);
        events[0].Data["agent"]!["email"]!.GetValue<string>().ShouldBe("ag-1@acme.example");
        events[0].Data["agent"]!["name"]!.GetValue<string>().ShouldBe("Ada Agent");
        events[0].Data["station"]!.GetValue<string>().ShouldBe("2001");
        events[1].Data["skills"]!["sales"]!.GetValue<int>().ShouldBe(5);
        events[^1].Raw["time"]!.GetValue<string>().ShouldBe("2026-12-04T10:00:03.000Z");
        foreach (var e in events)
        {
            e.Raw["specversion"]!.GetValue<string>().ShouldBe("1.0");
            e.Raw["source"]!.GetValue<string>().ShouldBe("/contactbridge-contact-center-emulator");
            e.Raw["datacontenttype"]!.GetValue<string>().ShouldBe("application/json");
            e.Raw["id"]!.GetValue<string>().ShouldBe($"{cc.Server.Center.RunId}-{e.Seq.ToString("D12", CultureInfo.InvariantCulture)}", "zero-padded: ids sort in the order events happen");
            e.Status.ShouldBe("kept");
        }
    }

    [Fact]
    public async Task Logout_emits_logged_out_offline_and_a_disconnected_leg()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        await cc.AvailableAsync("ag-1");
        var mark = await cc.LastSeqAsync();
        await cc.AcceptedAsync("ag-1", "logout");
        (await cc.LinesAfterAsync(mark)).ShouldBe(["logged_out ag-1", "state_changed ag-1 offline", "leg_changed ag-1 disconnected"]);
        (await cc.RefusedAsync("ag-1", "logout")).ShouldBe("not_logged_in");
    }

    [Fact]
    public async Task Agents_seeded_logged_in_start_available_and_address_books_are_sent_at_start()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme(loggedIn: true));
        var lines = await cc.LinesAfterAsync(0);
        lines[0].ShouldBe("updated main");
        lines.Skip(1).Take(5).ShouldBe([
            "logged_in ag-1", "skills_assigned ag-1", "state_changed ag-1 available", "leg_changed ag-1 connecting", "leg_changed ag-1 connected",
        ]);
        (await cc.AgentAsync("ag-4"))["state"]!.GetValue<string>().ShouldBe("available");
    }

    [Fact]
    public async Task Dropped_leg_gets_no_calls_until_restored_and_supervisor_messages_reach_the_agent()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        await cc.AvailableAsync("ag-4");
        using (var drop = await cc.Http.PostAsync("_emulator/tenants/acme/agents/ag-4/drop-leg", null, TestContext.Current.CancellationToken))
            drop.StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        var call = await cc.CallAsync("support");
        (await cc.ContactAsync(call))["phase"]!.GetValue<string>().ShouldBe("queued");
        var mark = await cc.LastSeqAsync();
        using (var restore = await cc.Http.PostAsync("_emulator/tenants/acme/agents/ag-4/restore-leg", null, TestContext.Current.CancellationToken))
            restore.StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        (await cc.LinesAfterAsync(mark)).ShouldBe(["leg_changed ag-4 connected", $"offered {call} ag-4"]);

        using (var message = await cc.Http.PostAsJsonAsync("_emulator/tenants/acme/agents/ag-4/messages", new { from = "Sue Supervisor", text = "Nice call" }, TestContext.Current.CancellationToken))
            message.StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        var last = (await cc.EventsAsync(mark))[^1];
        last.Type.ShouldBe("com.contactbridge.agent.message");
        last.Subject.ShouldBe("ag-4");
        last.Data["from"]!.GetValue<string>().ShouldBe("Sue Supervisor");
        last.Data["text"]!.GetValue<string>().ShouldBe("Nice call");
    }

    [Fact]
    public async Task Untimed_wrap_up_ends_when_the_agent_sets_a_state()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme(wrapUpSeconds: null));
        await cc.AvailableAsync("ag-1");
        var call = await cc.CallAsync();
        await cc.AcceptedAsync("ag-1", "accept", new { interactionId = call });
        await cc.AcceptedAsync("ag-1", "hangup", new { interactionId = call });
        await cc.TickAsync(TimeSpan.FromHours(1));
        (await cc.AgentAsync("ag-1"))["state"]!.GetValue<string>().ShouldBe("after_call_work");
        var mark = await cc.LastSeqAsync();
        await cc.AcceptedAsync("ag-1", "set_state", new { state = "unavailable", reason = "Lunch" });
        (await cc.LinesAfterAsync(mark)).ShouldBe([$"wrap_up_ended {call}", "state_changed ag-1 unavailable (Lunch)"]);
        (await cc.ContactAsync(call))["phase"]!.GetValue<string>().ShouldBe("ended");
    }
}
