using System.Net;
using ContactBridge.ContactCenterEmulator.Tests.Support;

namespace ContactBridge.ContactCenterEmulator.Tests.Commands;

/// <summary>What is refused before a command is executed: unknown tenant, signature, shape — each with a problem that says what is wrong.</summary>
public sealed class CommandCheckTests
{
    [Fact]
    public async Task Command_without_signature_is_refused_401_and_not_executed()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        using var response = await cc.PostCommandAsync("ag-1", "login", sign: false);
        var problem = await TestCenter.ProblemAsync(response, HttpStatusCode.Unauthorized);
        problem["detail"]!.GetValue<string>().ShouldContain("missing");
        (await cc.AgentAsync("ag-1"))["loggedIn"]!.GetValue<bool>().ShouldBeFalse();
        (await cc.StateAsync())["commands"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Command_signed_with_a_wrong_secret_is_refused_401()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        using var response = await cc.PostCommandAsync("ag-1", "login", secret: "cbc_not_this_tenants");
        var problem = await TestCenter.ProblemAsync(response, HttpStatusCode.Unauthorized);
        problem["detail"]!.GetValue<string>().ShouldContain("does not match");
        (await cc.AgentAsync("ag-1"))["loggedIn"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task Command_with_a_stale_signature_is_refused_401_so_a_captured_request_cannot_be_replayed()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        using var stale = await cc.PostCommandAsync("ag-1", "login", signedAt: cc.Clock.GetUtcNow().AddMinutes(-6));
        (await TestCenter.ProblemAsync(stale, HttpStatusCode.Unauthorized))["detail"]!.GetValue<string>().ShouldContain("old");
        using var ahead = await cc.PostCommandAsync("ag-1", "login", signedAt: cc.Clock.GetUtcNow().AddMinutes(6));
        (await TestCenter.ProblemAsync(ahead, HttpStatusCode.Unauthorized))["detail"]!.GetValue<string>().ShouldContain("ahead");
        // Within the five minutes it is fine.
        using var recent = await cc.PostCommandAsync("ag-1", "login", id: "cmd_recent", signedAt: cc.Clock.GetUtcNow().AddMinutes(-4));
        (await cc.AnswerOfAsync(recent, "cmd_recent"))["outcome"]!.GetValue<string>().ShouldBe("accepted");
    }

    [Fact]
    public async Task A_tenant_cannot_command_another_tenants_agents_with_its_own_secret()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme(), TestCenter.Acme(id: "hostile", commandSecret: "cbc_hostile_secret"));
        using var response = await cc.PostCommandAsync("ag-1", "login", tenantId: TestCenter.TenantId, secret: "cbc_hostile_secret");
        await TestCenter.ProblemAsync(response, HttpStatusCode.Unauthorized);
        // Nor by sending acme's command to its own URL, signed with its own secret.
        using var crossed = await cc.PostRawCommandAsync(
            """{"protocol":"1","id":"cmd_x","tenantId":"acme","agentId":"ag-1","type":"login","data":{}}""",
            tenantId: "hostile", secret: "cbc_hostile_secret", idempotencyKey: "cmd_x");
        (await TestCenter.ProblemAsync(crossed, HttpStatusCode.BadRequest))["detail"]!.GetValue<string>().ShouldContain("tenantId");
        (await cc.AgentAsync("ag-1"))["loggedIn"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task Command_for_an_unknown_tenant_is_404_before_anything_else()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        using var response = await cc.PostCommandAsync("ag-1", "login", tenantId: "nobody", sign: false);
        await TestCenter.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Malformed_commands_are_400_listing_each_problem()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        using var notJson = await cc.PostRawCommandAsync("{not json", idempotencyKey: "k");
        (await TestCenter.ProblemAsync(notJson, HttpStatusCode.BadRequest))["detail"]!.GetValue<string>().ShouldContain("not JSON");

        using var badShape = await cc.PostRawCommandAsync(
            """{"protocol":"2","id":"cmd_1","tenantId":"acme","type":"fly","data":[]}""", idempotencyKey: "cmd_other");
        var problems = (await TestCenter.ProblemAsync(badShape, HttpStatusCode.BadRequest))["problems"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        problems.ShouldContain(p => p.StartsWith("protocol", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("agentId is required", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("type \"fly\"", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("data must be", StringComparison.Ordinal));
        problems.ShouldContain(p => p.Contains("Idempotency-Key", StringComparison.Ordinal));

        using var noKey = await cc.PostCommandAsync("ag-1", "login", idempotencyKey: "");
        (await TestCenter.ProblemAsync(noKey, HttpStatusCode.BadRequest))["detail"]!.GetValue<string>().ShouldContain("Idempotency-Key");
        (await cc.StateAsync())["commands"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Data_problems_and_unknown_agents_are_refused_answers_not_errors()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        (await cc.RefusedAsync("ag-9", "login")).ShouldBe("unknown_agent");
        await cc.AvailableAsync("ag-1");
        (await cc.RefusedAsync("ag-1", "hold")).ShouldBe("invalid");
        (await cc.RefusedAsync("ag-1", "hold", new { interactionId = "nope" })).ShouldBe("no_such_contact");
        (await cc.RefusedAsync("ag-1", "dial", new { number = "not a number" })).ShouldBe("invalid");
        (await cc.RefusedAsync("ag-1", "dial", new { number = "+14155550100", skill = "nope" })).ShouldBe("unknown_skill");
        (await cc.RefusedAsync("ag-1", "login")).ShouldBe("already_logged_in");
        (await cc.RefusedAsync("ag-2", "set_state", new { state = "available" })).ShouldBe("not_logged_in");
        (await cc.RefusedAsync("ag-1", "next_contact", new { skill = "sales" })).ShouldBe("nothing_waiting");
        (await cc.RefusedAsync("ag-1", "reschedule_commitment", new { commitmentId = "k-0", due = "2026-12-05T10:00:00Z" })).ShouldBe("no_such_commitment");
    }
}
