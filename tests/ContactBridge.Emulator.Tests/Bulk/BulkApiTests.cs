using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Bulk;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Bulk;

/// <summary>Bulk API 2.0 over HTTP: job lifecycle, CSV dialects, per-row results, query paging and refusals.</summary>
public sealed class BulkApiTests
{
    private static async Task<string> TextAsync(SalesforceResponse r) => await r.Raw.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

    [Fact]
    public async Task Upsert_job_with_tab_delimiter_and_crlf_goes_open_to_complete_and_reports_each_row()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithContactExternalId());
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var existing = await client.CreateAsync("Contact", new { LastName = "Lovelace", External_Key__c = "k-1" });

        var created = await client.PostAsync("/jobs/ingest", new { @object = "Contact", operation = "upsert", externalIdFieldName = "External_Key__c", columnDelimiter = "TAB", lineEnding = "CRLF" });
        created.Code.ShouldBe(200, created.Body?.ToJsonString());
        var id = created.Object["id"]!.GetValue<string>();
        id.ShouldStartWith("750");
        created.Object["state"]!.GetValue<string>().ShouldBe("Open");
        created.Object["contentUrl"]!.GetValue<string>().ShouldBe($"services/data/v{EmulatorClient.Version}/jobs/ingest/{id}/batches");

        // Two uploads with the same header; a tab inside a quoted value and a doubled quote survive.
        (await client.PutCsvAsync(id, "External_Key__c\tLastName\tTitle\r\nk-1\tLovelace\t\"Countess\tof \"\"Lovelace\"\"\"\r\nk-2\tBabbage\tEngineer\r\n")).Code.ShouldBe(201);
        (await client.PutCsvAsync(id, "External_Key__c\tLastName\tTitle\r\nk-3\t\tNo name\r\n")).Code.ShouldBe(201);
        var closed = await client.PatchAsync($"/jobs/ingest/{id}", new { state = "UploadComplete" });
        closed.Code.ShouldBe(200);
        await client.BulkJobProcessedAsync(id);

        var info = (await client.GetAsync($"/jobs/ingest/{id}")).Object;
        info["state"]!.GetValue<string>().ShouldBe("JobComplete");
        info["numberRecordsProcessed"]!.GetValue<int>().ShouldBe(3);
        info["numberRecordsFailed"]!.GetValue<int>().ShouldBe(1);

        var ok = await client.GetAsync($"/jobs/ingest/{id}/successfulResults");
        ok.Raw.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var okLines = (await TextAsync(ok)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        okLines[0].ShouldBe("\"sf__Id\"\t\"sf__Created\"\t\"External_Key__c\"\t\"LastName\"\t\"Title\"");
        okLines[1].ShouldBe($"\"{existing}\"\t\"false\"\t\"k-1\"\t\"Lovelace\"\t\"Countess\tof \"\"Lovelace\"\"\"");
        okLines[2].ShouldStartWith("\"003");
        okLines[2].ShouldContain("\"true\"\t\"k-2\"");

        var failed = await TextAsync(await client.GetAsync($"/jobs/ingest/{id}/failedResults"));
        var failedLines = failed.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        failedLines.Length.ShouldBe(2);
        failedLines[1].ShouldStartWith("\"\"\t\"REQUIRED_FIELD_MISSING:");
        failedLines[1].ShouldEndWith("\t\"k-3\"\t\"\"\t\"No name\"");

        var record = (await client.GetAsync($"/sobjects/Contact/{existing}")).Object;
        record["Title"]!.GetValue<string>().ShouldBe("Countess\tof \"Lovelace\"");
    }

    [Fact]
    public async Task Query_job_pages_rows_with_locator_and_max_records_and_quotes_every_field()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        for (var i = 0; i < 5; i++) await client.CreateAsync("Contact", new { FirstName = "Page", LastName = $"Row {i}, \"quoted\"" });

        var job = await client.PostAsync("/jobs/query", new { operation = "query", query = "SELECT LastName FROM Contact WHERE FirstName = 'Page' ORDER BY LastName" });
        job.Code.ShouldBe(200, job.Body?.ToJsonString());
        var id = job.Object["id"]!.GetValue<string>();
        job.Object["jobType"]!.GetValue<string>().ShouldBe("V2Query");
        await client.BulkJobProcessedAsync(id);
        (await client.GetAsync($"/jobs/query/{id}")).Object["numberRecordsProcessed"]!.GetValue<int>().ShouldBe(5);

        var names = new List<string>();
        var locators = new List<string>();
        var locator = "";
        do
        {
            var page = await client.GetAsync($"/jobs/query/{id}/results?maxRecords=2" + (locator.Length > 0 ? $"&locator={locator}" : ""));
            page.Code.ShouldBe(200);
            locator = page.Header("Sforce-Locator");
            locators.Add(locator);
            var lines = (await TextAsync(page)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines[0].ShouldBe("\"LastName\"");
            page.Header("Sforce-NumberOfRecords").ShouldBe((lines.Length - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            names.AddRange(lines.Skip(1));
        }
        while (locator != "null");
        locators.ShouldBe(["2", "4", "null"]);
        names.ShouldBe(Enumerable.Range(0, 5).Select(i => $"\"Row {i}, \"\"quoted\"\"\""));

        var bad = await client.GetAsync($"/jobs/query/{id}/results?locator=999");
        bad.Code.ShouldBe(400);
        bad.ErrorCode.ShouldBe("INVALID_LOCATOR");
    }

    [Fact]
    public async Task Upsert_on_id_inserts_rows_without_an_id_and_updates_those_with_one()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var existing = (await client.PostAsync("/sobjects/Account", new { Name = "Before" })).Object["id"]!.GetValue<string>();
        async Task<JsonObject> RunAsync(string csv)
        {
            var job = (await client.PostAsync("/jobs/ingest", new { @object = "Account", operation = "upsert", externalIdFieldName = "Id" })).Object["id"]!.GetValue<string>();
            (await client.PutCsvAsync(job, csv)).Code.ShouldBe(201);
            await client.PatchAsync($"/jobs/ingest/{job}", new { state = "UploadComplete" });
            await client.BulkJobProcessedAsync(job);
            return (await client.GetAsync($"/jobs/ingest/{job}")).Object;
        }
        var inserted = await RunAsync("Name,Phone\nNew One,415-555-0000\nNew Two,415-555-0001\n");
        (inserted["numberRecordsProcessed"]!.GetValue<long>(), inserted["numberRecordsFailed"]!.GetValue<long>()).ShouldBe((2L, 0L), "no Id column: each row inserts");
        (await client.QueryAsync("SELECT COUNT() FROM Account WHERE Name LIKE 'New %'")).Object["totalSize"]!.GetValue<int>().ShouldBe(2);
        var mixed = await RunAsync($"Id,Name\n{existing},After\n,Third\n001000000000000AAA,Nobody\n");
        (mixed["numberRecordsProcessed"]!.GetValue<long>(), mixed["numberRecordsFailed"]!.GetValue<long>()).ShouldBe((3L, 1L), "an Id no record has fails its row");
        (await client.GetAsync($"/sobjects/Account/{existing}")).Object["Name"]!.GetValue<string>().ShouldBe("After");
        (await client.QueryAsync("SELECT COUNT() FROM Account WHERE Name = 'Third'")).Object["totalSize"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task An_empty_upload_loads_nothing_and_completes_but_a_job_closed_without_an_upload_fails()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var empty = (await client.PostAsync("/jobs/ingest", new { @object = "Account", operation = "insert" })).Object["id"]!.GetValue<string>();
        (await client.PutCsvAsync(empty, "")).Code.ShouldBe(201);
        await client.PatchAsync($"/jobs/ingest/{empty}", new { state = "UploadComplete" });
        await client.BulkJobProcessedAsync(empty);
        var done = (await client.GetAsync($"/jobs/ingest/{empty}")).Object;
        (done["state"]!.GetValue<string>(), done["numberRecordsProcessed"]!.GetValue<long>(), done["numberRecordsFailed"]!.GetValue<long>()).ShouldBe(("JobComplete", 0L, 0L));
        var successes = await client.GetAsync($"/jobs/ingest/{empty}/successfulResults");
        successes.Code.ShouldBe(200);
        (await successes.Raw.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Trim().Split('\n').ShouldHaveSingleItem("the header alone");

        var none = (await client.PostAsync("/jobs/ingest", new { @object = "Account", operation = "insert" })).Object["id"]!.GetValue<string>();
        await client.PatchAsync($"/jobs/ingest/{none}", new { state = "UploadComplete" });
        await client.BulkJobProcessedAsync(none);
        var failed = (await client.GetAsync($"/jobs/ingest/{none}")).Object;
        failed["state"]!.GetValue<string>().ShouldBe("Failed");
        failed["errorMessage"]!.GetValue<string>().ShouldContain("no data");
    }

    [Fact]
    public async Task Bad_jobs_are_refused_with_the_reason_and_closed_or_aborted_jobs_take_no_more_data()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);

        var noOperation = await client.PostAsync("/jobs/ingest", new { @object = "Contact" });
        noOperation.Code.ShouldBe(400);
        noOperation.ErrorCode.ShouldBe("INVALIDJOB");
        (await client.PostAsync("/jobs/ingest", new { @object = "Contact", operation = "merge" })).ErrorMessage!.ShouldContain("merge");
        (await client.PostAsync("/jobs/ingest", new { @object = "Contact", operation = "insert", columnDelimiter = "STAR" })).ErrorCode.ShouldBe("INVALIDJOB");
        (await client.PostAsync("/jobs/ingest", new { @object = "Nope__c", operation = "insert" })).Code.ShouldBe(400);
        (await client.PostAsync("/jobs/query", new { operation = "query", query = "SELECT Nope FROM Contact" })).ErrorCode.ShouldBe("INVALID_FIELD");
        (await client.PostRawAsync("/jobs/ingest", "{not json")).ErrorCode.ShouldBe("JSON_PARSER_ERROR");
        (await client.GetAsync("/jobs/ingest/750000000000001AAA")).Code.ShouldBe(404);

        // A header naming an unknown field fails the whole job, with the reason in errorMessage.
        var badHeader = (await client.PostAsync("/jobs/ingest", new { @object = "Contact", operation = "insert" })).Object["id"]!.GetValue<string>();
        (await client.PutCsvAsync(badHeader, "LastName,Shoe_Size\nSmith,9\n")).Code.ShouldBe(201);
        (await client.GetAsync($"/jobs/ingest/{badHeader}/successfulResults")).ErrorCode.ShouldBe("INVALIDJOBSTATE");
        await client.PatchAsync($"/jobs/ingest/{badHeader}", new { state = "UploadComplete" });
        await client.BulkJobProcessedAsync(badHeader);
        var failedJob = (await client.GetAsync($"/jobs/ingest/{badHeader}")).Object;
        failedJob["state"]!.GetValue<string>().ShouldBe("Failed");
        failedJob["errorMessage"]!.GetValue<string>().ShouldContain("Shoe_Size");
        (await client.PutCsvAsync(badHeader, "LastName\nSmith\n")).ErrorCode.ShouldBe("INVALIDJOBSTATE");

        // Aborted before upload completes: nothing is written, no more data is taken, and the job can be deleted.
        var aborted = (await client.PostAsync("/jobs/ingest", new { @object = "Contact", operation = "insert" })).Object["id"]!.GetValue<string>();
        (await client.PutCsvAsync(aborted, "LastName\nNever\n")).Code.ShouldBe(201);
        (await client.PatchAsync($"/jobs/ingest/{aborted}", new { state = "Aborted" })).Object["state"]!.GetValue<string>().ShouldBe("Aborted");
        (await client.PutCsvAsync(aborted, "LastName\nLater\n")).ErrorCode.ShouldBe("INVALIDJOBSTATE");
        (await client.PatchAsync($"/jobs/ingest/{aborted}", new { state = "UploadComplete" })).ErrorCode.ShouldBe("INVALIDJOBSTATE");
        (await client.QueryAsync("SELECT COUNT() FROM Contact WHERE LastName IN ('Never', 'Smith')")).Object["totalSize"]!.GetValue<int>().ShouldBe(0);
        var list = (await client.GetAsync("/jobs/ingest")).Object["records"]!.AsArray();
        list.Select(j => j!["id"]!.GetValue<string>()).ShouldBe([badHeader, aborted]);
        (await client.DeleteAsync($"/jobs/ingest/{aborted}")).Code.ShouldBe(204);
        (await client.GetAsync($"/jobs/ingest/{aborted}")).Code.ShouldBe(404);

        var log = emulator.State.Log.Entries(WellKnown.DefaultOrgKey);
        log.ShouldNotContain(e => e.Status >= 500);
    }
}
