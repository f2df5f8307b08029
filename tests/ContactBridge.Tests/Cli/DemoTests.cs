using System.Net;
using System.Net.Sockets;
using ContactBridge.Cli;
using ContactBridge.Linking;

namespace ContactBridge.Tests.Cli;

public sealed class DemoTests
{
    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task The_demo_links_two_tenants_and_its_sample_traffic_reaches_the_emulator_org()
    {
        await using var demo = await DemoCommand.StartAsync(FreePort(), FreePort(), TestContext.Current.CancellationToken, traffic: false);
        var links = demo.Hub.Services.GetRequiredService<LinkStore>();
        (await links.GetAsync(demo.Tenant.Id, TestContext.Current.CancellationToken))!.Status.ShouldBe(LinkStatus.Linked);
        (await links.GetAsync(demo.SupportTenant.Id, TestContext.Current.CancellationToken))!.Status.ShouldBe(LinkStatus.Linked);
        demo.Banner().ShouldContain(DemoCommand.AdminEmail);

        // Sample interactions as the traffic loop sends them (without its pauses), for both tenants, then the pipeline runs dry.
        using var http = new HttpClient { BaseAddress = demo.Hub.BaseUri };
        for (var i = 0; i < 6; i++) await demo.SendSampleAsync(http, i, TimeSpan.Zero, TestContext.Current.CancellationToken);
        await demo.Hub.Services.GetRequiredService<ContactBridge.Outbox.InteractionPipeline>().RunUntilIdleAsync(TestContext.Current.CancellationToken);
        var org = demo.Emulator.State.DefaultOrg;
        lock (org.Sync)
        {
            var written = org.Records.OfType("Task").Count(r => !r.IsDeleted) + org.Records.OfType("Case").Count(r => !r.IsDeleted);
            written.ShouldBe(6);
        }
        demo.Sent.ShouldBe(6);
    }
}
