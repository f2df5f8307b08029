using System.Net;
using System.Net.Sockets;
using ContactBridge.Cli;
using ContactBridge.ContactCenterEmulator;
using ContactBridge.ContactCenterEmulator.Contacts;
using ContactBridge.Linking;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Cli;

public sealed class DemoTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task The_demo_links_two_tenants_and_its_contact_centers_traffic_reaches_the_hubs_picture_and_the_emulator_org()
    {
        // The contact center runs on a clock the test moves (its agents answer, talk and wrap up when it ticks).
        var clock = new ManualClock();
        await using var demo = await DemoCommand.StartAsync(FreePort(), FreePort(), Ct, traffic: false,
            new ContactCenterEmulatorOptions { Port = FreePort(), TimeProvider = clock, RunTimers = false });
        var links = demo.Hub.Services.GetRequiredService<LinkStore>();
        (await links.GetAsync(demo.Tenant.Id, Ct))!.Status.ShouldBe(LinkStatus.Linked);
        (await links.GetAsync(demo.SupportTenant.Id, Ct))!.Status.ShouldBe(LinkStatus.Linked);
        demo.Banner().ShouldContain(DemoCommand.AdminEmail);
        demo.Banner().ShouldContain(demo.ContactCenter.BaseUri + "_emulator");

        // Three customers per tenant, from numbers the org knows; the agents answer, talk, hang up and wrap up.
        var center = demo.ContactCenter.Center;
        foreach (var (tenant, prefix) in new[] { (demo.Tenant, "sales"), (demo.SupportTenant, "support") })
            foreach (var from in new[] { "+14155550101", "+14155550102", "+16285550142" })
                center.Tenant(tenant.Id).AddContact(new NewContact { Channel = "voice", Skill = $"{prefix}-phone", From = from, Name = "Demo Caller" }).Problems.ShouldBeEmpty();
        foreach (var step in new[] { 2, 95, 15 })
        {
            clock.Advance(TimeSpan.FromSeconds(step));
            center.Tick();
        }
        using var control = new HttpClient { BaseAddress = demo.ContactCenter.BaseUri };
        foreach (var tenant in new[] { demo.Tenant, demo.SupportTenant })
            (await control.PostAsync($"_emulator/tenants/{tenant.Id}/events/flush?timeoutSeconds=30", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await demo.Hub.Services.GetRequiredService<ContactBridge.Outbox.InteractionPipeline>().RunUntilIdleAsync(Ct);

        // The hub's picture: the four agents of each tenant, logged in, available again, each having handled what came.
        var store = demo.Hub.Services.GetRequiredService<ContactBridge.ContactCenter.LivePictureStore>();
        var agents = await store.AgentsAsync(demo.Tenant.Id, Ct);
        agents.Select(a => a.AgentId).ShouldBe(DemoCommand.DemoAgents.Select(a => a.Id), ignoreOrder: true);
        agents.ShouldAllBe(a => a.LoggedIn && a.State == "available" && a.Leg == "connected");
        (await store.AddressBooksAsync(demo.SupportTenant.Id, Ct)).ShouldHaveSingleItem().Entries.Count.ShouldBe(2);
        var org = demo.Emulator.State.DefaultOrg;
        lock (org.Sync)
        {
            // Sales logs each call as a Task; support logs calls as Tasks too.
            org.Records.OfType("Task").Count(r => !r.IsDeleted).ShouldBe(6);
        }

        // Workforce management: the support desk's feed from the org's eight hours of Omni-Channel history, charted on its page.
        await demo.Hub.Services.GetRequiredService<ContactBridge.Workforce.WorkforceFeed>().RunUntilIdleAsync(Ct);
        var now = demo.Hub.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var rows = await demo.Hub.Services.GetRequiredService<ContactBridge.Workforce.WorkforceFeed>()
            .QueueRowsAsync(demo.SupportTenant.Id, DemoCommand.OmniChannelGroup, now.AddHours(-9), now, null, Ct);
        rows.Sum(r => r.Offered).ShouldBeGreaterThan(100, "three queues at 15 an hour for eight hours");
        demo.Banner().ShouldContain($"tenants/{demo.SupportTenant.Id}/workforce");
    }
}
