using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Logging;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Dashboard;

public sealed class DashboardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonObject> DashboardAsync(PortalClient portal, TestHub hub, string tenantId) =>
        (await portal.Http.GetFromJsonAsync<JsonObject>(new Uri(hub.BaseUri, $"/api/v1/tenants/{tenantId}/dashboard"), Ct))!;

    private static long Sum(JsonObject d, string field) => d["hours"]!.AsArray().Sum(h => h![field]!.GetValue<long>());

    [Fact]
    public async Task The_dashboard_counts_the_last_24_hours_and_every_salesforce_call_the_hub_made_and_says_what_to_do_about_a_dead_letter()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var before = await DashboardAsync(portal, hub, tenant.Id);
        var logStart = hub.Emulator.State.Log.LastSequence;

        await sender.AcceptAsync(sender.Interaction("call-1", phone: "+1 415 555 0101", name: "One Caller"));
        await sender.AcceptAsync(sender.Interaction("chat-2", channel: "web_chat", email: "two@example.com", name: "Two Caller", messages: ["Hello"]));
        await hub.RunPipelineAsync();
        // A mapping Salesforce refuses (a restricted picklist given free text): the third call's write becomes a dead letter.
        await hub.MapTasksSoSalesforceRefusesAsync(tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-3", phone: "+1 415 555 0103", name: "Three Caller"));
        await hub.RunPipelineAsync();

        var after = await DashboardAsync(portal, hub, tenant.Id);
        after["hours"]!.AsArray().Count.ShouldBe(24);
        Sum(after, "received").ShouldBe(Sum(before, "received") + 3);
        Sum(after, "written").ShouldBe(2);
        Sum(after, "deadLettered").ShouldBe(1);
        after["deadLetters"]!.GetValue<long>().ShouldBe(1);
        after["waiting"]!.GetValue<long>().ShouldBe(0);
        // Every call the emulator counted against the org since, the hub counted too: no more, no less.
        var made = hub.Emulator.State.Log.ApiCalls(WellKnown.DefaultOrgKey, logStart);
        made.ShouldBeGreaterThan(0);
        (after["hubCallsLast24Hours"]!.GetValue<long>() - before["hubCallsLast24Hours"]!.GetValue<long>()).ShouldBe(made);
        after["hubCallsToday"]!.GetValue<long>().ShouldBe(after["hubCallsLast24Hours"]!.GetValue<long>());
        after["orgApiUsage"]!["max"]!.GetValue<long>().ShouldBeGreaterThan(0);
        var problem = after["problems"]!.AsArray().ShouldHaveSingleItem()!;
        problem["what"]!.GetValue<string>().ShouldContain("1 write(s) Salesforce refused");
        problem["link"]!.GetValue<string>().ShouldBe($"/tenants/{tenant.Id}/activity");

        var page = await portal.GetAsync($"/tenants/{tenant.Id}");
        page.Status.ShouldBe(HttpStatusCode.OK);
        page.Html.ShouldShowText("1 write(s) Salesforce refused");
        page.Html.ShouldContain("<svg");
        page.Html.ShouldShowText($"{Sum(after, "received")} started, 2 written, 1 dead-lettered");
    }

    [Fact]
    public async Task While_salesforce_does_not_answer_the_dashboard_shows_the_backlog_since_when_and_that_the_hub_retries()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503 });
        await sender.AcceptAsync(sender.Interaction("call-waiting"));
        await hub.RunPipelineAsync();

        var d = await DashboardAsync(portal, hub, tenant.Id);
        d["waiting"]!.GetValue<long>().ShouldBe(1);
        d["oldestWaitingSince"].ShouldNotBeNull();
        d["problems"]!.AsArray().Select(p => p!["what"]!.GetValue<string>()).ShouldContain(w => w.StartsWith("Salesforce has not answered since", StringComparison.Ordinal));
        Sum(d, "written").ShouldBe(0);
        Sum(d, "calls").ShouldBeGreaterThan(0, "failed calls count too: they are spent");
    }

    [Fact]
    public async Task The_system_view_lists_every_tenant_with_its_link_calls_backlog_and_dead_letters_sorted_as_asked()
    {
        await using var hub = await TestHub.StartAsync();
        var alpha = await hub.LinkedTenantAsync("Alpha");
        var beta = await hub.LinkedTenantAsync("Beta");
        await hub.CreateTenantAsync("Gamma");
        using var portal = await hub.SignInAsync();
        await hub.MapTasksSoSalesforceRefusesAsync(alpha.Id);
        using (var a = await EventSender.ForAsync(hub, alpha.Id)) await a.AcceptAsync(a.Interaction("call-refused"));
        await hub.RunPipelineAsync();
        using (var b = await EventSender.ForAsync(hub, beta.Id))
        {
            await b.AcceptAsync(b.Interaction("call-b1"));
            await b.AcceptAsync(b.Interaction("call-b2", phone: "+1 415 555 0199"));
        }
        // Folded, not yet identified or written: Beta's two calls wait.
        await hub.Services.GetRequiredService<ContactBridge.Interactions.InteractionStore>().FoldAsync(500, Ct);

        static List<string> Order(string html) =>
            System.Text.RegularExpressions.Regex.Matches(html, "<tr class=\"tenant\">\\s*<td><a href=\"/tenants/[0-9a-f]+\">([^<]+)</a>").Select(m => m.Groups[1].Value).ToList();
        (await portal.GetAsync("/tenants")).Html.ShouldSatisfyAllConditions(html => Order(html).ShouldBe(["Alpha", "Beta", "Gamma"]));
        (await portal.GetAsync("/tenants?sort=dead")).Html.ShouldSatisfyAllConditions(html => Order(html).ShouldBe(["Alpha", "Beta", "Gamma"]));
        var waiting = (await portal.GetAsync("/tenants?sort=waiting")).Html;
        Order(waiting).ShouldBe(["Beta", "Alpha", "Gamma"]);
        System.Text.RegularExpressions.Regex.Match(waiting, "Beta</a>.*?<td class=\"waiting\">(\\d+)</td>\\s*<td class=\"dead\">(\\d+)</td>", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Groups.Values.Skip(1).Select(g => g.Value).ShouldBe(["2", "0"]);
        System.Text.RegularExpressions.Regex.Match(waiting, "Alpha</a>.*?<td class=\"calls\">(\\d+)", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Groups[1].Value.ShouldNotBe("0");
        (await portal.GetAsync("/tenants?sort=link")).Html.ShouldSatisfyAllConditions(html => Order(html).ShouldBe(["Alpha", "Beta", "Gamma"]));
        waiting.ShouldShowText("Unlinked");
    }
}
