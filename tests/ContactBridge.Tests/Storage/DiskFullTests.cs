using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ContactBridge.Logging;
using ContactBridge.Storage;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Storage;

/// <summary>
/// The disk under the hub's SQLite file fills up (a small tmpfs that ./scripts/test.sh mounts): the hub
/// refuses with a 503 that says so, keeps everything it had accepted, says on the Activity page what is
/// going on and afterwards what happened, and logs every interaction once when space is back.
/// </summary>
public sealed class DiskFullTests : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _disk = Path.Combine(
        Environment.GetEnvironmentVariable("CONTACTBRIDGE_TEST_SMALL_DISK")
            ?? throw new InvalidOperationException("CONTACTBRIDGE_TEST_SMALL_DISK is not set: run the tests with ./scripts/test.sh as root, which mounts a small tmpfs for this test."),
        Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_full_disk_is_refused_clearly_and_loses_nothing_accepted()
    {
        Directory.CreateDirectory(_disk);
        await using var hub = await TestHub.StartAsync($"Data Source={Path.Combine(_disk, "contactbridge.db")}");
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        using var portal = await hub.SignInAsync();
        var acknowledged = new List<string>();
        var refused = new List<(string Id, string Body)>();
        var note = new string('n', 1500);

        async Task<(HttpStatusCode Status, JsonObject? Body)> SendAsync(string id, string body)
        {
            var answer = await sender.SendAsync(body);
            if (answer.Status == HttpStatusCode.Accepted) acknowledged.Add(id);
            return answer;
        }
        string Body(string id) => new JsonArray(sender.Interaction(id, phone: null, email: $"{id}@customers.example", messages: [note, note]).Select(e => (JsonNode)e).ToArray()).ToJsonString();

        for (var n = 0; n < 5; n++) (await SendAsync($"before-{n}", Body($"before-{n}"))).Status.ShouldBe(HttpStatusCode.Accepted);

        // Something else fills the disk.
        var filler = Path.Combine(_disk, "filler");
        Fill(filler);

        // The contact center keeps sending; once SQLite cannot grow its log, the hub refuses and says why.
        JsonObject? problem = null;
        for (var n = 0; problem is null && n < 2000; n++)
        {
            var id = $"during-{n}";
            var body = Body(id);
            var (status, answer) = await SendAsync(id, body);
            if (status == HttpStatusCode.Accepted) continue;
            status.ShouldBe(HttpStatusCode.ServiceUnavailable, answer?.ToJsonString());
            problem = answer;
            refused.Add((id, body));
        }
        problem.ShouldNotBeNull("the disk filled up within 2,000 requests");
        problem["title"]!.GetValue<string>().ShouldBe("The hub's disk is full");
        problem["detail"]!.GetValue<string>().ShouldContain("Nothing in this request was stored");
        hub.Services.GetRequiredService<HubDatabase>().Health.Current.ShouldNotBeNull().Problem.ShouldBe(StorageProblem.Full);
        for (var n = 0; n < 3; n++)
        {
            var id = $"refused-{n}";
            var body = Body(id);
            (await SendAsync(id, body)).Status.ShouldBe(HttpStatusCode.ServiceUnavailable);
            refused.Add((id, body));
        }

        // The Activity page can still be read, and says what is going on; a change made in the portal gets a page saying why it failed.
        var activity = await portal.GetAsync($"/tenants/{tenant.Id}/activity");
        activity.Status.ShouldBe(HttpStatusCode.OK);
        activity.Html.ShouldContain("id=\"storage-outage\"");
        activity.Html.ShouldShowText("The hub's disk is full");
        var during = await portal.Http.GetFromJsonAsync<JsonObject>(new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/incidents"), Ct);
        during!["storage"]!["problem"]!.GetValue<string>().ShouldBe("full");
        during["storage"]!["refused"]!.GetValue<long>().ShouldBe(refused.Count);
        portal.Http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var settings = await portal.GetAsync($"/tenants/{tenant.Id}/logging");
        var saved = await portal.SubmitAsync(settings, "logging-form", new Dictionary<string, string>
        {
            ["mode"] = LoggingSettings.Support, ["updatePolicy"] = "fill_empty", ["defaultCountry"] = "US", ["whenSeveral"] = "most_recent",
        });
        saved.Status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        saved.Html.ShouldShowText("The hub's disk is full");
        saved.Html.ShouldContain("free disk space");

        // Space comes back; the contact center's retries go through, and every interaction the hub acknowledged is logged once.
        File.Delete(filler);
        foreach (var (id, body) in refused) (await SendAsync(id, body)).Status.ShouldBe(HttpStatusCode.Accepted);
        hub.Services.GetRequiredService<HubDatabase>().Health.Current.ShouldBeNull();
        await hub.RunPipelineAsync();
        var tasks = hub.Records("Task").Select(r => r.GetString("ContactBridge_Key__c")).ToList();
        tasks.Count.ShouldBe(acknowledged.Count);
        tasks.ShouldBe(acknowledged.Select(id => LogPlan.Key(tenant.Id, "task", id)), ignoreOrder: true);
        acknowledged.Count.ShouldBe(acknowledged.Distinct().Count());

        // Afterwards the Activity page says what happened meanwhile.
        activity = await portal.GetAsync($"/tenants/{tenant.Id}/activity");
        activity.Html.ShouldNotContain("id=\"storage-outage\"");
        activity.Html.ShouldShowText("The hub's disk was full");
        activity.Html.ShouldContain($"refused {refused.Count + 1:N0} request(s) with 503");
        portal.Http.DefaultRequestHeaders.Accept.Clear();
        var after = await portal.Http.GetFromJsonAsync<JsonObject>(new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/incidents"), Ct);
        after!["storage"].ShouldBeNull();
        var incident = after["incidents"]!.AsArray().ShouldHaveSingleItem()!;
        incident["kind"]!.GetValue<string>().ShouldBe(IncidentKinds.StorageFull);
        incident["affected"]!.GetValue<long>().ShouldBe(refused.Count + 1);
    }

    /// <summary>Writes zeros until the disk has no room left.</summary>
    private static void Fill(string path)
    {
        var chunk = new byte[64 * 1024];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        try
        {
            while (true) file.Write(chunk);
        }
        catch (IOException)
        {
            // Full.
        }
        for (var size = chunk.Length / 2; size > 0; size /= 2)
        {
            try
            {
                file.Write(chunk, 0, size);
            }
            catch (IOException)
            {
                // Fill what is left in smaller pieces.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_disk)) Directory.Delete(_disk, recursive: true);
        return ValueTask.CompletedTask;
    }
}
