using System.Net;
using ContactBridge.ContactCenterEmulator.Tests.Support;

namespace ContactBridge.ContactCenterEmulator.Tests.Load;

public sealed class LoadTests
{
    [Fact]
    public async Task Load_at_a_rate_produces_about_that_many_contacts_with_the_short_abandon_share()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        using (var put = await cc.Http.PutAsJsonAsync("_emulator/tenants/acme/load", new
        {
            callsPerSecond = 2.0,
            channelMix = new { voice = 0.8, web_chat = 0.0, email = 0.2 },
            shortAbandonShare = 0.05,
            patience = new { distribution = "infinite" },
            accountNumbers = new List<string> { "A-1", "A-2" },
            skills = new List<string> { "sales", "mail" },
        }, TestContext.Current.CancellationToken))
            put.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // 10 simulated minutes, one tick a second: about 1,200 arrivals.
        for (var i = 0; i < 600; i++)
        {
            cc.Clock.Advance(TimeSpan.FromSeconds(1));
            cc.Server.Center.Tick();
        }
        using (var stop = await cc.Http.DeleteAsync("_emulator/tenants/acme/load", TestContext.Current.CancellationToken))
            stop.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        cc.Clock.Advance(TimeSpan.FromSeconds(60));
        cc.Server.Center.Tick();

        var contacts = (await cc.StateAsync())["contacts"]!.AsArray().Select(c => c!.AsObject()).ToList();
        contacts.Count.ShouldBeInRange(1_080, 1_320);
        var voiceShare = contacts.Count(c => c["channel"]!.GetValue<string>() == "voice") / (double)contacts.Count;
        voiceShare.ShouldBeInRange(0.74, 0.86);
        contacts.Where(c => c["channel"]!.GetValue<string>() == "email").ShouldAllBe(c => c["skill"]!.GetValue<string>() == "mail");
        contacts.ShouldAllBe(c => c["ivr"]!["account_number"] != null);

        // Nobody is logged in, so only the short-patience callers give up: about 5 %, each within 1 to 4 seconds.
        var abandoned = contacts.Where(c => c["outcome"]?.GetValue<string>() == "abandoned").ToList();
        (abandoned.Count / (double)contacts.Count).ShouldBeInRange(0.025, 0.08);
        abandoned.ShouldAllBe(c => c["patienceSeconds"]!.GetValue<double>() >= 1 && c["patienceSeconds"]!.GetValue<double>() <= 4);
        contacts.Count(c => c["patienceSeconds"] != null).ShouldBe(abandoned.Count);
    }

    [Fact]
    public async Task Auto_answer_agents_take_talk_and_wrap_up_load_calls_by_themselves()
    {
        var seed = TestCenter.Acme(wrapUpSeconds: 5);
        seed.Agents[0] = new ContactCenterEmulator.Tenants.AgentSeed
        {
            Id = "bot-1", Name = "Bot", Email = "bot@acme.example", Skills = new() { ["sales"] = 1 }, AutoAnswer = true, LoggedIn = true,
        };
        await using var cc = await TestCenter.StartAsync(seed);
        var call = await cc.CallAsync();
        await cc.TickAsync(TimeSpan.FromSeconds(1));
        (await cc.ContactAsync(call))["phase"]!.GetValue<string>().ShouldBe("connected");
        await cc.TickAsync(TimeSpan.FromSeconds(240));
        (await cc.ContactAsync(call))["outcome"]!.GetValue<string>().ShouldBe("answered");
        await cc.TickAsync(TimeSpan.FromSeconds(5));
        (await cc.AgentAsync("bot-1"))["state"]!.GetValue<string>().ShouldBe("available");
        (await cc.ContactAsync(call))["phase"]!.GetValue<string>().ShouldBe("ended");
    }
}
