using System.Net;
using System.Text;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Tenants;

public sealed class SignInTests
{
    [Fact]
    public async Task Repeated_failures_lock_the_account_until_the_lockout_passes()
    {
        await using var hub = await TestHub.StartAsync();
        using var portal = new PortalClient(hub.BaseUri, hub.Emulator.BaseUri);
        for (var i = 0; i < 4; i++) (await portal.SignInAsync(TestHub.AdminEmail, "wrong password!")).ShouldBe(HttpStatusCode.Unauthorized);
        (await portal.SignInAsync(TestHub.AdminEmail, "wrong password!")).ShouldBe(HttpStatusCode.TooManyRequests);
        // Locked: even the right password is refused, with a message that says why.
        var login = await portal.GetAsync("/login");
        var locked = await portal.SubmitAsync(login, "login-form", new Dictionary<string, string> { ["email"] = TestHub.AdminEmail, ["password"] = TestHub.Password });
        locked.Status.ShouldBe(HttpStatusCode.TooManyRequests);
        locked.Html.ShouldContain("locked for 15 minutes");

        hub.Clock.Advance(TimeSpan.FromMinutes(16));
        (await portal.SignInAsync(TestHub.AdminEmail, TestHub.Password)).ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task An_unknown_email_and_a_wrong_password_get_the_same_answer()
    {
        await using var hub = await TestHub.StartAsync();
        using var portal = new PortalClient(hub.BaseUri, hub.Emulator.BaseUri);
        var page = await portal.GetAsync("/login");
        var unknown = await portal.SubmitAsync(page, "login-form", new Dictionary<string, string> { ["email"] = "nobody@hub.example", ["password"] = "whatever it is" });
        var wrong = await portal.SubmitAsync(page, "login-form", new Dictionary<string, string> { ["email"] = TestHub.AdminEmail, ["password"] = "whatever it is" });
        unknown.Status.ShouldBe(wrong.Status);
        unknown.Html.ShouldContain("Wrong e-mail or password.");
        wrong.Html.ShouldContain("Wrong e-mail or password.");
    }

    [Fact]
    public async Task Every_form_needs_its_antiforgery_token()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        await hub.LinkThroughPortalAsync(portal, tenant);
        (await portal.PostAsync($"/tenants/{tenant.Id}/salesforce/unlink", new Dictionary<string, string>())).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await portal.PostAsync("/tenants", new Dictionary<string, string> { ["name"] = "Sneaky" })).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await portal.PostAsync("/login", new Dictionary<string, string> { ["email"] = TestHub.AdminEmail, ["password"] = TestHub.Password })).Status.ShouldBe(HttpStatusCode.BadRequest);
        using var api = new HttpRequestMessage(HttpMethod.Delete, new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/salesforce-link"));
        (await portal.Http.SendAsync(api, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hub.LinkAsync(tenant))!.Status.ShouldBe("linked");
        (await hub.Services.GetRequiredService<ContactBridge.Tenants.TenantStore>().ListAsync(TestContext.Current.CancellationToken)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task No_secret_is_readable_in_the_database_file_or_the_logs()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var portal = await hub.SignInAsync();
        await hub.LinkThroughPortalAsync(portal, tenant);
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/salesforce");
        await portal.SubmitAsync(page, "custom-app-form", new Dictionary<string, string> { ["clientId"] = "custom-app", ["clientSecret"] = "custom-secret-value-123" });
        hub.Emulator.State.OAuth.ExpireAllAccessTokens();
        await hub.Services.GetRequiredService<ContactBridge.Linking.SalesforceLinkService>().CheckAsync(tenant.Id, TestContext.Current.CancellationToken);

        var user = hub.Emulator.State.FindUser(Emulator.Org.WellKnown.IntegrationUsername)!.Value.User;
        var refresh = hub.Approvals().Single().Token;
        var accessTokens = hub.Emulator.State.OAuth.AllAccess.Where(a => a.UserId == user.Id).Select(a => a.Token).ToList();
        accessTokens.Count.ShouldBe(2);
        var secrets = new List<string>(accessTokens) { refresh, Emulator.Org.WellKnown.ClientSecret, "custom-secret-value-123", TestHub.Password };

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var files = Directory.GetFiles(hub.Directory, "contactbridge.db*");
        files.ShouldNotBeEmpty();
        var bytes = string.Concat(files.Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        var logs = hub.Logs.All;
        logs.ShouldContain("Refreshed the Salesforce session");
        foreach (var secret in secrets)
        {
            bytes.ShouldNotContain(secret);
            logs.ShouldNotContain(secret);
            // The key that could decrypt them is not in the database directory's database files either.
        }
        bytes.ShouldNotContain(File.ReadAllText(Path.Combine(hub.Directory, "secrets.key")).Trim());
        if (!OperatingSystem.IsWindows()) File.GetUnixFileMode(Path.Combine(hub.Directory, "secrets.key")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
