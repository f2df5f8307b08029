using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenter;
using ContactBridge.Emulator.Org;
using ContactBridge.Tests.Support;
using ContactBridge.Workforce;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ContactBridge.Tests.Workforce;

/// <summary>The real-time feed: each agent state change to a signed, retried webhook, to a stream with a snapshot, and into the org as a platform event.</summary>
public sealed class WorkforceRealTimeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A WFM tool's webhook endpoint: it records each request, and answers 503 to the first (the hub must try again).</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        public ConcurrentQueue<(string Body, string? Signature, string? Key)> Requests { get; } = new();
        private readonly WebApplication _app;
        private int _count;

        private WebhookReceiver(WebApplication app) => _app = app;

        public Uri Url => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/wfm/states");

        public static async Task<WebhookReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new WebhookReceiver(app);
            app.MapPost("/wfm/states", async (HttpContext c) =>
            {
                using var reader = new StreamReader(c.Request.Body, Encoding.UTF8);
                receiver.Requests.Enqueue((await reader.ReadToEndAsync(), c.Request.Headers["ContactBridge-Signature"], c.Request.Headers["Idempotency-Key"]));
                return Interlocked.Increment(ref receiver._count) == 1 ? Results.StatusCode(503) : Results.Ok();
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    private static SeedFile SeedWithAgentStateEvent()
    {
        var seed = TestHub.Seed();
        seed.Orgs[0].PlatformEvents.Add(new SeedObject
        {
            Name = "Agent_State__e",
            Fields =
            [
                new SeedField { Name = "AgentId__c", Length = 80 }, new SeedField { Name = "State__c", Length = 40 }, new SeedField { Name = "Reason__c", Length = 80 },
                new SeedField { Name = "Activity__c", Length = 80 }, new SeedField { Name = "Category__c", Length = 20 }, new SeedField { Name = "Since__c", Type = "datetime" },
            ],
        });
        return seed;
    }

    [Fact]
    public async Task State_changes_reach_a_signed_retried_webhook_the_stream_and_the_org_as_one_batched_platform_event()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var hub = await TestHub.StartAsync(seed: SeedWithAgentStateEvent(), settings: new() { ["ContactCenter:AllowPrivateNetwork"] = "true" });
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var api = $"/api/v1/tenants/{tenant.Id}/workforce";
        (await portal.SendJsonAsync(HttpMethod.Put, $"{api}/historical/default", """{"enabled": true, "readyActivities": "Available", "notReadyActivities": "Unavailable; Lunch"}"""))
            .Status.ShouldBe(HttpStatusCode.OK);

        // A platform event without the fields the hub fills is refused, by name.
        var (status, body) = await portal.SendJsonAsync(HttpMethod.Put, $"{api}/realtime/default", """{"enabled": true, "platformEvent": "Contact_Seen__e"}""");
        status.ShouldBe(HttpStatusCode.BadRequest);
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, $"{api}/realtime/default",
            $$"""{"enabled": true, "platformEvent": "Agent_State__e", "webhookUrl": "{{receiver.Url}}"}""");
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        var secret = body!["webhookSecret"]!.GetValue<string>();
        secret.ShouldStartWith("whsec_");
        body["realTime"]!["platformEventFields"]!.AsArray().Count.ShouldBe(6);
        (await portal.SendJsonAsync(HttpMethod.Get, $"{api}/realtime/default", null)).Body!.ToJsonString().ShouldNotContain(secret, customMessage: "shown once");
        // Saved again: the secret stays (and is not shown); asked for, a new one replaces it, shown in that answer.
        (await portal.SendJsonAsync(HttpMethod.Put, $"{api}/realtime/default", $$"""{"enabled": true, "platformEvent": "Agent_State__e", "webhookUrl": "{{receiver.Url}}"}""")).Body!
            ["webhookSecret"].ShouldBeNull();
        var (_, rotated) = await portal.SendJsonAsync(HttpMethod.Put, $"{api}/realtime/default",
            $$"""{"enabled": true, "platformEvent": "Agent_State__e", "webhookUrl": "{{receiver.Url}}", "newWebhookSecret": true}""");
        var newSecret = rotated!["webhookSecret"]!.GetValue<string>();
        newSecret.ShouldNotBe(secret);
        rotated["realTime"]!.AsObject().ContainsKey("newWebhookSecret").ShouldBeFalse("asked for, not kept");
        secret = newSecret;

        using var stream = await LiveStream.OpenAsync(portal.Http, new Uri(hub.BaseUri, $"{api}/realtime/default/stream"));
        var (name, snapshot) = await stream.NextAsync();
        (name, snapshot["agents"]!.AsArray().Count).ShouldBe(("snapshot", 0));

        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(hub.Clock.GetUtcNow().ToUnixTimeMilliseconds());
        await sender.AcceptAsync(
            sender.Live("ag-1", ContactCenterEvents.LoggedIn, new() { ["agent"] = new JsonObject { ["name"] = "Ada Agent" } }, t0),
            sender.Live("ag-1", ContactCenterEvents.StateChanged, new() { ["state"] = "available" }, t0.AddMilliseconds(1)));
        var (_, ready) = await stream.NextAsync();
        (ready["agentId"]!.GetValue<string>(), ready["activity"]!.GetValue<string>(), ready["category"]!.GetValue<string>()).ShouldBe(("ag-1", "Available", "ready"));
        await sender.AcceptAsync(sender.Live("ag-1", ContactCenterEvents.StateChanged, new() { ["state"] = "unavailable", ["reason"] = "Lunch" }, t0.AddSeconds(30)));
        var (_, lunch) = await stream.NextAsync();
        (lunch["state"]!.GetValue<string>(), lunch["reason"]!.GetValue<string>(), lunch["category"]!.GetValue<string>()).ShouldBe(("unavailable", "Lunch", "not_ready"));
        lunch["since"]!.GetValue<DateTimeOffset>().ShouldBe(t0.AddSeconds(30));

        // The deliveries: the webhook's first attempt gets 503 and is tried again after a second; the platform events are published,
        // three changes in one API call.
        var deliveries = hub.Services.GetRequiredService<WorkforceDeliverySender>();
        var calls = hub.Emulator.State.Log.LastSequence;
        await deliveries.RunOnceAsync(Ct);
        receiver.Requests.Count.ShouldBe(1);
        hub.Clock.Advance(TimeSpan.FromSeconds(1));
        while (await deliveries.RunOnceAsync(Ct) > 0) { }
        var requests = receiver.Requests.ToList();
        requests.Count.ShouldBe(3, "the first batch twice (503, then 200), then the second");
        requests[1].Key.ShouldBe(requests[0].Key, "the same delivery again, with its idempotency key");
        foreach (var (text, signature, _) in requests)
        {
            var t = long.Parse(signature!.Split(',')[0][2..], System.Globalization.CultureInfo.InvariantCulture);
            signature.ShouldBe($"t={t},v1={ContactBridge.Intake.IntakeSecrets.Sign(secret, t, Encoding.UTF8.GetBytes(text))}", "signed with the webhook's secret");
        }
        var changes = requests.Skip(1).SelectMany(r => JsonNode.Parse(r.Body)!["changes"]!.AsArray()).Select(c => (c!["state"]!.GetValue<string>(), c["category"]!.GetValue<string>())).ToList();
        changes.ShouldBe([("unavailable", "not_ready"), ("available", "ready"), ("unavailable", "not_ready")], "logged in, available, lunch");
        var published = hub.Emulator.State.Log.Entries(afterSequence: calls).Where(e => e.Path.Contains("/composite/sobjects", StringComparison.Ordinal)).ToList();
        published.Count.ShouldBe(1, "the batch's changes in one call");
        lock (hub.Emulator.State.DefaultOrg.Sync)
        {
            var events = hub.Emulator.State.DefaultOrg.Events.After("/event/Agent_State__e", -2).Select(e => e.Payload).ToList();
            events.Select(e => (e["AgentId__c"]!.GetValue<string>(), e["Category__c"]!.GetValue<string>())).ShouldBe([("ag-1", "not_ready"), ("ag-1", "ready"), ("ag-1", "not_ready")]);
            events[2]["Reason__c"]!.GetValue<string>().ShouldBe("Lunch");
        }
        var listed = await portal.GetArrayAsync($"{api}/realtime/default/deliveries");
        listed.Select(d => d!["state"]!.GetValue<string>()).ShouldAllBe(s => s == "sent");
        listed.Count.ShouldBe(4, "two batches, each to the webhook and as platform events");
    }
    [Fact]
    public async Task With_salesforce_as_the_source_the_platform_event_feeds_the_stream_and_webhook_and_a_restarted_subscription_gets_what_it_missed_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var hub = await TestHub.StartAsync(seed: SeedWithAgentStateEvent(), settings: new() { ["ContactCenter:AllowPrivateNetwork"] = "true" });
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        var api = $"/api/v1/tenants/{tenant.Id}/workforce";
        (await portal.SendJsonAsync(HttpMethod.Put, $"{api}/historical/default", """{"enabled": true, "readyActivities": "Available", "notReadyActivities": "Unavailable; Break"}"""))
            .Status.ShouldBe(HttpStatusCode.OK);
        var (status, body) = await portal.SendJsonAsync(HttpMethod.Put, $"{api}/realtime/default", """{"enabled": true, "source": "salesforce"}""");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body!["errors"]!["platformEvent"]![0]!.GetValue<string>().ShouldContain("name it");
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, $"{api}/realtime/default",
            $$"""{"enabled": true, "source": "salesforce", "platformEvent": "Agent_State__e", "webhookUrl": "{{receiver.Url}}"}""");
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        var row = (await hub.Services.GetRequiredService<WorkforceSettingsStore>().GetAsync(tenant.Id, WorkforceKinds.RealTime, "default", Ct))!;
        // The same event cannot also carry the contact center's states (they would be heard back as Omni-Channel's).
        (status, body) = await portal.SendJsonAsync(HttpMethod.Put, $"{api}/realtime/contact-center", """{"enabled": true, "platformEvent": "Agent_State__e"}""");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body!["errors"]!["platformEvent"]![0]!.GetValue<string>().ShouldContain("uses Agent_State__e with the other source");

        using var stream = await LiveStream.OpenAsync(portal.Http, new Uri(hub.BaseUri, $"{api}/realtime/default/stream"));
        (await stream.NextAsync()).Name.ShouldBe("snapshot");
        var subscription = hub.Services.GetRequiredService<PlatformEventSubscription>();
        var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = subscription.RunAsync(row, stop.Token);
        await SubscribedAsync(hub);

        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(hub.Clock.GetUtcNow().ToUnixTimeMilliseconds());
        JsonObject Published(string state, DateTimeOffset since) => new() { ["AgentId__c"] = "005SF0000001", ["State__c"] = state, ["Since__c"] = since.ToString("O") };
        hub.CreateRecord("Agent_State__e", Published("Available", t0));
        var (_, ready) = await stream.NextAsync();
        (ready["agentId"]!.GetValue<string>(), ready["activity"]!.GetValue<string>(), ready["category"]!.GetValue<string>()).ShouldBe(("005SF0000001", "Available", "ready"));
        ready["since"]!.GetValue<DateTimeOffset>().ShouldBe(t0);
        hub.CreateRecord("Agent_State__e", Published("Break", t0.AddSeconds(30)));
        var (_, onBreak) = await stream.NextAsync();
        (onBreak["state"]!.GetValue<string>(), onBreak["activity"]!.GetValue<string>(), onBreak["category"]!.GetValue<string>()).ShouldBe(("unavailable", "Break", "not_ready"));

        // The hub stops (nobody listens), Omni-Channel goes on; started again, the subscription resumes from the stored replay id.
        await stop.CancelAsync();
        await running;
        stop.Dispose();
        hub.CreateRecord("Agent_State__e", Published("Offline", t0.AddSeconds(60)));
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
            (await Dapper.SqlMapper.ExecuteScalarAsync<long?>(c, "SELECT replay_id FROM workforce_subscriptions WHERE tenant_id = @t AND group_name = 'default'", new { t = tenant.Id }))
                .ShouldNotBeNull("the last replay id, stored with the states it brought");
        using var again = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var resumed = subscription.RunAsync(row, again.Token);
        var (_, offline) = await stream.NextAsync();
        (offline["state"]!.GetValue<string>(), offline["category"]!.GetValue<string>()).ShouldBe(("offline", "offline"));
        await again.CancelAsync();
        await resumed;

        // Each event stored once (and a login before the first); the webhook gets the changes, and nothing is published back to the org.
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
            (await Dapper.SqlMapper.ExecuteScalarAsync<long>(c, "SELECT COUNT(*) FROM contact_center_events WHERE tenant_id = @t AND subject = '005SF0000001'", new { t = tenant.Id }))
                .ShouldBe(4);
        var deliveries = hub.Services.GetRequiredService<WorkforceDeliverySender>();
        await deliveries.RunOnceAsync(Ct);
        hub.Clock.Advance(TimeSpan.FromSeconds(1));
        while (await deliveries.RunOnceAsync(Ct) > 0) { }
        var states = receiver.Requests.Skip(1).SelectMany(r => JsonNode.Parse(r.Body)!["changes"]!.AsArray()).Select(x => x!["activity"]?.GetValue<string>()).ToList();
        states.ShouldBe(["Unavailable", "Available", "Break", null], "logged in, available, break, logged out");
        (await portal.GetArrayAsync($"{api}/realtime/default/deliveries")).ShouldAllBe(d => d!["target"]!.GetValue<string>() == WorkforceRealTime.Webhook);
        lock (hub.Emulator.State.DefaultOrg.Sync)
            hub.Emulator.State.DefaultOrg.Events.After("/event/Agent_State__e", -2).Count.ShouldBe(3, "the three Omni-Channel published, none from the hub");
    }

    /// <summary>Until the emulator has a CometD client subscribed to the platform event (bounded: a failure, not a wait).</summary>
    private static async Task SubscribedAsync(TestHub hub)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(TimeSpan.FromSeconds(20));
        while (!hub.Emulator.State.Streaming.All.Any(c => c.Subscriptions.ContainsKey("/event/Agent_State__e")))
            await Task.Delay(20, bound.Token);
    }
}
