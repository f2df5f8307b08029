using ContactBridge.ContactCenterEmulator.Tests.Support;

namespace ContactBridge.ContactCenterEmulator.Tests.Contacts;

public sealed class CallTests
{
    [Fact]
    public async Task Full_call_offer_accept_hold_resume_blind_transfer_hangup_wrap_up_emits_the_expected_sequence()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme(wrapUpSeconds: 30));
        await cc.AvailableAsync("ag-1");
        cc.Clock.Advance(TimeSpan.FromSeconds(1));
        await cc.AvailableAsync("ag-2");
        var mark = await cc.LastSeqAsync();

        var call = await cc.CallAsync();
        await cc.AcceptedAsync("ag-1", "accept", new { interactionId = call });
        await cc.AcceptedAsync("ag-1", "hold", new { interactionId = call });
        await cc.AcceptedAsync("ag-1", "resume", new { interactionId = call });
        await cc.AcceptedAsync("ag-1", "mute", new { interactionId = call });
        await cc.AcceptedAsync("ag-1", "send_dtmf", new { interactionId = call, digits = "12#" });
        await cc.AcceptedAsync("ag-1", "transfer", new { interactionId = call, kind = "blind", to = new { agentId = "ag-2" } });
        await cc.AcceptedAsync("ag-2", "accept", new { interactionId = call });
        cc.Clock.Advance(TimeSpan.FromSeconds(60));
        await cc.AcceptedAsync("ag-2", "hangup", new { interactionId = call });
        await cc.TickAsync(TimeSpan.FromSeconds(29));
        (await cc.AgentAsync("ag-2"))["state"]!.GetValue<string>().ShouldBe("after_call_work");
        await cc.TickAsync(TimeSpan.FromSeconds(1));

        var events = await cc.EventsAsync(mark);
        events.Select(e => e.Line).ShouldBe([
            $"started {call}",
            $"offered {call} ag-1",
            $"connected {call} ag-1",
            "state_changed ag-1 on_contact",
            $"held {call}",
            $"resumed {call}",
            $"muted {call} muted",
            $"transferred {call} blind {{\"agentId\":\"ag-2\"}}",
            $"wrap_up_started {call}",
            "state_changed ag-1 after_call_work",
            $"offered {call} ag-2",
            $"connected {call} ag-2",
            "state_changed ag-2 on_contact",
            $"ended {call} answered",
            $"wrap_up_started {call}",
            "state_changed ag-2 after_call_work",
            $"wrap_up_ended {call}",
            "state_changed ag-1 available",
            $"wrap_up_ended {call}",
            "state_changed ag-2 available",
        ]);
        var started = events[0].Data;
        started["channel"]!.GetValue<string>().ShouldBe("voice");
        started["direction"]!.GetValue<string>().ShouldBe("inbound");
        started["caller"]!["phone"]!.GetValue<string>().ShouldBe("+14155550100");
        started["caller"]!["name"]!.GetValue<string>().ShouldBe("Carol Caller");
        started["queue"]!.GetValue<string>().ShouldBe("Sales");
        started["ivr"]!["account_number"]!.GetValue<string>().ShouldBe("A-1001");
        events[1].Data["agent"]!["email"]!.GetValue<string>().ShouldBe("ag-1@acme.example");
        events[13].Data["durationSeconds"]!.GetValue<long>().ShouldBe(60);

        var contact = await cc.ContactAsync(call);
        contact["phase"]!.GetValue<string>().ShouldBe("ended");
        contact["agentId"]!.GetValue<string>().ShouldBe("ag-2");
        contact["dtmf"]!.GetValue<string>().ShouldBe("12#");
    }

    [Fact]
    public async Task Consulted_transfer_holds_the_customer_then_connects_the_target_when_completed()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        await cc.AvailableAsync("ag-1");
        var call = await cc.CallAsync();
        await cc.AcceptedAsync("ag-1", "accept", new { interactionId = call });
        (await cc.RefusedAsync("ag-1", "complete_transfer", new { interactionId = call })).ShouldBe("no_consultation");
        (await cc.RefusedAsync("ag-1", "transfer", new { interactionId = call, kind = "consulted", to = new { agentId = "ag-2" } })).ShouldBe("agent_not_available");
        (await cc.RefusedAsync("ag-1", "transfer", new { interactionId = call, kind = "blind", to = new { agentId = "ag-2", number = "+14155550123" } })).ShouldBe("invalid");
        await cc.AvailableAsync("ag-2");
        var mark = await cc.LastSeqAsync();

        await cc.AcceptedAsync("ag-1", "transfer", new { interactionId = call, kind = "consulted", to = new { agentId = "ag-2" } });
        // While consulted, the target is offered nothing else.
        var other = await cc.CallAsync();
        (await cc.ContactAsync(other))["phase"]!.GetValue<string>().ShouldBe("queued");
        await cc.AcceptedAsync("ag-1", "complete_transfer", new { interactionId = call });

        (await cc.LinesAfterAsync(mark)).ShouldBe([
            $"held {call}",
            $"started {other}",
            $"transferred {call} consulted {{\"agentId\":\"ag-2\"}}",
            $"wrap_up_started {call}",
            "state_changed ag-1 after_call_work",
            $"connected {call} ag-2",
            "state_changed ag-2 on_contact",
        ]);
    }

    [Fact]
    public async Task During_a_consultation_the_agent_swaps_between_customer_and_target_and_a_conference_brings_them_together()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        await cc.AvailableAsync("ag-1");
        var call = await cc.CallAsync();
        await cc.AcceptedAsync("ag-1", "accept", new { interactionId = call });
        (await cc.RefusedAsync("ag-1", "swap", new { interactionId = call })).ShouldBe("no_consultation");
        (await cc.RefusedAsync("ag-1", "conference", new { interactionId = call })).ShouldBe("no_consultation");
        // A consultation with a queue has no one on the line to swap with or bring in.
        await cc.AcceptedAsync("ag-1", "transfer", new { interactionId = call, kind = "consulted", to = new { skill = "support" } });
        (await cc.RefusedAsync("ag-1", "swap", new { interactionId = call })).ShouldBe("invalid");
        (await cc.RefusedAsync("ag-1", "conference", new { interactionId = call })).ShouldBe("invalid");
        await cc.AcceptedAsync("ag-1", "resume", new { interactionId = call });
        await cc.AvailableAsync("ag-2");
        await cc.AcceptedAsync("ag-1", "transfer", new { interactionId = call, kind = "consulted", to = new { agentId = "ag-2" } });
        var mark = await cc.LastSeqAsync();

        await cc.AcceptedAsync("ag-1", "swap", new { interactionId = call });
        (await cc.ContactAsync(call))["phase"]!.GetValue<string>().ShouldBe("connected", "the customer is back on the line, the target held");
        await cc.AcceptedAsync("ag-1", "swap", new { interactionId = call });
        (await cc.ContactAsync(call))["phase"]!.GetValue<string>().ShouldBe("held");
        await cc.AcceptedAsync("ag-1", "conference", new { interactionId = call });
        (await cc.RefusedAsync("ag-1", "swap", new { interactionId = call })).ShouldBe("invalid");
        await cc.AcceptedAsync("ag-1", "complete_transfer", new { interactionId = call });

        (await cc.LinesAfterAsync(mark)).ShouldBe([
            $"resumed {call}",
            $"held {call}",
            $"conferenced {call}",
            $"resumed {call}",
            $"transferred {call} consulted {{\"agentId\":\"ag-2\"}}",
            $"wrap_up_started {call}",
            "state_changed ag-1 after_call_work",
            $"connected {call} ag-2",
            "state_changed ag-2 on_contact",
        ]);
    }

    [Fact]
    public async Task Blind_transfer_to_a_skill_requeues_at_the_head_and_to_a_number_ends_the_call()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        await cc.AvailableAsync("ag-1");
        var call = await cc.CallAsync();
        await cc.AcceptedAsync("ag-1", "accept", new { interactionId = call });
        var waiting = await cc.CallAsync("support");
        await cc.AcceptedAsync("ag-1", "transfer", new { interactionId = call, kind = "blind", to = new { skill = "support" } });
        var support = (await cc.StateAsync())["queues"]!.AsArray().Single(q => q!["skill"]!.GetValue<string>() == "support")!;
        support["contactIds"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe([call, waiting]);
        await cc.AvailableAsync("ag-4");
        await cc.AcceptedAsync("ag-4", "accept", new { interactionId = call });

        var mark = await cc.LastSeqAsync();
        await cc.AcceptedAsync("ag-4", "transfer", new { interactionId = call, kind = "blind", to = new { number = "+14155550123" } });
        (await cc.LinesAfterAsync(mark)).ShouldBe([
            $"transferred {call} blind {{\"number\":\"+14155550123\"}}",
            $"ended {call} answered",
            $"wrap_up_started {call}",
            "state_changed ag-4 after_call_work",
        ]);
    }

    [Fact]
    public async Task Customer_hangup_before_an_answer_is_abandoned_and_after_is_answered()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        var early = await cc.CallAsync();
        using (var hangup = await cc.Http.PostAsync($"_emulator/tenants/acme/contacts/{early}/hangup", null, TestContext.Current.CancellationToken))
            hangup.StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        (await cc.ContactAsync(early))["outcome"]!.GetValue<string>().ShouldBe("abandoned");

        await cc.AvailableAsync("ag-1");
        var late = await cc.CallAsync();
        await cc.AcceptedAsync("ag-1", "accept", new { interactionId = late });
        var mark = await cc.LastSeqAsync();
        using (var hangup = await cc.Http.PostAsync($"_emulator/tenants/acme/contacts/{late}/hangup", null, TestContext.Current.CancellationToken))
            hangup.StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        (await cc.LinesAfterAsync(mark)).ShouldBe([$"ended {late} answered", $"wrap_up_started {late}", "state_changed ag-1 after_call_work"]);
        using var again = await cc.Http.PostAsync($"_emulator/tenants/acme/contacts/{late}/hangup", null, TestContext.Current.CancellationToken);
        await TestCenter.ProblemAsync(again, System.Net.HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Dial_connects_at_once_and_next_contact_takes_the_longest_waiting()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme(wrapUpSeconds: null));
        await cc.AcceptedAsync("ag-1", "login");
        var mark = await cc.LastSeqAsync();
        var dialled = (await cc.AcceptedAsync("ag-1", "dial", new { number = "+14155550188" }))!["interactionId"]!.GetValue<string>();
        var events = await cc.EventsAsync(mark);
        events.Select(e => e.Line).ShouldBe([$"started {dialled}", $"connected {dialled} ag-1", "state_changed ag-1 on_contact"]);
        events[0].Data["direction"]!.GetValue<string>().ShouldBe("outbound");
        events[0].Data["dialledNumber"]!.GetValue<string>().ShouldBe("+14155550188");
        await cc.AcceptedAsync("ag-1", "hangup", new { interactionId = dialled });

        var first = await cc.CallAsync();
        _ = await cc.CallAsync();
        var next = (await cc.AcceptedAsync("ag-1", "next_contact", new { skill = "sales" }))!["interactionId"]!.GetValue<string>();
        next.ShouldBe(first);
        (await cc.ContactAsync(first))["phase"]!.GetValue<string>().ShouldBe("connected");
        (await cc.RefusedAsync("ag-1", "next_contact", new { skill = "sales" })).ShouldBe("not_available");
    }

    [Fact]
    public async Task Email_reply_appends_a_message_and_other_channels_are_refused()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        await cc.AvailableAsync("ag-1");
        var mail = await cc.AddContactAsync(new { channel = "email", skill = "mail", from = "carol@example.com", name = "Carol" });
        await cc.AcceptedAsync("ag-1", "accept", new { interactionId = mail });
        var mark = await cc.LastSeqAsync();
        await cc.AcceptedAsync("ag-1", "email_reply", new { interactionId = mail, body = "Thanks, done.", subject = "Re: help" });
        var appended = (await cc.EventsAsync(mark)).Single();
        appended.Type.ShouldBe("com.contactbridge.interaction.message_appended");
        appended.Data["message"]!["from"]!.GetValue<string>().ShouldBe("agent");
        appended.Data["message"]!["text"]!.GetValue<string>().ShouldBe("Thanks, done.");
        (await cc.EventsAsync(0)).First(e => e.Subject == mail).Data["caller"]!["email"]!.GetValue<string>().ShouldBe("carol@example.com");

        await cc.AcceptedAsync("ag-1", "hangup", new { interactionId = mail });
        await cc.AvailableAsync("ag-2");
        var call = await cc.CallAsync();
        await cc.AcceptedAsync("ag-2", "accept", new { interactionId = call });
        (await cc.RefusedAsync("ag-2", "email_reply", new { interactionId = call, body = "x" })).ShouldBe("channel_not_supported");
        (await cc.RefusedAsync("ag-1", "hold", new { interactionId = call })).ShouldBe("no_such_contact");
    }

    [Fact]
    public async Task Commitment_comes_due_as_a_callback_for_its_agent_and_is_done_when_connected()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        var mark = await cc.LastSeqAsync();
        var id = (await cc.AcceptedAsync("ag-1", "create_commitment", new { due = "2026-12-04T10:10:00Z", number = "+14155550177", forAgentId = "ag-2", notes = "Call back" }))!
            ["commitmentId"]!.GetValue<string>();
        await cc.AcceptedAsync("ag-1", "reschedule_commitment", new { commitmentId = id, due = "2026-12-04T10:05:00Z" });
        var events = await cc.EventsAsync(mark);
        events.Select(e => $"{e.Type} {e.Subject}").ShouldBe([$"com.contactbridge.commitment.created {id}", $"com.contactbridge.commitment.updated {id}"]);
        events[1].Data["due"]!.GetValue<string>().ShouldBe("2026-12-04T10:05:00.000Z");
        events[1].Data["agentId"]!.GetValue<string>().ShouldBe("ag-2");
        events[1].Data["number"]!.GetValue<string>().ShouldBe("+14155550177");

        await cc.AvailableAsync("ag-1");
        await cc.AvailableAsync("ag-2");
        mark = await cc.LastSeqAsync();
        await cc.TickAsync(TimeSpan.FromMinutes(5));
        var callback = (await cc.StateAsync())["commitments"]!.AsArray().Single()!["contactId"]!.GetValue<string>();
        (await cc.LinesAfterAsync(mark)).ShouldBe([$"started {callback}", $"offered {callback} ag-2"]);
        mark = await cc.LastSeqAsync();
        await cc.AcceptedAsync("ag-2", "accept", new { interactionId = callback });
        (await cc.EventsAsync(mark)).Select(e => e.Type).ShouldBe([
            "com.contactbridge.interaction.connected", "com.contactbridge.agent.state_changed", "com.contactbridge.commitment.done",
        ]);
        (await cc.RefusedAsync("ag-2", "complete_commitment", new { commitmentId = id })).ShouldBe("no_such_commitment");
    }
}
