using System.Net;
using System.Security.Cryptography;
using ContactBridge.Linking;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.SeveralInstances;

/// <summary>Two hub instances on one PostgreSQL, as behind a load balancer: what one does, the other knows.</summary>
public sealed class SeveralInstancesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_expired_session_is_refreshed_once_for_all_instances_and_the_others_take_its_token()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var db = await TestDatabase.CreateAsync("postgresql");
        await using var first = await TestHub.StartAsync(db.ConnectionString, settings: new() { ["Hub:Key"] = key });
        var tenant = await first.LinkedTenantAsync();
        await using var second = await first.AnotherInstanceAsync(db.ConnectionString!, key);
        var a = await first.Services.GetRequiredService<SalesforceConnections>().ClientAsync(tenant.Id, Ct);
        var b = await second.Services.GetRequiredService<SalesforceConnections>().ClientAsync(tenant.Id, Ct);
        await Task.WhenAll(a.QueryAsync("SELECT Id FROM User LIMIT 1", Ct), b.QueryAsync("SELECT Id FROM User LIMIT 1", Ct));

        for (var round = 1; round <= 3; round++)
        {
            first.Emulator.State.OAuth.ExpireAllAccessTokens();
            var before = first.Emulator.State.Log.LastSequence;
            // Both instances meet the 401 at once.
            await Task.WhenAll(Enumerable.Range(0, 4).Select(i => (i % 2 == 0 ? a : b).QueryAsync("SELECT Id FROM User LIMIT 1", Ct)));
            first.Emulator.State.Log.Entries(null, before).Count(e => e.Kind == "oauth.token.refresh_token").ShouldBe(1, $"round {round}: one refresh across both instances");
            a.Session.AccessToken.ShouldBe(b.Session.AccessToken);
        }
        (a.Session.RefreshCount + b.Session.RefreshCount).ShouldBe(6, "each instance's session took a new token each round, one of them from the other");
    }

    [Fact]
    public async Task A_portal_session_signed_in_at_one_instance_works_at_another_without_sticky_sessions()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var db = await TestDatabase.CreateAsync("postgresql");
        await using var first = await TestHub.StartAsync(db.ConnectionString, settings: new() { ["Hub:Key"] = key });
        await using var second = await first.AnotherInstanceAsync(db.ConnectionString!, key);
        using var portal = await first.SignInAsync();
        var atFirst = await portal.GetAsync("/tenants");
        atFirst.Status.ShouldBe(HttpStatusCode.OK);

        // The next request lands on the other instance: the cookie and the form's antiforgery token are good there too.
        var atSecond = await portal.GetAsync(new Uri(second.BaseUri, "/tenants").ToString());
        atSecond.Status.ShouldBe(HttpStatusCode.OK, atSecond.Html);
        atSecond.Html.ShouldContain("id=\"new-tenant\"");
        var created = await portal.SubmitAsync(atFirst with { Url = new Uri(second.BaseUri, "/tenants") }, "new-tenant", new Dictionary<string, string> { ["name"] = "Made Elsewhere" });
        created.Status.ShouldBe(HttpStatusCode.Redirect, created.Html);
        (await first.Services.GetRequiredService<ContactBridge.Tenants.TenantStore>().ListAsync(Ct)).ShouldContain(t => t.Name == "Made Elsewhere");
    }
}
