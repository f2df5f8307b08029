using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.Intake;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Logging;

public sealed class IntakeTests
{
    private static async Task<long> Stored(TestHub hub, string tenantId) =>
        await hub.Services.GetRequiredService<InboxStore>().CountAsync(tenantId, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Signed_events_are_stored_before_202_and_a_repeated_event_id_is_a_no_op()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var events = sender.Interaction("call-1");
        var body = new JsonArray(events.Select(e => (JsonNode)e.DeepClone()).ToArray()).ToJsonString();
        var (status, answer) = await sender.SendAsync(body);
        status.ShouldBe(HttpStatusCode.Accepted);
        answer!["accepted"]!.GetValue<int>().ShouldBe(3);
        (await Stored(hub, tenant.Id)).ShouldBe(3);
        var (again, repeat) = await sender.SendAsync(body);
        again.ShouldBe(HttpStatusCode.Accepted);
        repeat!["accepted"]!.GetValue<int>().ShouldBe(0);
        repeat["duplicates"]!.GetValue<int>().ShouldBe(3);
        (await Stored(hub, tenant.Id)).ShouldBe(3);

        var single = sender.Event("call-2", "note_added", new JsonObject { ["note"] = new JsonObject { ["text"] = "hi" } });
        (await sender.SendAsync(single.ToJsonString(), "application/cloudevents+json")).Status.ShouldBe(HttpStatusCode.Accepted);
        (await Stored(hub, tenant.Id)).ShouldBe(4);
    }

    [Fact]
    public async Task Unsigned_missigned_stale_or_unknown_tenant_requests_are_refused_with_problem_details()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var body = new JsonArray(sender.Event("c", "started")).ToJsonString();

        using var raw = new HttpClient { BaseAddress = hub.BaseUri };
        var unsigned = await raw.PostAsync($"/api/v1/tenants/{tenant.Id}/events", new StringContent(body, System.Text.Encoding.UTF8, "application/cloudevents-batch+json"),
            TestContext.Current.CancellationToken);
        unsigned.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        unsigned.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await unsigned.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("not signed");

        (await sender.SendAsync(body, signWith: "cbs_not-the-secret")).Body!["detail"]!.GetValue<string>().ShouldContain("does not match");
        var stale = await sender.SendAsync(body, timestamp: hub.Clock.GetUtcNow().AddMinutes(-6).ToUnixTimeSeconds());
        stale.Status.ShouldBe(HttpStatusCode.Unauthorized);
        stale.Body!["detail"]!.GetValue<string>().ShouldContain("within 5 minutes");
        (await sender.SendAsync(body, path: "/api/v1/tenants/no-such-tenant/events")).Status.ShouldBe(HttpStatusCode.NotFound);
        (await Stored(hub, tenant.Id)).ShouldBe(0);
    }

    [Fact]
    public async Task Two_secrets_are_valid_at_once_during_rotation()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        var secrets = hub.Services.GetRequiredService<IntakeSecrets>();
        var first = await secrets.RotateAsync(tenant.Id, TestContext.Current.CancellationToken);
        var second = await secrets.RotateAsync(tenant.Id, TestContext.Current.CancellationToken);
        using var sender = new EventSender(hub, tenant.Id, second);
        (await sender.SendAsync(new JsonArray(sender.Event("a", "started")).ToJsonString(), signWith: first)).Status.ShouldBe(HttpStatusCode.Accepted);
        (await sender.SendAsync(new JsonArray(sender.Event("b", "started")).ToJsonString(), signWith: second)).Status.ShouldBe(HttpStatusCode.Accepted);
        await secrets.RotateAsync(tenant.Id, TestContext.Current.CancellationToken);
        (await sender.SendAsync(new JsonArray(sender.Event("c", "started")).ToJsonString(), signWith: first)).Status.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Malformed_or_invalid_batches_are_refused_whole_with_every_problem_listed()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        (await sender.SendAsync("{not json")).Body!["title"]!.GetValue<string>().ShouldBe("Malformed JSON");
        (await sender.SendAsync("[]")).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await sender.SendAsync("{}", "text/plain")).Status.ShouldBe(HttpStatusCode.UnsupportedMediaType);

        var good = sender.Event("c", "started");
        var noId = sender.Event("c", "ended");
        noId.Remove("id");
        var badType = sender.Event("c", "teleported");
        var badSpec = sender.Event("c", "note_added");
        badSpec["specversion"] = "0.3";
        var (status, body) = await sender.SendAsync(new JsonArray(good, noId, badType, badSpec).ToJsonString());
        status.ShouldBe(HttpStatusCode.BadRequest);
        var errors = body!["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        errors.ShouldContain("[1].id is required.");
        errors.ShouldContain(e => e.StartsWith("[2].type \"com.contactbridge.interaction.teleported\" is not one of", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("[3].specversion must be \"1.0\"", StringComparison.Ordinal));
        (await Stored(hub, tenant.Id)).ShouldBe(0);

        var tooMany = new JsonArray(Enumerable.Range(0, IntakeEndpoints.MaxBatch + 1).Select(i => (JsonNode)sender.Event($"c{i}", "started")).ToArray());
        (await sender.SendAsync(tooMany.ToJsonString())).Status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        var huge = sender.Event("c", "note_added", new JsonObject { ["note"] = new JsonObject { ["text"] = new string('x', IntakeEndpoints.MaxBodyBytes) } });
        (await sender.SendAsync(new JsonArray(huge).ToJsonString())).Status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await Stored(hub, tenant.Id)).ShouldBe(0);
    }
}
