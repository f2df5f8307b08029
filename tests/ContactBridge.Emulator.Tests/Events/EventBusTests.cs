using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Events;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Events;

/// <summary>Platform events and Change Data Capture on the org's event bus, caused over REST, composite and Bulk API 2.0.</summary>
public sealed class EventBusTests
{
    private static IReadOnlyList<BusEvent> Events(EmulatorServer emulator, string channel, long after = -2)
    {
        var org = emulator.State.DefaultOrg;
        lock (org.Sync) return org.Events.After(channel, after);
    }

    private static JsonObject Header(BusEvent e) => e.Payload["ChangeEventHeader"]!.AsObject();

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    [Fact]
    public async Task A_published_platform_event_gets_a_rising_replay_id_and_is_kept_for_72_hours()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithAgentStateEvent());
        using var client = await EmulatorClient.SignedInAsync(emulator);
        Events(emulator, "/event/Agent_State__e").ShouldBeEmpty();

        (await client.PostAsync("/sobjects/Agent_State__e", new { State__c = "Ready" })).Code.ShouldBe(201);
        (await client.PostAsync("/sobjects/Agent_State__e", new { State__c = "Busy" })).Code.ShouldBe(201);
        var events = Events(emulator, "/event/Agent_State__e");
        events.Select(e => e.Payload["State__c"]!.GetValue<string>()).ShouldBe(["Ready", "Busy"]);
        events[1].ReplayId.ShouldBeGreaterThan(events[0].ReplayId);
        events[0].Payload["CreatedById"]!.GetValue<string>().ShouldStartWith("005");
        events[0].Payload.ContainsKey("CreatedDate").ShouldBeTrue();
        Events(emulator, "/event/Agent_State__e", events[0].ReplayId).Single().Payload["State__c"]!.GetValue<string>().ShouldBe("Busy");
        Events(emulator, "/event/Agent_State__e", -1).ShouldBeEmpty();
        var message = events[0].ToMessage("/event/Agent_State__e");
        message["data"]!["event"]!["replayId"]!.GetValue<long>().ShouldBe(events[0].ReplayId);
        message["data"]!["schema"]!.GetValue<string>().Length.ShouldBe(22);

        emulator.State.Clock.Advance(TimeSpan.FromHours(71));
        using var later = await EmulatorClient.SignedInAsync(emulator);
        (await later.PostAsync("/sobjects/Agent_State__e", new { State__c = "Away" })).Code.ShouldBe(201);
        emulator.State.Clock.Advance(TimeSpan.FromHours(2));
        Events(emulator, "/event/Agent_State__e").Select(e => e.Payload["State__c"]!.GetValue<string>()).ShouldBe(["Away"]);
        lock (emulator.State.DefaultOrg.Sync) emulator.State.DefaultOrg.Events.CanReplayFrom(events[0].ReplayId).ShouldBeFalse();
    }

    [Fact]
    public async Task Creates_updates_and_deletes_of_selected_entities_emit_change_events_with_their_header()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/services/data/v{EmulatorClient.Version}/sobjects/Contact")
        {
            Content = new StringContent("""{"FirstName":"Ada","LastName":"Lovelace","Phone":"+44 20 7946 0001"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Sforce-Call-Options", "client=ContactBridge");
        var id = (await client.SendAsync(request)).Object["id"]!.GetValue<string>();
        (await client.PatchAsync($"/sobjects/Contact/{id}", new { FirstName = "Augusta", Phone = (string?)null, Title = "Countess" })).Code.ShouldBe(204);
        (await client.PatchAsync($"/sobjects/Contact/{id}", new { Title = "Countess" })).Code.ShouldBe(204);
        (await client.PatchAsync($"/sobjects/Contact/{id}", new { MailingCity = "London" })).Code.ShouldBe(204);
        (await client.DeleteAsync($"/sobjects/Contact/{id}")).Code.ShouldBe(204);
        await client.CreateAsync("Task", new { Subject = "Call", Status = "Completed", Priority = "Normal" });

        var events = Events(emulator, "/data/ContactChangeEvent");
        events.Select(e => Header(e)["changeType"]!.GetValue<string>()).ShouldBe(["CREATE", "UPDATE", "UPDATE", "DELETE"]);
        events.ShouldAllBe(e => Strings(Header(e)["recordIds"]).SequenceEqual(new[] { id }));

        var created = events[0].Payload;
        Header(events[0])["changeOrigin"]!.GetValue<string>().ShouldBe($"com/salesforce/api/rest/{EmulatorClient.Version};client=ContactBridge");
        Header(events[0])["entityName"]!.GetValue<string>().ShouldBe("Contact");
        Strings(Header(events[0])["changedFields"]).ShouldBeEmpty();
        created["Name"]!["FirstName"]!.GetValue<string>().ShouldBe("Ada");
        created["Name"]!["LastName"]!.GetValue<string>().ShouldBe("Lovelace");
        created["Phone"]!.GetValue<string>().ShouldBe("+44 20 7946 0001");
        created.ContainsKey("Email").ShouldBeTrue();
        created["Email"].ShouldBeNull();

        var updated = events[1].Payload;
        Strings(Header(events[1])["changedFields"]).ShouldBe(["Name.FirstName", "Phone", "Title", "LastModifiedDate"], ignoreOrder: true);
        Strings(Header(events[1])["nulledFields"]).ShouldBe(["Phone"]);
        updated["Name"]!["FirstName"]!.GetValue<string>().ShouldBe("Augusta");
        updated["Title"]!.GetValue<string>().ShouldBe("Countess");
        updated.ContainsKey("Email").ShouldBeFalse();
        Header(events[1])["commitUser"]!.GetValue<string>().ShouldStartWith("005");

        // An address's part is named through its compound, and comes nested in it, as a person's name does.
        Strings(Header(events[2])["changedFields"]).ShouldBe(["MailingAddress.City", "LastModifiedDate"], ignoreOrder: true);
        events[2].Payload["MailingAddress"]!.AsObject().Select(kv => (kv.Key, kv.Value?.ToString())).ShouldBe([("City", "London")]);
        events[2].Payload.ContainsKey("MailingCity").ShouldBeFalse();
        created["MailingAddress"]!.AsObject().Select(kv => kv.Key).ShouldContain("Street");
        created.ContainsKey("OtherAddress").ShouldBeTrue();

        // Deleting carries the header only; the second PATCH changed nothing and emitted nothing.
        events[3].Payload.Select(kv => kv.Key).ShouldBe(["ChangeEventHeader"]);
        Events(emulator, EventBus.AllChangeEvents).Select(e => e.ReplayId).ShouldBe(events.Select(e => e.ReplayId));
        Events(emulator, "/data/TaskChangeEvent").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_rolled_back_composite_request_withdraws_its_events_and_a_bulk_job_emits_one_per_row()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithAgentStateEvent());
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var composite = await client.PostAsync("/composite", new JsonObject
        {
            ["allOrNone"] = true,
            ["compositeRequest"] = new JsonArray(
                new JsonObject { ["method"] = "POST", ["url"] = $"/services/data/v{EmulatorClient.Version}/sobjects/Agent_State__e", ["referenceId"] = "e1", ["body"] = new JsonObject { ["State__c"] = "Ready" } },
                new JsonObject { ["method"] = "POST", ["url"] = $"/services/data/v{EmulatorClient.Version}/sobjects/Contact", ["referenceId"] = "c1", ["body"] = new JsonObject { ["LastName"] = "Kept?" } },
                new JsonObject { ["method"] = "POST", ["url"] = $"/services/data/v{EmulatorClient.Version}/sobjects/Contact", ["referenceId"] = "c2", ["body"] = new JsonObject { ["FirstName"] = "NoLastName" } }),
        });
        composite.Code.ShouldBe(200);
        Events(emulator, "/event/Agent_State__e").ShouldBeEmpty();
        Events(emulator, EventBus.AllChangeEvents).ShouldBeEmpty();

        var job = (await client.PostAsync("/jobs/ingest", new { @object = "Contact", operation = "insert" })).Object["id"]!.GetValue<string>();
        await client.PutCsvAsync(job, "LastName\nOne\nTwo\nThree\n");
        await client.PatchAsync($"/jobs/ingest/{job}", new { state = "UploadComplete" });
        await client.BulkJobProcessedAsync(job);

        var events = Events(emulator, "/data/ContactChangeEvent");
        events.Select(e => e.Payload["Name"]!["LastName"]!.GetValue<string>()).ShouldBe(["One", "Two", "Three"]);
        events.ShouldAllBe(e => Header(e)["changeOrigin"]!.GetValue<string>() == $"com/salesforce/api/bulkapi/{EmulatorClient.Version}");
        events.Select(e => Header(e)["transactionKey"]!.GetValue<string>()).Distinct().Count().ShouldBe(1);
        events.Select(e => Header(e)["sequenceNumber"]!.GetValue<int>()).ShouldBe([1, 2, 3]);
    }

    [Fact]
    public async Task The_seed_file_chooses_which_entities_emit_change_events()
    {
        await using var emulator = await TestEmulator.StartAsync(new SeedFile { Orgs = [new SeedOrg { ChangeDataCapture = ["Task"] }] });
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var task = await client.CreateAsync("Task", new { Subject = "Call", Status = "Completed", Priority = "Normal" });
        await client.CreateAsync("Contact", new { LastName = "Unwatched" });

        var events = Events(emulator, EventBus.AllChangeEvents);
        events.Select(e => e.Channel).ShouldBe(["/data/TaskChangeEvent"]);
        Strings(Header(events[0])["recordIds"]).ShouldBe([task]);
        Should.Throw<InvalidOperationException>(() => new EmulatorState(new SeedFile { Orgs = [new SeedOrg { ChangeDataCapture = ["Nope__c"] }] }))
            .Message.ShouldContain("Nope__c");
    }
}
