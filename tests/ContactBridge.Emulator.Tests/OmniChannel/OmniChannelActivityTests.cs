using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.OmniChannel;

/// <summary>The control API's Omni-Channel generator: history that holds together as Omni-Channel's own would, read back through SOQL.</summary>
public sealed class OmniChannelActivityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode, JsonObject)> GenerateAsync(EmulatorServer emulator, object request)
    {
        using var admin = new HttpClient { BaseAddress = emulator.BaseUri };
        using var response = await admin.PostAsJsonAsync("/_emulator/orgs/default/omni-channel/activity", request, Ct);
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!);
    }

    [Fact]
    public async Task Generated_history_is_consistent_the_same_seed_gives_the_same_and_soql_reads_it_with_its_relationships()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var (status, problem) = await GenerateAsync(emulator, new { hours = 0, agents = 5000 });
        status.ShouldBe(HttpStatusCode.BadRequest);
        problem["detail"]!.GetValue<string>().ShouldContain("hours must be more than 0");
        problem["detail"]!.GetValue<string>().ShouldContain("agents must be 1 to 2000");
        (status, problem) = await GenerateAsync(emulator, new { from = DateTimeOffset.UtcNow.AddHours(1), hours = 1 });
        problem["detail"]!.GetValue<string>().ShouldContain("must lie in the past");

        var from = emulator.State.Clock.GetUtcNow().AddHours(-7);
        var (ok, made) = await GenerateAsync(emulator, new { from, hours = 6, agents = 4, queues = 2, workPerHour = 10, seed = 3 });
        ok.ShouldBe(HttpStatusCode.OK, made.ToJsonString());
        await using (var other = await TestEmulator.StartAsync())
        {
            var (_, again) = await GenerateAsync(other, new { from, hours = 6, agents = 4, queues = 2, workPerHour = 10, seed = 3 });
            again.ToJsonString().ShouldBe(made.ToJsonString(), "the same seed, the same activity");
        }

        using var client = await EmulatorClient.SignedInAsync(emulator);
        var work = (await client.QueryAsync(
                "SELECT Id, UserId, WorkItemId, Status, RequestDateTime, AssignedDateTime, AcceptDateTime, CloseDateTime, HandleTime, AfterConversationActualTime, " +
                "ServiceChannel.RelatedEntity, OriginalQueue.Name FROM AgentWork"))
            .Records.Select(r => r!.AsObject()).ToList();
        work.Count.ShouldBe(made["work"]!.GetValue<int>());
        DateTimeOffset T(JsonObject r, string f) => DateTimeOffset.Parse(r[f]!.GetValue<string>().Replace("+0000", "+00:00", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        foreach (var w in work.Where(w => w["AcceptDateTime"] is not null))
        {
            T(w, "AcceptDateTime").ShouldBeGreaterThanOrEqualTo(T(w, "AssignedDateTime"));
            T(w, "AssignedDateTime").ShouldBeGreaterThanOrEqualTo(T(w, "RequestDateTime"));
            w["HandleTime"]!.GetValue<decimal>().ShouldBe((decimal)(T(w, "CloseDateTime") - T(w, "AcceptDateTime")).TotalSeconds, "close less accept, in seconds");
        }
        work.Count(w => w["Status"]!.GetValue<string>() == "Declined").ShouldBe(made["declined"]!.GetValue<int>());
        work.Select(w => w["OriginalQueue"]!["Name"]!.GetValue<string>()).Distinct().Order().ShouldBe(["Sales", "Support"]);
        work.Select(w => w["ServiceChannel"]!["RelatedEntity"]!.GetValue<string>()).Distinct().Order().ShouldBe(["Case", "VoiceCall"]);
        // One thing at a time: an agent's accepted work never overlaps.
        foreach (var agent in work.Where(w => w["AcceptDateTime"] is not null).GroupBy(w => w["UserId"]!.GetValue<string>()))
        {
            var spans = agent.Select(w => (T(w, "AcceptDateTime"), T(w, "CloseDateTime"))).Order().ToList();
            for (var i = 1; i < spans.Count; i++) spans[i].Item1.ShouldBeGreaterThanOrEqualTo(spans[i - 1].Item2);
        }

        var presence = (await client.QueryAsync("SELECT UserId, User.Department, ServicePresenceStatus.MasterLabel, StatusStartDate, StatusEndDate, StatusDuration FROM UserServicePresence"))
            .Records.Select(r => r!.AsObject()).ToList();
        presence.Count.ShouldBe(made["presences"]!.GetValue<int>());
        presence.Select(p => p["ServicePresenceStatus"]!["MasterLabel"]!.GetValue<string>()).ShouldContain("Available");
        presence.Select(p => p["User"]!["Department"]!.GetValue<string>()).Distinct().Order().ShouldBe(["Team A", "Team B", "Team C", "Team D"]);
        foreach (var p in presence)
            p["StatusDuration"]!.GetValue<decimal>().ShouldBe((decimal)(T(p, "StatusEndDate") - T(p, "StatusStartDate")).TotalSeconds);
        foreach (var agent in presence.GroupBy(p => p["UserId"]!.GetValue<string>()))
        {
            var spans = agent.Select(p => (T(p, "StatusStartDate"), T(p, "StatusEndDate"))).Order().ToList();
            for (var i = 1; i < spans.Count; i++) spans[i].Item1.ShouldBe(spans[i - 1].Item2, "one status after another");
        }

        // Omni-Channel writes presence; the API only reads it, as in Salesforce.
        var refused = await client.PostAsync("/sobjects/UserServicePresence", new { UserId = presence[0]["UserId"]!.GetValue<string>() });
        refused.ErrorCode.ShouldBe("INVALID_TYPE_FOR_OPERATION");
    }
}
