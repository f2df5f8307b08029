using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.Linking;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Tenants;

public sealed class TenantIsolationTests
{
    [Fact]
    public async Task A_tenant_admin_can_neither_see_nor_change_another_tenant()
    {
        await using var hub = await TestHub.StartAsync();
        var mine = await hub.CreateTenantAsync("Mine");
        var theirs = await hub.CreateTenantAsync("Theirs");
        using (var root = await hub.SignInAsync()) await hub.LinkThroughPortalAsync(root, theirs);
        await hub.CreateTenantAdminAsync("mine@hub.example", mine);
        using var portal = await hub.SignInAsync("mine@hub.example");

        (await portal.GetAsync($"/tenants/{mine.Id}/salesforce")).Status.ShouldBe(HttpStatusCode.OK);
        var page = await portal.GetAsync($"/tenants/{theirs.Id}/salesforce");
        page.Status.ShouldBe(HttpStatusCode.NotFound);
        page.Html.ShouldNotContain("Theirs");

        // Forms of their tenant, posted with a valid antiforgery token of my own session: still not found, nothing changes.
        var own = await portal.GetAsync($"/tenants/{mine.Id}/salesforce");
        var token = System.Text.RegularExpressions.Regex.Match(own.Html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        foreach (var action in new[] { "unlink", "link", "custom-app", "api-version", "check", "client-credentials" })
        {
            var r = await portal.PostAsync($"/tenants/{theirs.Id}/salesforce/{action}", new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token, ["environment"] = "production", ["clientId"] = "x", ["clientSecret"] = "y", ["apiVersion"] = "61.0",
            });
            r.Status.ShouldBe(HttpStatusCode.NotFound, action);
        }
        (await portal.PostAsync($"/tenants/{theirs.Id}/admins", new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["email"] = "intruder@hub.example", ["password"] = "long enough password",
        })).Status.ShouldBe(HttpStatusCode.NotFound);
        var link = (await hub.LinkAsync(theirs))!;
        link.Status.ShouldBe(LinkStatus.Linked);
        link.ApiVersion.ShouldBe("62.0");

        (await portal.Http.GetAsync(new Uri(hub.BaseUri, $"/api/v1/tenants/{theirs.Id}/salesforce-link"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var list = await portal.Http.GetFromJsonAsync<JsonArray>(new Uri(hub.BaseUri, "/api/v1/tenants"), TestContext.Current.CancellationToken);
        list!.Select(t => t!["name"]!.GetValue<string>()).ShouldBe(["Mine"]);
        (await portal.GetAsync("/tenants")).Location!.ToString().ShouldEndWith($"/tenants/{mine.Id}");
        (await portal.GetAsync($"/tenants/{theirs.Id}")).Status.ShouldBe(HttpStatusCode.NotFound);
        (await portal.Http.GetAsync(new Uri(hub.BaseUri, $"/api/v1/tenants/{theirs.Id}/dashboard"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await portal.GetAsync("/system/salesforce-app")).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_system_admin_sees_every_tenant_and_the_api_never_returns_a_secret()
    {
        await using var hub = await TestHub.StartAsync();
        var a = await hub.CreateTenantAsync("Alpha");
        await hub.CreateTenantAsync("Beta");
        using var portal = await hub.SignInAsync();
        await hub.LinkThroughPortalAsync(portal, a);
        var list = await portal.Http.GetFromJsonAsync<JsonArray>(new Uri(hub.BaseUri, "/api/v1/tenants"), TestContext.Current.CancellationToken);
        list!.Select(t => $"{t!["name"]}:{t["linkStatus"]}").ShouldBe(["Alpha:linked", "Beta:unlinked"]);
        var json = await portal.Http.GetStringAsync(new Uri(hub.BaseUri, $"/api/v1/tenants/{a.Id}/salesforce-link"), TestContext.Current.CancellationToken);
        var view = JsonNode.Parse(json)!;
        view["status"]!.GetValue<string>().ShouldBe("linked");
        view["username"]!.GetValue<string>().ShouldBe("integration@contactbridge.example");
        json.ShouldNotContain("token", Case.Insensitive);
        json.ShouldNotContain("secret", Case.Insensitive);
        json.ShouldNotContain(hub.Approvals().Single().Token);
    }

    [Fact]
    public async Task The_api_answers_401_problem_details_without_a_session()
    {
        await using var hub = await TestHub.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = hub.BaseUri };
        var r = await anonymous.GetAsync("/api/v1/tenants", TestContext.Current.CancellationToken);
        r.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        r.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var page = await new PortalClient(hub.BaseUri, hub.Emulator.BaseUri).GetAsync("/tenants");
        page.Status.ShouldBe(HttpStatusCode.Redirect);
        page.Location!.AbsolutePath.ShouldBe("/login");
    }
}
