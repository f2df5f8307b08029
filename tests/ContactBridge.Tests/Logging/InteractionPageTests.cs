using System.Net;
using ContactBridge.Logging;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Logging;

/// <summary>An interaction's own page answers "why was it logged like that": its events, the identification, each write and Salesforce's answer.</summary>
public sealed class InteractionPageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_interactions_page_shows_its_events_identification_records_written_and_a_refusal_with_replay()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        var other = await hub.CreateTenantAsync("Other");
        using var portal = await hub.SignInAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        const string hostileId = "call-<b>\"&'x";
        await sender.AcceptAsync(sender.Interaction(hostileId, phone: "+1 415 555 0142", name: "Written <Caller>"));
        await hub.RunPipelineAsync();

        var activity = await portal.GetAsync($"/tenants/{tenant.Id}/activity");
        activity.Html.ShouldContain($"/tenants/{tenant.Id}/interactions/{Uri.EscapeDataString(hostileId)}");
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/interactions/{Uri.EscapeDataString(hostileId)}");
        page.Status.ShouldBe(HttpStatusCode.OK);
        page.Html.ShouldShowText(hostileId);
        page.Html.ShouldShowText("Written <Caller>");
        page.Html.ShouldShowText("No record matched: a new caller.");
        var task = hub.Records("Task").ShouldHaveSingleItem();
        page.Html.ShouldContain($"/lightning/r/Task/{task.Id}/view");
        page.Html.ShouldContain($"/lightning/r/Lead/{hub.Records("Lead").ShouldHaveSingleItem().Id}/view");
        page.Html.ShouldContain("<h3>Written, sent ");
        foreach (var type in new[] { "started", "agent_assigned", "ended" })
            page.Html.ShouldShowText(type);
        page.Html.IndexOf("started", StringComparison.Ordinal).ShouldBeLessThan(page.Html.LastIndexOf(">ended<", StringComparison.Ordinal));

        // A write Salesforce refuses: its error, and a Replay button, on the page.
        await hub.MapTasksSoSalesforceRefusesAsync(tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-refused", phone: "+1 415 555 0143", name: "Refused Caller"));
        await hub.RunPipelineAsync();
        var refused = await portal.GetAsync($"/tenants/{tenant.Id}/interactions/call-refused");
        refused.Html.ShouldShowText("Refused (dead letter) after 1 failed attempt(s)");
        refused.Html.ShouldContain("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
        refused.Html.ShouldContain("<th>CallType</th><td>Call</td>", customMessage: "the value Salesforce refused, as it was sent");
        refused.Html.ShouldContain($"/tenants/{tenant.Id}/dead-letters/");

        (await portal.GetAsync($"/tenants/{tenant.Id}/interactions/no-such-call")).Status.ShouldBe(HttpStatusCode.NotFound);
        // An id with a slash (a queue's numbering, say) has its page too.
        await sender.AcceptAsync(sender.Interaction("queue/123", phone: "+1 415 555 0144", name: "Slash Caller"));
        await hub.Services.GetRequiredService<ContactBridge.Interactions.InteractionStore>().FoldAsync(100, Ct);
        (await portal.GetAsync($"/tenants/{tenant.Id}/activity")).Html.ShouldContain($"/tenants/{tenant.Id}/interactions/queue%2F123");
        var slashed = await portal.GetAsync($"/tenants/{tenant.Id}/interactions/queue%2F123");
        slashed.Status.ShouldBe(HttpStatusCode.OK);
        slashed.Html.ShouldShowText("Slash Caller");
        (await portal.GetAsync($"/tenants/{other.Id}/interactions/call-refused")).Status.ShouldBe(HttpStatusCode.NotFound);
        await hub.CreateTenantAdminAsync("other@hub.example", other);
        using var outsider = await hub.SignInAsync("other@hub.example");
        var theirs = await outsider.GetAsync($"/tenants/{tenant.Id}/interactions/call-refused");
        theirs.Status.ShouldBe(HttpStatusCode.NotFound);
        theirs.Html.ShouldNotContain("Refused Caller");
    }

    [Fact]
    public async Task Each_salesforce_request_made_for_an_interaction_is_listed_with_its_outcome_and_who_shared_it()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        // The first search answers 503 once: the client tries again, and both tries are on the page.
        hub.Emulator.State.Faults.Add(new ContactBridge.Emulator.Org.FaultRule
        {
            Kind = ContactBridge.Emulator.Org.FaultKind.Status, Status = 503, PathContains = "/search", Remaining = 1,
        });
        await sender.AcceptAsync([.. sender.Interaction("call-a", phone: "+1 415 555 0161", name: "Caller A"), .. sender.Interaction("call-b", phone: "+1 415 555 0162", name: "Caller B")]);
        await hub.RunPipelineAsync();

        var log = hub.Services.GetRequiredService<ContactBridge.Interactions.SalesforceRequestLog>();
        var a = await log.ForInteractionAsync(tenant.Id, "call-a", Ct);
        var b = await log.ForInteractionAsync(tenant.Id, "call-b", Ct);
        var searches = a.Where(r => r.Kind == "search").ToList();
        searches.Select(r => (r.Step, r.Method, r.Outcome, r.Status, r.BatchSize)).ShouldBe(
            [("identify", "GET", "SERVER_UNAVAILABLE", 503L, 2L), ("identify", "GET", "ok", 200L, 2L)]);
        searches.ShouldAllBe(r => !r.Path.Contains('?'), "the query (other callers' numbers) is not kept");
        var graph = a.Where(r => r.Kind == "composite.graph").ShouldHaveSingleItem();
        (graph.Step, graph.Method, graph.Outcome, graph.BatchSize).ShouldBe(("write", "POST", "ok", 2L));
        b.Select(r => (r.Step, r.Kind, r.Outcome)).ShouldBe(a.Select(r => (r.Step, r.Kind, r.Outcome)), "a shared request is listed under each interaction");

        var page = await portal.GetAsync($"/tenants/{tenant.Id}/interactions/call-a");
        var requests = page.Html.TextAt("#requests")!;
        requests.ShouldContain("Looking the caller up");
        requests.ShouldContain("SERVER_UNAVAILABLE (HTTP 503)");
        requests.ShouldContain($"POST {graph.Path}");
        requests.ShouldContain("2 interactions");
        (await portal.GetAsync($"/tenants/{tenant.Id}/interactions/no-such-call")).Status.ShouldBe(HttpStatusCode.NotFound);
    }
}
