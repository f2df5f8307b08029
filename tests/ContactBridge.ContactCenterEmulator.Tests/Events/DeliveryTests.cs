using System.Net;
using System.Net.Sockets;
using ContactBridge.ContactCenterEmulator.Tests.Support;

namespace ContactBridge.ContactCenterEmulator.Tests.Events;

/// <summary>
/// Delivery when the hub cannot be reached. Real delivery to the hub is tested with the hub; here a loopback port
/// opened and closed again stands for a hub that is down (connection refused).
/// </summary>
public sealed class DeliveryTests
{
    private static string ClosedPortUrl()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/api/v1/tenants/acme/events";
    }

    private static async Task<System.Text.Json.Nodes.JsonObject> FlushTimesOutAsync(TestCenter cc, int seconds)
    {
        using var flush = await cc.Http.PostAsync($"_emulator/tenants/acme/events/flush?timeoutSeconds={seconds}", null, TestContext.Current.CancellationToken);
        return await TestCenter.ProblemAsync(flush, HttpStatusCode.GatewayTimeout);
    }

    [Fact]
    public async Task Connection_refused_keeps_every_event_pending()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme(loggedIn: true, hubEventsUrl: ClosedPortUrl()));
        var problem = await FlushTimesOutAsync(cc, 2);
        problem["pending"]!.GetValue<long>().ShouldBeGreaterThan(0);

        var delivery = (await cc.StateAsync())["delivery"]!;
        delivery["failedAttempts"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(1);
        delivery["lastError"]!.GetValue<string>().ShouldContain("127.0.0.1");
        delivery["delivered"]!.GetValue<long>().ShouldBe(0);
        delivery["rejected"]!.GetValue<long>().ShouldBe(0);
        var events = await cc.EventsAsync(snapshots: true);
        events.ShouldNotBeEmpty();
        events.ShouldAllBe(e => e.Status == "pending");
        delivery["pending"]!.GetValue<long>().ShouldBe(events.Count);
    }

    [Fact]
    public async Task Paused_delivery_does_not_try_and_switching_it_on_resumes()
    {
        await using var cc = await TestCenter.StartAsync();
        using (var pause = await cc.Http.PutAsJsonAsync("_emulator/faults", new { eventDelivery = "paused" }, TestContext.Current.CancellationToken))
            pause.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var put = await cc.Http.PutAsJsonAsync("_emulator/tenants/acme", TestCenter.Acme(loggedIn: true, hubEventsUrl: ClosedPortUrl()), TestContext.Current.CancellationToken))
            put.StatusCode.ShouldBe(HttpStatusCode.OK);

        (await FlushTimesOutAsync(cc, 1))["detail"]!.GetValue<string>().ShouldContain("paused");
        var paused = (await cc.StateAsync())["delivery"]!;
        paused["state"]!.GetValue<string>().ShouldBe("paused");
        paused["failedAttempts"]!.GetValue<long>().ShouldBe(0);

        using (var on = await cc.Http.PutAsJsonAsync("_emulator/faults", new { eventDelivery = "on" }, TestContext.Current.CancellationToken))
            on.StatusCode.ShouldBe(HttpStatusCode.OK);
        await FlushTimesOutAsync(cc, 2);
        var resumed = (await cc.StateAsync())["delivery"]!;
        resumed["failedAttempts"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(1);
        resumed["pending"]!.GetValue<long>().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Flush_of_a_tenant_without_a_hub_returns_at_once_with_nothing_delivered()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme(loggedIn: true));
        using var flush = await cc.Http.PostAsync("_emulator/tenants/acme/events/flush?timeoutSeconds=0", null, TestContext.Current.CancellationToken);
        flush.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await flush.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(TestContext.Current.CancellationToken))!["delivered"]!.GetValue<long>().ShouldBe(0);
    }
}
