using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Tests.Support;

namespace ContactBridge.ContactCenterEmulator.Tests.Commands;

/// <summary>One execution per idempotency key, and the scripted faults the hub's retry logic is tested against.</summary>
public sealed class IdempotencyAndFaultTests
{
    private static async Task<JsonObject> CommandRecordAsync(TestCenter cc, string id) =>
        (await cc.StateAsync())["commands"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!.AsObject();

    [Fact]
    public async Task Repeated_idempotency_key_executes_once_and_answers_the_same()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        await cc.AcceptedAsync("ag-1", "login");
        var first = await cc.CommandAsync("ag-1", "dial", new { number = "+14155550111" }, id: "cmd_dial");
        var second = await cc.CommandAsync("ag-1", "dial", new { number = "+14155550111" }, id: "cmd_dial");

        second.ToJsonString().ShouldBe(first.ToJsonString());
        first["outcome"]!.GetValue<string>().ShouldBe("accepted");
        var state = await cc.StateAsync();
        state["contacts"]!.AsArray().Count.ShouldBe(1);
        var record = await CommandRecordAsync(cc, "cmd_dial");
        record["timesExecuted"]!.GetValue<int>().ShouldBe(1);
        record["timesReceived"]!.GetValue<int>().ShouldBe(2);
        // Executed again it would have been refused (the agent is on the call now).
        (await cc.RefusedAsync("ag-1", "dial", new { number = "+14155550111" })).ShouldBe("on_contact");
    }

    [Fact]
    public async Task Dropped_answer_still_executes_and_the_repeat_gets_the_stored_answer()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        await cc.AcceptedAsync("ag-1", "login");
        using (var put = await cc.Http.PutAsJsonAsync("_emulator/faults", new { dropAnswers = 1 }, TestContext.Current.CancellationToken))
            put.StatusCode.ShouldBe(HttpStatusCode.OK);

        // A fresh connection, so that the client cannot quietly retry on a reused one.
        using (var lonely = new HttpClient())
            await Should.ThrowAsync<HttpRequestException>(() => cc.PostCommandAsync("ag-1", "dial", new { number = "+14155550111" }, id: "cmd_lost", client: lonely));

        var contacts = (await cc.StateAsync())["contacts"]!.AsArray();
        contacts.Count.ShouldBe(1);
        using var repeat = await cc.PostCommandAsync("ag-1", "dial", new { number = "+14155550111" }, id: "cmd_lost");
        var answer = await cc.AnswerOfAsync(repeat, "cmd_lost");
        answer["outcome"]!.GetValue<string>().ShouldBe("accepted");
        answer["result"]!["interactionId"]!.GetValue<string>().ShouldBe(contacts[0]!["id"]!.GetValue<string>());
        var record = await CommandRecordAsync(cc, "cmd_lost");
        record["timesExecuted"]!.GetValue<int>().ShouldBe(1);
        record["timesReceived"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public async Task RefuseCommands_fault_refuses_with_the_scripted_reason_without_executing()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        using (var put = await cc.Http.PutAsJsonAsync("_emulator/faults", new { refuseCommands = new { reason = "maintenance", message = "Down for maintenance." } }, TestContext.Current.CancellationToken))
            put.StatusCode.ShouldBe(HttpStatusCode.OK);
        var answer = await cc.CommandAsync("ag-1", "login", id: "cmd_refused");
        answer["outcome"]!.GetValue<string>().ShouldBe("refused");
        answer["reason"]!.GetValue<string>().ShouldBe("maintenance");
        answer["message"]!.GetValue<string>().ShouldBe("Down for maintenance.");
        (await cc.AgentAsync("ag-1"))["loggedIn"]!.GetValue<bool>().ShouldBeFalse();
        (await CommandRecordAsync(cc, "cmd_refused"))["timesExecuted"]!.GetValue<int>().ShouldBe(0);

        using (var delete = await cc.Http.DeleteAsync("_emulator/faults", TestContext.Current.CancellationToken))
            delete.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await cc.AcceptedAsync("ag-1", "login");
    }

    [Fact]
    public async Task FailCommands_fault_answers_503_without_executing_then_recovers()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        using (var put = await cc.Http.PutAsJsonAsync("_emulator/faults", new { failCommands = 1 }, TestContext.Current.CancellationToken))
            put.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var failed = await cc.PostCommandAsync("ag-1", "login", id: "cmd_login");
        await TestCenter.ProblemAsync(failed, HttpStatusCode.ServiceUnavailable);
        (await cc.AgentAsync("ag-1"))["loggedIn"]!.GetValue<bool>().ShouldBeFalse();
        // The hub's retry with the same key is executed now.
        (await cc.CommandAsync("ag-1", "login", id: "cmd_login"))["outcome"]!.GetValue<string>().ShouldBe("accepted");
        (await cc.AgentAsync("ag-1"))["loggedIn"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task AnswerSignature_fault_sends_answers_the_hub_must_refuse()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        using (var put = await cc.Http.PutAsJsonAsync("_emulator/faults", new { answerSignature = "wrong" }, TestContext.Current.CancellationToken))
            put.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var wrong = await cc.PostCommandAsync("ag-1", "login", id: "cmd_w");
        var bytes = await wrong.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        ContactCenterEmulator.Signing.Signature.Check(wrong.Headers.GetValues("ContactBridge-Signature").Single(), TestCenter.CommandSecret, bytes, cc.Clock.GetUtcNow())
            .ShouldNotBeNull();

        using (var put = await cc.Http.PutAsJsonAsync("_emulator/faults", new { answerSignature = "missing" }, TestContext.Current.CancellationToken))
            put.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var missing = await cc.PostCommandAsync("ag-1", "login", id: "cmd_w");
        missing.Headers.Contains("ContactBridge-Signature").ShouldBeFalse();
    }
}
