using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.Tests.Support;
using Dapper;

namespace ContactBridge.Tests.ContactCenter;

/// <summary>The command endpoint's settings and the checks a command passes before anything is stored or sent.</summary>
public sealed class CommandEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_command_url_is_checked_and_its_secret_shown_once_and_kept_encrypted()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme Support");
        using var portal = await hub.SignInAsync();
        var path = $"/api/v1/tenants/{tenant.Id}/contact-center";

        foreach (var (url, expected) in new[]
                 {
                     ("ftp://cc.example/commands", "is not an absolute http or https URL"),
                     ("/commands", "is not an absolute http or https URL"),
                     ("https://user:pw@cc.example/commands", "must not carry a user name or password"),
                     ("http://cc.example/commands", "Commands travel over https to the contact center's public address"),
                     ("https://127.0.0.1:8855/commands", "ContactCenter:AllowPrivateNetwork=true"),
                     ("https://localhost/commands", "ContactCenter:AllowPrivateNetwork=true"),
                     ("https://10.1.2.3/commands", "ContactCenter:AllowPrivateNetwork=true"),
                     ("https://169.254.169.254/latest/meta-data", "ContactCenter:AllowPrivateNetwork=true"),
                     ("https://[::1]/commands", "ContactCenter:AllowPrivateNetwork=true"),
                     ("https://[::ffff:192.168.0.1]/commands", "ContactCenter:AllowPrivateNetwork=true"),
                     ("https://[fd00::1]/commands", "ContactCenter:AllowPrivateNetwork=true"),
                 })
        {
            var (status, problem) = await portal.SendJsonAsync(HttpMethod.Put, path, new JsonObject { ["commandUrl"] = url }.ToJsonString());
            status.ShouldBe(HttpStatusCode.BadRequest, url);
            problem!["detail"]!.GetValue<string>().ShouldContain(expected);
        }
        (await portal.SendJsonAsync(HttpMethod.Put, path, """{"commandUrl": "https://cc.example/c", "secret": "mine"}""")).Status.ShouldBe(HttpStatusCode.BadRequest,
            "an unknown member is refused, not ignored");

        var (ok, answer) = await portal.SendJsonAsync(HttpMethod.Put, path, """{"commandUrl": "https://cc.example/contactbridge/commands"}""");
        ok.ShouldBe(HttpStatusCode.OK);
        var secret = answer!["commandSecret"]!.GetValue<string>();
        secret.ShouldStartWith("cbc_");
        // Setting the URL again keeps the secret (and does not show it); asking for a new one replaces it.
        (await portal.SendJsonAsync(HttpMethod.Put, path, """{"commandUrl": "https://cc.example/v2/commands"}""")).Body!["commandSecret"].ShouldBeNull();
        var (_, view) = await portal.SendJsonAsync(HttpMethod.Get, path, null);
        view!["commandUrl"]!.GetValue<string>().ShouldBe("https://cc.example/v2/commands");
        view.ToJsonString().ShouldNotContain("cbc_");

        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
        {
            var stored = await c.QuerySingleAsync<string>("SELECT secret_enc FROM contact_center_connections WHERE tenant_id = @id", new { id = tenant.Id });
            stored.ShouldNotContain(secret);
            stored.ShouldStartWith("v1:");
        }
        var again = (await portal.SendJsonAsync(HttpMethod.Put, path, """{"commandUrl": "https://cc.example/v2/commands", "newSecret": true}""")).Body!["commandSecret"]!.GetValue<string>();
        again.ShouldNotBe(secret);
        (await hub.Services.GetRequiredService<ContactBridge.ContactCenter.ContactCenterConnections>().GetAsync(tenant.Id, Ct))!.Secret.ShouldBe(again);

        (await portal.SendJsonAsync(HttpMethod.Delete, path, null)).Status.ShouldBe(HttpStatusCode.NoContent);
        (await portal.SendJsonAsync(HttpMethod.Get, path, null)).Body!["commandUrl"].ShouldBeNull();
    }

    [Fact]
    public async Task A_command_without_a_contact_center_or_with_bad_data_is_refused_before_anything_is_sent()
    {
        await using var hub = await TestHub.StartAsync(settings: TestContactCenter.HubSettings);
        var tenant = await hub.CreateTenantAsync("Acme Support");
        using var portal = await hub.SignInAsync();
        var path = $"/api/v1/tenants/{tenant.Id}/agents/ag-1/commands";

        var (status, problem) = await portal.SendJsonAsync(HttpMethod.Post, path, """{"type": "set_state", "data": {"state": "available"}}""");
        status.ShouldBe(HttpStatusCode.Conflict);
        problem!["detail"]!.GetValue<string>().ShouldContain("contactbridge contact-center connect");

        // Closed port on loopback: nothing listens, and no request should even be tried for invalid commands.
        (await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/contact-center", """{"commandUrl": "http://127.0.0.1:9/commands"}""")).Status
            .ShouldBe(HttpStatusCode.OK);
        foreach (var (body, expected) in new[]
                 {
                     ("""{"type": "teleport"}""", "type \"teleport\" is not one of: login, logout, set_state"),
                     ("""{"data": {}}""", "type is required"),
                     ("""{"type": 7}""", "type must be a string."),
                     ("""{"type": "set_state", "data": {"state": "asleep"}}""", "command.data.state must be one of available, unavailable, not \"asleep\"."),
                     ("""{"type": "set_state", "data": []}""", "data must be a JSON object."),
                     ("""{"type": "hangup", "data": {}}""", "command.data.interactionId is required for hangup."),
                     ("""{"type": "send_dtmf", "data": {"interactionId": "c-1", "digits": "12;rm -rf"}}""", "command.data.digits may hold only 0-9, *, #, A-D and commas"),
                     ("""{"type": "transfer", "data": {"interactionId": "c-1", "kind": "blind", "to": {"agentId": "ag-2", "number": "+14155550100"}}}""",
                         "command.data.to must name exactly one of agentId, skill, number."),
                     ("""{"type": "dial", "data": {"number": "+1 415 555 0100 99999"}}""", "command.data.number has 16 digits; an international number has at most 15"),
                     ("""{"type": "create_commitment", "data": {"number": "+14155550100", "due": "tomorrow"}}""", "command.data.due must be an RFC 3339 timestamp"),
                 })
        {
            (status, problem) = await portal.SendJsonAsync(HttpMethod.Post, path, body);
            status.ShouldBe(HttpStatusCode.BadRequest, body);
            problem!.ToJsonString().ShouldContain(JsonEncoded(expected), Case.Sensitive, body);
        }
        (status, _) = await portal.SendJsonAsync(HttpMethod.Post, path, "{\"type\": \"logout\",");
        status.ShouldBe(HttpStatusCode.BadRequest);
        (status, problem) = await portal.SendJsonAsync(HttpMethod.Post, $"/api/v1/tenants/{tenant.Id}/agents/%20ag-1/commands", """{"type": "logout"}""");
        status.ShouldBe(HttpStatusCode.BadRequest);
        problem!.ToJsonString().ShouldContain("The agent id must be 1 to 200 characters");

        var recent = await hub.Services.GetRequiredService<ContactBridge.ContactCenter.CommandStore>().RecentAsync(tenant.Id, null, 50, Ct);
        recent.ShouldBeEmpty("nothing refused here was stored, let alone sent");
    }

    private static string JsonEncoded(string text) => System.Text.Json.JsonSerializer.Serialize(text)[1..^1];
}
