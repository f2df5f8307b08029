using System.Net;
using ContactBridge.Interactions;
using ContactBridge.Logging;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Logging;

/// <summary>The Activity page finds interactions by phone, e-mail, id or name, filters them, and pages through them.</summary>
public sealed class ActivitySearchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The interaction ids a result page lists, in order (each row links to its interaction's page).</summary>
    private static List<string> Found(string html, string tenantId) =>
        System.Text.RegularExpressions.Regex.Matches(html, $"href=\"/tenants/{tenantId}/interactions/([^\"]+)\" class=\"interaction\"").Select(m => Uri.UnescapeDataString(m.Groups[1].Value)).ToList();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Interactions_are_found_by_phone_email_id_or_name_filtered_by_channel_state_and_date_and_paged(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var tenant = await hub.LinkedTenantAsync();
        var other = await hub.LinkedTenantAsync("Other");
        using var portal = await hub.SignInAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-ada", phone: "+44 20 7946 0958", name: "Ada Lovelace"));
        await sender.AcceptAsync(sender.Interaction("chat-grace", channel: "web_chat", phone: null, email: "Grace@Example.com", name: "Grace Hopper", messages: ["Hi"]));
        await sender.AcceptAsync(sender.Interaction("call-100%_x", phone: "+1 415 555 0100", name: "Percent_Person"));
        using (var theirs = await EventSender.ForAsync(hub, other.Id)) await theirs.AcceptAsync(theirs.Interaction("call-theirs", phone: "+44 20 7946 0958", name: "Ada Lovelace"));
        await hub.RunPipelineAsync();
        await hub.MapTasksSoSalesforceRefusesAsync(tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-refused", phone: "020 7946 0958", name: "Ada Again"));
        await hub.RunPipelineAsync();

        async Task<List<string>> Find(string query)
        {
            var page = await portal.GetAsync($"/tenants/{tenant.Id}/activity?{query}");
            page.Status.ShouldBe(HttpStatusCode.OK, query);
            return Found(page.Html, tenant.Id);
        }
        // The same number written nationally and internationally; never another tenant's interaction.
        (await Find("q=%2B44%2020%207946%200958")).ShouldBe(["call-refused", "call-ada"], ignoreOrder: true);
        (await Find("q=020-7946-0958")).ShouldBe(["call-refused", "call-ada"], ignoreOrder: true);
        (await Find("q=grace%40example.COM")).ShouldBe(["chat-grace"]);
        (await Find("q=call-ada")).ShouldBe(["call-ada"]);
        (await Find("q=lovelace")).ShouldBe(["call-ada"]);
        (await Find("q=ADA")).ShouldBe(["call-refused", "call-ada"], ignoreOrder: true);
        // LIKE's wildcards are searched for as they are.
        (await Find("q=_person")).ShouldBe(["call-100%_x"]);
        (await Find("q=%25")).ShouldBeEmpty();
        (await Find("q=call-100%25_x")).ShouldBe(["call-100%_x"]);
        (await Find("channel=web_chat")).ShouldBe(["chat-grace"]);
        (await Find("state=dead")).ShouldBe(["call-refused"]);
        (await Find("state=written&q=ada")).ShouldBe(["call-ada"]);
        var today = hub.Clock.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        (await Find($"from={today}&to={today}")).Count.ShouldBe(4);
        (await Find($"to={hub.Clock.GetUtcNow().AddDays(-1):yyyy-MM-dd}")).ShouldBeEmpty();

        // Pages of 50: 52 more interactions make two pages; the second holds the two oldest.
        for (var i = 0; i < 52; i++) await sender.AcceptAsync(sender.Interaction($"bulk-{i:00}", phone: $"+1 212 555 {1000 + i}", name: "Bulk Caller"));
        await hub.Services.GetRequiredService<InteractionStore>().FoldAsync(1000, Ct);
        // Folded, not yet written: waiting; the written and refused ones are not.
        Found((await portal.GetAsync($"/tenants/{tenant.Id}/activity?state=pending")).Html, tenant.Id).ShouldAllBe(id => id.StartsWith("bulk-", StringComparison.Ordinal));
        var first = await portal.GetAsync($"/tenants/{tenant.Id}/activity?q=bulk");
        Found(first.Html, tenant.Id).Count.ShouldBe(50);
        first.Html.ShouldContain("id=\"next-page\"");
        var second = await portal.GetAsync($"/tenants/{tenant.Id}/activity?q=bulk&page=2");
        var rest = Found(second.Html, tenant.Id);
        rest.Count.ShouldBe(2);
        rest.Concat(Found(first.Html, tenant.Id)).Distinct().Count().ShouldBe(52);
        second.Html.ShouldNotContain("id=\"next-page\"");
    }

    [Fact]
    public async Task Filters_that_cannot_be_read_are_refused_on_the_page_with_the_reason()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        foreach (var (query, message) in new[]
                 {
                     ("from=2026-13-01", "The from date must be a date such as 2026-12-04."), ("channel=fax", "There is no channel \"fax\""),
                     ("state=lost", "There is no state \"lost\""), ("page=0", "The page must be a number from 1 to 10000."), ("page=abc", "The page must be a number"),
                     ("to=9999-12-31", "The to date must be a date"), ("from=2026-12-05&to=2026-12-04", "The from date is after the to date."),
                     ("q=a%00b", "control character"), ($"q={new string('x', 201)}", "at most 200 characters"),
                 })
        {
            var page = await portal.GetAsync($"/tenants/{tenant.Id}/activity?{query}");
            page.Status.ShouldBe(HttpStatusCode.BadRequest, query);
            page.Html.ShouldShowText(message, query);
        }
    }
}
