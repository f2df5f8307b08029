using System.Net;
using ContactBridge.Emulator.Org;
using ContactBridge.Linking;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Linking;

public sealed class LinkingFlowTests
{
    [Fact]
    public async Task Authorization_code_link_through_the_emulator_pages_ends_linked_with_the_user_and_org_shown()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme Support");
        using var portal = await hub.SignInAsync();

        var before = await portal.GetAsync($"/tenants/{tenant.Id}/salesforce");
        before.Html.ShouldContain(">Unlinked<");
        await hub.LinkThroughPortalAsync(portal, tenant);

        var link = (await hub.LinkAsync(tenant))!;
        link.Status.ShouldBe(LinkStatus.Linked);
        link.Flow.ShouldBe(LinkFlow.WebServer);
        link.Username.ShouldBe(WellKnown.IntegrationUsername);
        link.OrgId.ShouldBe(hub.Emulator.State.DefaultOrg.Id);
        link.InstanceUrl.ShouldBe(hub.Emulator.InstanceUrl);
        link.RefreshTokenEnc.ShouldStartWith("v1:");
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/salesforce?done=linked");
        page.Html.ShouldContain(">Linked<");
        page.Html.ShouldContain(WellKnown.IntegrationUsername);
        page.Html.ShouldContain(hub.Emulator.State.DefaultOrg.Id);
        hub.Approvals().Count.ShouldBe(1);

        // PKCE was used: the emulator saw a code challenge and its verifier.
        hub.Emulator.State.Log.Entries().ShouldContain(e => e.Kind == "oauth.token.authorization_code" && e.Status == 200);
    }

    [Fact]
    public async Task Deny_changes_nothing_and_says_so()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        var answer = await portal.AuthorizeAsync(tenant.Id, "production", WellKnown.IntegrationUsername, WellKnown.IntegrationPassword, "deny");
        answer.Status.ShouldBe(HttpStatusCode.BadRequest);
        answer.Html.ShouldContain("Access was denied in Salesforce, so nothing was changed");
        (await hub.LinkAsync(tenant)).ShouldBeNull();
        hub.Approvals().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_callback_with_an_unknown_state_or_from_another_session_or_used_twice_is_refused()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var admin = await hub.SignInAsync();

        var forged = await admin.GetAsync("/linking/callback?code=aPrxFAKE&state=not-issued-here");
        forged.Status.ShouldBe(HttpStatusCode.BadRequest);
        forged.Html.ShouldContain("was not started from your session");

        // Admin starts a link; an attacker's session (another sign-in) replays the callback URL.
        var page = await admin.GetAsync($"/tenants/{tenant.Id}/salesforce");
        var start = await admin.SubmitAsync(page, "link-form", new Dictionary<string, string> { ["environment"] = "production", ["appConfig"] = "system" });
        var callback = await admin.EmulatorAuthorizeAsync(start.Location!, WellKnown.IntegrationUsername, WellKnown.IntegrationPassword, "allow");
        using var other = await hub.SignInAsync();
        var stolen = await other.GetAsync(callback.ToString());
        stolen.Status.ShouldBe(HttpStatusCode.BadRequest);
        (await hub.LinkAsync(tenant)).ShouldBeNull();

        // The attempt was consumed by the refused callback: the admin's own replay is refused too.
        var replay = await admin.GetAsync(callback.ToString());
        replay.Status.ShouldBe(HttpStatusCode.BadRequest);
        (await hub.LinkAsync(tenant)).ShouldBeNull();
    }

    [Fact]
    public async Task A_reused_callback_does_not_link_twice()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/salesforce");
        var start = await portal.SubmitAsync(page, "link-form", new Dictionary<string, string> { ["environment"] = "production" });
        var callback = await portal.EmulatorAuthorizeAsync(start.Location!, WellKnown.IntegrationUsername, WellKnown.IntegrationPassword, "allow");
        (await portal.GetAsync(callback.ToString())).Status.ShouldBe(HttpStatusCode.Redirect);
        var again = await portal.GetAsync(callback.ToString());
        again.Status.ShouldBe(HttpStatusCode.BadRequest);
        again.Html.ShouldContain("already used");
        hub.Approvals().Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_attempt_older_than_ten_minutes_is_refused()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/salesforce");
        var start = await portal.SubmitAsync(page, "link-form", new Dictionary<string, string> { ["environment"] = "production" });
        var callback = await portal.EmulatorAuthorizeAsync(start.Location!, WellKnown.IntegrationUsername, WellKnown.IntegrationPassword, "allow");
        hub.Clock.Advance(TimeSpan.FromMinutes(11));
        var late = await portal.GetAsync(callback.ToString());
        late.Html.ShouldContain("longer than ten minutes");
        (await hub.LinkAsync(tenant)).ShouldBeNull();
    }

    [Fact]
    public async Task Relinking_to_a_sandbox_org_revokes_the_previous_grant()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        await hub.LinkThroughPortalAsync(portal, tenant);
        hub.Approvals().Count.ShouldBe(1);

        var sandboxUser = WellKnown.IntegrationUsername + ".uat";
        await hub.LinkThroughPortalAsync(portal, tenant, "sandbox", sandboxUser);
        var link = (await hub.LinkAsync(tenant))!;
        link.Environment.ShouldBe(SalesforceEnvironment.Sandbox);
        link.Username.ShouldBe(sandboxUser);
        link.OrgId.ShouldBe(hub.Emulator.State.FindOrg("uat")!.Id);
        link.InstanceUrl.ShouldBe(hub.Emulator.InstanceUrlOf("uat"));
        hub.Approvals().ShouldBeEmpty();
        hub.Approvals(sandboxUser).Count.ShouldBe(1);
        (await portal.GetAsync($"/tenants/{tenant.Id}/salesforce")).Html.ShouldContain("relinked");
    }

    [Fact]
    public async Task Unlink_revokes_the_tokens_at_salesforce_and_forgets_them()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        await hub.LinkThroughPortalAsync(portal, tenant);
        var refreshToken = hub.Approvals().Single().Token;

        var page = await portal.GetAsync($"/tenants/{tenant.Id}/salesforce");
        page.Html.ShouldContain("no longer looks callers up in Salesforce");
        var unlinked = await portal.SubmitAsync(page, "unlink-form", new Dictionary<string, string>());
        unlinked.Status.ShouldBe(HttpStatusCode.Redirect);
        (await portal.GetAsync(unlinked.Location!.ToString())).Html.ShouldContain("Unlinked. ContactBridge no longer looks callers up");

        hub.Emulator.State.OAuth.FindRefresh(refreshToken)!.Revoked.ShouldBeTrue();
        var link = (await hub.LinkAsync(tenant))!;
        link.Status.ShouldBe(LinkStatus.Unlinked);
        link.RefreshTokenEnc.ShouldBeNull();
        link.AccessTokenEnc.ShouldBeNull();
        hub.Emulator.State.Log.Entries().ShouldContain(e => e.Kind == "oauth.revoke" && e.Status == 200);
    }

    [Fact]
    public async Task Client_credentials_link_uses_the_tenant_token_url_and_stores_no_refresh_token()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/salesforce");
        page.Html.ShouldContain($"value=\"{hub.Emulator.ProductionLoginUrl}/services/oauth2/token\"");
        var done = await portal.SubmitAsync(page, "client-credentials-form", new Dictionary<string, string>
        {
            ["tokenUrl"] = hub.Emulator.InstanceUrl + "/services/oauth2/token", ["clientId"] = WellKnown.ClientId, ["clientSecret"] = WellKnown.ClientSecret, ["apiVersion"] = "v61.0",
        });
        done.Status.ShouldBe(HttpStatusCode.Redirect, done.Html);
        var link = (await hub.LinkAsync(tenant))!;
        link.Status.ShouldBe(LinkStatus.Linked);
        link.Flow.ShouldBe(LinkFlow.ClientCredentials);
        link.Username.ShouldBe(WellKnown.IntegrationUsername);
        link.ApiVersion.ShouldBe("61.0");
        link.RefreshTokenEnc.ShouldBeNull();
        link.ClientSecretEnc.ShouldStartWith("v1:");

        // A login host refuses the client-credentials grant, as Salesforce's does: the admin is told what to check.
        var refused = await portal.SubmitAsync(await portal.GetAsync($"/tenants/{tenant.Id}/salesforce"), "client-credentials-form", new Dictionary<string, string>
        {
            ["tokenUrl"] = hub.Emulator.ProductionLoginUrl + "/services/oauth2/token", ["clientId"] = WellKnown.ClientId, ["clientSecret"] = WellKnown.ClientSecret,
        });
        refused.Status.ShouldBe(HttpStatusCode.BadRequest);
        refused.Html.ShouldContain("request not supported on this domain");
    }

    [Fact]
    public async Task One_api_user_links_at_most_five_tenants_and_the_sixth_is_told_to_create_another()
    {
        await using var hub = await TestHub.StartAsync();
        using var portal = await hub.SignInAsync();
        var tenants = new List<ContactBridge.Tenants.Tenant>();
        for (var i = 0; i < 6; i++) tenants.Add(await hub.CreateTenantAsync($"Tenant {i}"));
        foreach (var t in tenants.Take(5)) await hub.LinkThroughPortalAsync(portal, t);

        var sixth = await portal.AuthorizeAsync(tenants[5].Id, "production", WellKnown.IntegrationUsername, WellKnown.IntegrationPassword, "allow");
        sixth.Status.ShouldBe(HttpStatusCode.BadRequest);
        sixth.Html.ShouldContain("already linked to 5 tenants");
        sixth.Html.ShouldContain("Create another API Only user");
        (await hub.LinkAsync(tenants[5])).ShouldBeNull();
        // Salesforce revoked the oldest approval when it issued the sixth; the hub handed the new one to
        // the tenant that lost its token, so all five keep working with five approvals in all.
        hub.Approvals().Count.ShouldBe(5);
        hub.Emulator.State.OAuth.ExpireAllAccessTokens();
        foreach (var t in tenants.Take(5)) (await hub.Services.GetRequiredService<SalesforceLinkService>().CheckAsync(t.Id, TestContext.Current.CancellationToken))!.Status.ShouldBe(LinkStatus.Linked);
        (await hub.Services.GetRequiredService<LinkStore>().EventsAsync(tenants[0].Id, 5, TestContext.Current.CancellationToken)).ShouldContain(e => e.Event == "grant_replaced");
    }

    [Fact]
    public async Task An_expired_access_token_is_refreshed_once_however_many_calls_hit_it()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        await hub.LinkThroughPortalAsync(portal, tenant);
        var connections = hub.Services.GetRequiredService<SalesforceConnections>();
        var client = await connections.ClientAsync(tenant.Id, TestContext.Current.CancellationToken);
        var users = hub.Records("User").Count;
        (await client.QueryAsync("SELECT Id FROM User", TestContext.Current.CancellationToken))["totalSize"]!.GetValue<int>().ShouldBe(users);

        hub.Emulator.State.OAuth.ExpireAllAccessTokens();
        var before = hub.Emulator.State.Log.LastSequence;
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.QueryAsync("SELECT Id FROM User", TestContext.Current.CancellationToken)));
        results.ShouldAllBe(r => r["totalSize"]!.GetValue<int>() == users);
        hub.Emulator.State.Log.Entries(null, before).Count(e => e.Kind == "oauth.token.refresh_token").ShouldBe(1);
        client.Session.RefreshCount.ShouldBe(1);
        client.Session.LastApiUsage!.Used.ShouldBeGreaterThan(0);
        (await hub.LinkAsync(tenant))!.Status.ShouldBe(LinkStatus.Linked);
    }

    [Fact]
    public async Task A_revoked_refresh_token_moves_the_link_to_needs_relink_with_the_reason_shown()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        await hub.LinkThroughPortalAsync(portal, tenant);

        // Someone revokes the app's access in Salesforce, and the session expires.
        hub.Emulator.State.OAuth.RevokeRefreshTokens(hub.Emulator.State.FindUser(WellKnown.IntegrationUsername)!.Value.User.Id, null);
        (await LinkHealthCheckWorker.CheckAllAsync(hub.Services, TestContext.Current.CancellationToken)).ShouldBe(1);

        var link = (await hub.LinkAsync(tenant))!;
        link.Status.ShouldBe(LinkStatus.NeedsRelink);
        link.StatusReason!.ShouldContain("refresh token was revoked or expired");
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/salesforce");
        page.Html.ShouldContain(">Needs relink<");
        page.Html.ShouldContain("invalid_grant");
        // Relinking restores it.
        await hub.LinkThroughPortalAsync(portal, tenant);
        (await hub.LinkAsync(tenant))!.Status.ShouldBe(LinkStatus.Linked);
    }

    [Fact]
    public async Task A_deactivated_salesforce_user_moves_the_link_to_needs_relink()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        await hub.LinkThroughPortalAsync(portal, tenant);
        using var admin = new HttpClient { BaseAddress = hub.Emulator.BaseUri };
        (await admin.PatchAsJsonAsync($"/_emulator/users/{WellKnown.IntegrationUsername}", new { active = false }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var link = await hub.Services.GetRequiredService<SalesforceLinkService>().CheckAsync(tenant.Id, TestContext.Current.CancellationToken);
        link!.Status.ShouldBe(LinkStatus.NeedsRelink);
        link.StatusReason!.ShouldContain("deactivated");
    }

    [Fact]
    public async Task A_legacy_password_link_is_imported_as_legacy_and_keeps_working()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Old Co");
        var service = hub.Services.GetRequiredService<SalesforceLinkService>();
        await service.ImportLegacyAsync(tenant.Id, SalesforceEnvironment.Production, null, WellKnown.ClientId, WellKnown.ClientSecret,
            WellKnown.IntegrationUsername, WellKnown.IntegrationPassword, null, TestContext.Current.CancellationToken);
        var link = (await hub.LinkAsync(tenant))!;
        link.Status.ShouldBe(LinkStatus.Legacy);
        link.LegacyPasswordEnc.ShouldStartWith("v1:");
        hub.Emulator.State.OAuth.ExpireAllAccessTokens();
        (await service.CheckAsync(tenant.Id, TestContext.Current.CancellationToken))!.Status.ShouldBe(LinkStatus.Legacy);
        hub.Emulator.State.Log.Entries().Count(e => e.Kind == "oauth.token.password").ShouldBe(2);

        using var portal = await hub.SignInAsync();
        (await portal.GetAsync($"/tenants/{tenant.Id}/salesforce")).Html.ShouldContain("Salesforce is retiring");
        await Should.ThrowAsync<LinkingException>(() => service.ImportLegacyAsync(tenant.Id, SalesforceEnvironment.Production, null, WellKnown.ClientId,
            WellKnown.ClientSecret, WellKnown.IntegrationUsername, "wrong", null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_api_version_is_normalised_and_checked_against_the_org()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        await hub.LinkThroughPortalAsync(portal, tenant, apiVersion: "v60.0");
        (await hub.LinkAsync(tenant))!.ApiVersion.ShouldBe("60.0");

        var tooOld = await portal.AuthorizeAsync(tenant.Id, "production", WellKnown.IntegrationUsername, WellKnown.IntegrationPassword, "allow", "19.0");
        tooOld.Status.ShouldBe(HttpStatusCode.BadRequest);
        tooOld.Html.ShouldContain("does not offer API version 19.0");
        (await hub.LinkAsync(tenant))!.ApiVersion.ShouldBe("60.0");

        var page = await portal.GetAsync($"/tenants/{tenant.Id}/salesforce");
        var bad = await portal.SubmitAsync(page, "link-form", new Dictionary<string, string> { ["environment"] = "production", ["apiVersion"] = "sixty" });
        bad.Status.ShouldBe(HttpStatusCode.BadRequest);
        bad.Html.ShouldContain("is not an API version");
        var saved = await portal.SubmitAsync(page, "api-version-form", new Dictionary<string, string> { ["apiVersion"] = "v62.0" });
        saved.Status.ShouldBe(HttpStatusCode.Redirect);
        (await hub.LinkAsync(tenant))!.ApiVersion.ShouldBe("62.0");
    }

    [Fact]
    public async Task Custom_configuration_links_with_the_tenant_own_connected_app_and_shows_the_callback_url()
    {
        await using var hub = await TestHub.StartAsync(systemApp: false);
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/salesforce");
        page.Html.ShouldContain($"<code id=\"callback-url\">{hub.BaseUri}linking/callback</code>");
        var noApp = await portal.SubmitAsync(page, "link-form", new Dictionary<string, string> { ["environment"] = "production", ["appConfig"] = "system" });
        noApp.Html.ShouldContain("connected app is not set up yet");

        hub.Emulator.State.AddApp(new ConnectedApp
        {
            Name = "Acme's own app", ClientId = "acme-app", ClientSecret = "acme-secret", OwnerOrgKey = "default",
            CallbackUrls = [$"{hub.BaseUri}linking/callback"],
        });
        (await portal.SubmitAsync(page, "custom-app-form", new Dictionary<string, string> { ["clientId"] = "acme-app", ["clientSecret"] = "acme-secret" }))
            .Status.ShouldBe(HttpStatusCode.Redirect);
        var landed = await portal.AuthorizeAsync(tenant.Id, "production", WellKnown.IntegrationUsername, WellKnown.IntegrationPassword, "allow", appConfig: "custom");
        landed.Status.ShouldBe(HttpStatusCode.Redirect, landed.Html);
        var link = (await hub.LinkAsync(tenant))!;
        link.AppConfig.ShouldBe(AppConfiguration.Custom);
        link.ClientId.ShouldBe("acme-app");
        var user = hub.Emulator.State.FindUser(WellKnown.IntegrationUsername)!.Value.User;
        hub.Emulator.State.OAuth.Approvals(user.Id, "acme-app").Count.ShouldBe(1);
    }
}
