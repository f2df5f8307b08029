using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using ContactBridge.Emulator.BulkV1;
using ContactBridge.Emulator.Events;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Bulk;

/// <summary>Bulk API 1.0 over HTTP (<c>/services/async</c>): jobs and batches in CSV, XML and JSON, results, queries and its errors.</summary>
public sealed class BulkV1ApiTests
{
    private static readonly XNamespace Ns = "http://www.force.com/2009/06/asyncapi/dataload";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A Bulk API 1.0 caller: the session in X-SFDC-Session, as Data Loader and jsforce send it.</summary>
    private sealed class AsyncClient(EmulatorClient client)
    {
        public async Task<(int Status, string Text, string? MediaType)> SendAsync(HttpMethod method, string path, string? body = null, string contentType = "application/xml; charset=UTF-8", string? session = null)
        {
            using var request = new HttpRequestMessage(method, $"/services/async/{EmulatorClient.Version}/{path}");
            request.Headers.TryAddWithoutValidation("X-SFDC-Session", session ?? client.AccessToken);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
            using var response = await client.Http.SendAsync(request, Ct);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response.Content.Headers.ContentType?.MediaType);
        }

        public async Task<XElement> XmlAsync(HttpMethod method, string path, string? body = null, int expect = 200, string contentType = "application/xml; charset=UTF-8")
        {
            var (status, text, media) = await SendAsync(method, path, body, contentType);
            status.ShouldBe(expect, text);
            media.ShouldBe("application/xml");
            return XDocument.Parse(text).Root!;
        }

        public async Task<string> CreateJobAsync(string operation, string sobject, string contentType = "CSV", string? extra = null)
        {
            var job = await XmlAsync(HttpMethod.Post, "job", JobInfo($"<operation>{operation}</operation><object>{sobject}</object>{extra}<contentType>{contentType}</contentType>"), 201);
            job.Element(Ns + "state")!.Value.ShouldBe("Open");
            return job.Element(Ns + "id")!.Value;
        }

        public async Task<string> AddBatchAsync(string job, string content, string contentType = "text/csv")
        {
            var batch = await XmlAsync(HttpMethod.Post, $"job/{job}/batch", content, 201, contentType);
            batch.Element(Ns + "state")!.Value.ShouldBe("Queued");
            batch.Element(Ns + "jobId")!.Value.ShouldBe(job);
            return batch.Element(Ns + "id")!.Value;
        }

        public Task<XElement> CloseAsync(string job) => XmlAsync(HttpMethod.Post, $"job/{job}", JobInfo("<state>Closed</state>"));
    }

    private static string JobInfo(string inner) => $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><jobInfo xmlns=\"http://www.force.com/2009/06/asyncapi/dataload\">{inner}</jobInfo>";

    private static Task ProcessedAsync(EmulatorServer emulator, string job, string batch) =>
        BulkV1Jobs.FindBatch(emulator.State.BulkV1.Find(WellKnown.DefaultOrgKey, job), batch).Processed.WaitAsync(TimeSpan.FromSeconds(30), Ct);

    private static string Value(XElement e, string name) => e.Element(Ns + name)!.Value;

    [Fact]
    public async Task A_csv_insert_batch_reports_each_record_and_writes_through_the_same_validation_and_event_bus_as_rest()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var bulk = new AsyncClient(rest);

        var job = await bulk.CreateJobAsync("insert", "Contact");
        job.ShouldStartWith("750");
        var batch = await bulk.AddBatchAsync(job, "FirstName,LastName,Email\nAda,Lovelace,ada@example.org\n\"Charles, the elder\",Babbage,#N/A\nNoLast,,x@example.org\n");
        batch.ShouldStartWith("751");
        var closed = await bulk.CloseAsync(job);
        Value(closed, "state").ShouldBe("Closed");
        await ProcessedAsync(emulator, job, batch);

        var info = await bulk.XmlAsync(HttpMethod.Get, $"job/{job}/batch/{batch}");
        Value(info, "state").ShouldBe("Completed");
        Value(info, "numberRecordsProcessed").ShouldBe("3");
        Value(info, "numberRecordsFailed").ShouldBe("1");
        var jobInfo = await bulk.XmlAsync(HttpMethod.Get, $"job/{job}");
        Value(jobInfo, "numberBatchesCompleted").ShouldBe("1");
        Value(jobInfo, "numberBatchesTotal").ShouldBe("1");
        Value(jobInfo, "numberRecordsProcessed").ShouldBe("3");
        Value(jobInfo, "apiVersion").ShouldBe(EmulatorClient.Version);

        var (status, text, media) = await bulk.SendAsync(HttpMethod.Get, $"job/{job}/batch/{batch}/result");
        status.ShouldBe(200);
        media.ShouldBe("text/csv");
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("\"Id\",\"Success\",\"Created\",\"Error\"");
        lines[1].ShouldMatch("^\"003\\w{15}\",\"true\",\"true\",\"\"$");
        lines[2].ShouldMatch("^\"003\\w{15}\",\"true\",\"true\",\"\"$");
        lines[3].ShouldBe("\"\",\"false\",\"false\",\"REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --\"");

        var rows = (await rest.QueryAsync("SELECT FirstName, Email FROM Contact WHERE LastName IN ('Lovelace', 'Babbage') ORDER BY LastName")).Object["records"]!.AsArray();
        rows.Select(r => r!["FirstName"]!.GetValue<string>()).ShouldBe(["Charles, the elder", "Ada"]);
        rows[0]!["Email"].ShouldBeNull();

        var org = emulator.State.DefaultOrg;
        IReadOnlyList<BusEvent> events;
        lock (org.Sync) events = org.Events.After("/data/ContactChangeEvent", -2);
        events.Count.ShouldBe(2);
        events.ShouldAllBe(e => e.Payload["ChangeEventHeader"]!["changeOrigin"]!.GetValue<string>() == $"com/salesforce/api/bulkapi/{EmulatorClient.Version}");

        // The request comes back as it was sent.
        var request = await bulk.SendAsync(HttpMethod.Get, $"job/{job}/batch/{batch}/request");
        request.Text.ShouldStartWith("FirstName,LastName,Email\nAda,");
    }

    [Fact]
    public async Task A_serial_json_upsert_job_runs_its_batches_in_order_and_answers_in_json()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithContactExternalId());
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var bulk = new AsyncClient(rest);

        var (status, text, media) = await bulk.SendAsync(HttpMethod.Post, "job",
            """{"operation":"upsert","object":"Contact","externalIdFieldName":"External_Key__c","contentType":"JSON","concurrencyMode":"Serial"}""", "application/json");
        status.ShouldBe(201, text);
        media.ShouldBe("application/json");
        var job = JsonNode.Parse(text)!;
        job["concurrencyMode"]!.GetValue<string>().ShouldBe("Serial");
        job["externalIdFieldName"]!.GetValue<string>().ShouldBe("External_Key__c");
        var jobId = job["id"]!.GetValue<string>();

        // The second batch updates what the first creates: only in order does it find it.
        var batches = new List<string>();
        foreach (var content in new[]
                 {
                     """[{"External_Key__c":"k-1","LastName":"First"},{"External_Key__c":"k-2","LastName":"Second"}]""",
                     """[{"External_Key__c":"k-1","LastName":"First, updated","Title":null},{"LastName":"No key"}]""",
                 })
        {
            var added = await bulk.SendAsync(HttpMethod.Post, $"job/{jobId}/batch", content, "application/json");
            added.Status.ShouldBe(201, added.Text);
            batches.Add(JsonNode.Parse(added.Text)!["id"]!.GetValue<string>());
        }
        foreach (var b in batches) await ProcessedAsync(emulator, jobId, b);

        var first = JsonNode.Parse((await bulk.SendAsync(HttpMethod.Get, $"job/{jobId}/batch/{batches[0]}/result", contentType: "application/json")).Text)!.AsArray();
        first.Select(r => r!["created"]!.GetValue<bool>()).ShouldBe([true, true]);
        var second = JsonNode.Parse((await bulk.SendAsync(HttpMethod.Get, $"job/{jobId}/batch/{batches[1]}/result")).Text)!.AsArray();
        second[0]!["success"]!.GetValue<bool>().ShouldBeTrue();
        second[0]!["created"]!.GetValue<bool>().ShouldBeFalse();
        second[0]!["id"]!.GetValue<string>().ShouldBe(first[0]!["id"]!.GetValue<string>());
        second[1]!["success"]!.GetValue<bool>().ShouldBeFalse();
        second[1]!["errors"]![0]!["statusCode"]!.GetValue<string>().ShouldBe("MISSING_ARGUMENT");

        var list = JsonNode.Parse((await bulk.SendAsync(HttpMethod.Get, $"job/{jobId}/batch")).Text)!["batchInfo"]!.AsArray();
        list.Select(b => b!["state"]!.GetValue<string>()).ShouldBe(["Completed", "Completed"]);
        (await rest.QueryAsync("SELECT LastName FROM Contact WHERE External_Key__c = 'k-1'")).Object["records"]![0]!["LastName"]!.GetValue<string>().ShouldBe("First, updated");
    }

    [Fact]
    public async Task An_xml_update_batch_sets_fields_to_null_and_answers_xml_results_with_errors()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var bulk = new AsyncClient(rest);
        var id = await rest.CreateAsync("Contact", new { LastName = "Hopper", Title = "Rear Admiral", Email = "grace@example.org" });

        var job = await bulk.CreateJobAsync("update", "Contact", "XML");
        var batch = await bulk.AddBatchAsync(job,
            $"""<?xml version="1.0" encoding="UTF-8"?><sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sObject><Id>{id}</Id><Title>Computer scientist</Title><fieldsToNull>Email</fieldsToNull></sObject><sObject><Id>003000000000000AAA</Id><Title>Nobody</Title></sObject></sObjects>""",
            "application/xml");
        await ProcessedAsync(emulator, job, batch);

        var results = await bulk.XmlAsync(HttpMethod.Get, $"job/{job}/batch/{batch}/result");
        results.Name.ShouldBe(Ns + "results");
        var each = results.Elements(Ns + "result").ToList();
        Value(each[0], "id").ShouldBe(id);
        Value(each[0], "success").ShouldBe("true");
        Value(each[1], "success").ShouldBe("false");
        Value(each[1].Element(Ns + "errors")!, "statusCode").ShouldBe("NOT_FOUND");

        var record = (await rest.GetAsync($"/sobjects/Contact/{id}")).Object;
        record["Title"]!.GetValue<string>().ShouldBe("Computer scientist");
        record["Email"].ShouldBeNull();
    }

    [Fact]
    public async Task A_query_batch_gives_a_result_list_and_a_csv_result_and_query_all_sees_deleted_records()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var bulk = new AsyncClient(rest);
        var kept = await rest.CreateAsync("Account", new { Name = "Bulk Query \"Quoted\", Ltd" });
        var gone = await rest.CreateAsync("Account", new { Name = "Bulk Query Gone" });
        (await rest.DeleteAsync($"/sobjects/Account/{gone}")).Code.ShouldBe(204);

        async Task<string> QueryAsync(string operation, string soql)
        {
            var job = await bulk.CreateJobAsync(operation, "Account");
            var batch = await bulk.AddBatchAsync(job, soql, "text/csv");
            await ProcessedAsync(emulator, job, batch);
            var list = await bulk.XmlAsync(HttpMethod.Get, $"job/{job}/batch/{batch}/result");
            list.Name.ShouldBe(Ns + "result-list");
            var resultId = list.Element(Ns + "result")!.Value;
            resultId.ShouldStartWith("752");
            var (status, text, media) = await bulk.SendAsync(HttpMethod.Get, $"job/{job}/batch/{batch}/result/{resultId}");
            status.ShouldBe(200);
            media.ShouldBe("text/csv");
            return text;
        }

        var query = await QueryAsync("query", "SELECT Id, Name, Owner.Name FROM Account WHERE Name LIKE 'Bulk Query%' ORDER BY Name");
        query.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(["\"Id\",\"Name\",\"Owner.Name\"", $"\"{kept}\",\"Bulk Query \"\"Quoted\"\", Ltd\",\"Avery Admin\""]);
        var all = await QueryAsync("queryAll", "SELECT Id FROM Account WHERE Name LIKE 'Bulk Query%' ORDER BY Name");
        all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ShouldBe([$"\"{kept}\"", $"\"{gone}\""]);
        (await QueryAsync("query", "SELECT Id FROM Account WHERE Name = 'Nobody at all'")).ShouldBe("Records not found for this query");
    }

    [Fact]
    public async Task A_batch_that_cannot_be_processed_fails_with_the_reason_in_its_state_message()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var bulk = new AsyncClient(rest);

        var job = await bulk.CreateJobAsync("insert", "Contact");
        var unknown = await bulk.AddBatchAsync(job, "LastName,Shoe_Size__c\nSmith,42\n");
        var tooMany = await bulk.AddBatchAsync(job, "LastName\n" + string.Concat(Enumerable.Repeat("Many\n", BulkV1Content.MaxRecords + 1)));
        var query = await bulk.CreateJobAsync("query", "Contact");
        var wrongObject = await bulk.AddBatchAsync(query, "SELECT Id FROM Account", "text/csv");
        var badSoql = await bulk.AddBatchAsync(query, "SELECT Nope FROM Contact", "text/csv");

        async Task<string> FailedAsync(string j, string b)
        {
            await ProcessedAsync(emulator, j, b);
            var info = await bulk.XmlAsync(HttpMethod.Get, $"job/{j}/batch/{b}");
            Value(info, "state").ShouldBe("Failed");
            return Value(info, "stateMessage");
        }

        (await FailedAsync(job, unknown)).ShouldBe("InvalidBatch : Field name not found : Shoe_Size__c");
        (await FailedAsync(job, tooMany)).ShouldStartWith("InvalidBatch : Records in a single batch exceed the limit of 10,000");
        (await FailedAsync(query, wrongObject)).ShouldContain("the query is on Account, the job on Contact");
        (await FailedAsync(query, badSoql)).ShouldContain("INVALID_FIELD");
        (await rest.QueryAsync("SELECT COUNT() FROM Contact WHERE LastName IN ('Smith', 'Many')")).Object["totalSize"]!.GetValue<int>().ShouldBe(0);
        var jobInfo = await bulk.XmlAsync(HttpMethod.Get, $"job/{job}");
        Value(jobInfo, "numberBatchesFailed").ShouldBe("2");
    }

    [Fact]
    public async Task Bad_requests_answer_bulk_api_errors_and_leave_nothing_behind()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var bulk = new AsyncClient(rest);

        async Task ExpectAsync(Task<(int Status, string Text, string? MediaType)> call, int status, string code, string? message = null)
        {
            var (s, text, media) = await call;
            s.ShouldBe(status, text);
            media.ShouldBe("application/xml");
            var error = XDocument.Parse(text).Root!;
            error.Name.ShouldBe(Ns + "error");
            Value(error, "exceptionCode").ShouldBe(code);
            if (message is not null) Value(error, "exceptionMessage").ShouldContain(message);
        }

        await ExpectAsync(bulk.SendAsync(HttpMethod.Post, "job", JobInfo("<operation>insert</operation><object>Contact</object>"), session: "00Dbogus!session"), 400, "InvalidSessionId", "Invalid session id");
        await ExpectAsync(bulk.SendAsync(HttpMethod.Post, "job", "<jobInfo><operation>insert</operation"), 400, "InvalidXML");
        await ExpectAsync(bulk.SendAsync(HttpMethod.Post, "job", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><jobInfo><operation>&e;</operation></jobInfo>"), 400, "InvalidXML");
        await ExpectAsync(bulk.SendAsync(HttpMethod.Post, "job", JobInfo("<operation>merge</operation><object>Contact</object>")), 400, "InvalidJob", "Invalid operation: merge");
        await ExpectAsync(bulk.SendAsync(HttpMethod.Post, "job", JobInfo("<operation>insert</operation><object>Nothing__c</object>")), 400, "InvalidJob", "Nothing__c");
        await ExpectAsync(bulk.SendAsync(HttpMethod.Post, "job", JobInfo("<operation>upsert</operation><object>Contact</object>")), 400, "InvalidJob", "externalIdFieldName is required");
        await ExpectAsync(bulk.SendAsync(HttpMethod.Get, "job/750000000000000AAA"), 400, "InvalidJob");
        await ExpectAsync(bulk.SendAsync(HttpMethod.Delete, "job"), 405, "InvalidUrl", "Allowed are POST");

        var job = await bulk.CreateJobAsync("insert", "Contact");
        await ExpectAsync(bulk.SendAsync(HttpMethod.Post, $"job/{job}/batch", "LastName\nWrongType\n", "text/plain"), 400, "InvalidBatch", "send it as text/csv");
        await ExpectAsync(bulk.SendAsync(HttpMethod.Post, $"job/{job}/batch", "", "text/csv"), 400, "ClientInputError");
        var oversized = "LastName\n" + new string('x', BulkV1Endpoints.MaxBatchBytes) + "\n";
        await ExpectAsync(bulk.SendAsync(HttpMethod.Post, $"job/{job}/batch", oversized, "text/csv"), 400, "InvalidBatch", "larger than 10 MB");
        await ExpectAsync(bulk.SendAsync(HttpMethod.Get, $"job/{job}/batch/751000000000000AAA"), 400, "InvalidBatch");
        emulator.State.BulkV1.Find(WellKnown.DefaultOrgKey, job).Batches.ShouldBeEmpty();

        await bulk.CloseAsync(job);
        await ExpectAsync(bulk.SendAsync(HttpMethod.Post, $"job/{job}/batch", "LastName\nLate\n", "text/csv"), 400, "InvalidJobState");
        await ExpectAsync(bulk.SendAsync(HttpMethod.Post, $"job/{job}", JobInfo("<state>Open</state>")), 400, "InvalidJobState");

        var aborted = await bulk.XmlAsync(HttpMethod.Post, $"job/{await bulk.CreateJobAsync("delete", "Contact")}", JobInfo("<state>Aborted</state>"));
        Value(aborted, "state").ShouldBe("Aborted");
        (await rest.QueryAsync("SELECT COUNT() FROM Contact WHERE LastName IN ('WrongType', 'Late')")).Object["totalSize"]!.GetValue<int>().ShouldBe(0);
    }

    [Fact]
    public async Task Deep_xml_unknown_encodings_and_another_orgs_host_are_refused_and_a_gzip_batch_is_read()
    {
        await using var emulator = await TestEmulator.StartAsync(new SeedFile { Orgs = [new SeedOrg(), new SeedOrg { Key = "other", Name = "Other Org" }] });
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var bulk = new AsyncClient(rest);

        var deep = string.Concat(Enumerable.Repeat("<a>", 1_000)) + string.Concat(Enumerable.Repeat("</a>", 1_000));
        var (status, text, _) = await bulk.SendAsync(HttpMethod.Post, "job", JobInfo($"<operation>{deep}</operation>"));
        status.ShouldBe(400);
        Value(XDocument.Parse(text).Root!, "exceptionCode").ShouldBe("InvalidXML");
        Value(XDocument.Parse(text).Root!, "exceptionMessage").ShouldContain("nested deeper than 64");

        var job = await bulk.CreateJobAsync("insert", "Contact");
        using (var brotli = new HttpRequestMessage(HttpMethod.Post, $"/services/async/{EmulatorClient.Version}/job/{job}/batch") { Content = new StringContent("LastName\nPacked\n", Encoding.UTF8, "text/csv") })
        {
            brotli.Headers.TryAddWithoutValidation("X-SFDC-Session", rest.AccessToken);
            brotli.Content.Headers.ContentEncoding.Add("br");
            using var refused = await rest.Http.SendAsync(brotli, Ct);
            ((int)refused.StatusCode).ShouldBe(400);
            (await refused.Content.ReadAsStringAsync(Ct)).ShouldContain("ClientInputError");
        }
        using var packed = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            await gzip.WriteAsync(Encoding.UTF8.GetBytes("LastName\nZipped\n"), Ct);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/services/async/{EmulatorClient.Version}/job/{job}/batch") { Content = new ByteArrayContent(packed.ToArray()) };
        request.Headers.TryAddWithoutValidation("X-SFDC-Session", rest.AccessToken);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        request.Content.Headers.ContentEncoding.Add("gzip");
        using var response = await rest.Http.SendAsync(request, Ct);
        ((int)response.StatusCode).ShouldBe(201);
        var batch = XDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).Root!.Element(Ns + "id")!.Value;
        await ProcessedAsync(emulator, job, batch);
        (await rest.QueryAsync("SELECT COUNT() FROM Contact WHERE LastName = 'Zipped'")).Object["totalSize"]!.GetValue<int>().ShouldBe(1);

        // A session of one org is no session on another org's host, and its jobs are not found there.
        using var otherHost = new HttpRequestMessage(HttpMethod.Get, $"/orgs/other/services/async/{EmulatorClient.Version}/job/{job}");
        otherHost.Headers.TryAddWithoutValidation("X-SFDC-Session", rest.AccessToken);
        using var denied = await rest.Http.SendAsync(otherHost, Ct);
        ((int)denied.StatusCode).ShouldBe(400);
        (await denied.Content.ReadAsStringAsync(Ct)).ShouldContain("InvalidSessionId");
        Should.Throw<BulkV1Wire.BulkV1Exception>(() => emulator.State.BulkV1.Find("other", job)).ExceptionCode.ShouldBe("InvalidJob");
    }

    [Fact]
    public async Task A_bulk_job_is_its_creators_and_visible_to_users_who_can_modify_all_data_only()
    {
        await using var emulator = await TestEmulator.StartAsync(new SeedFile
        {
            Orgs = [new SeedOrg { Users = [new SeedUser { Username = "agent@acme.example", Password = "Agent-Secret-1", LastName = "Agent", Email = "agent@acme.example", Alias = "agent" }] }],
        });
        using var admin = await EmulatorClient.SignedInAsync(emulator);
        using var agent = await EmulatorClient.SignedInAsync(emulator, "agent@acme.example", "Agent-Secret-1");
        var adminBulk = new AsyncClient(admin);
        var agentBulk = new AsyncClient(agent);

        var adminsJob = await adminBulk.CreateJobAsync("insert", "Contact");
        var (status, text, _) = await agentBulk.SendAsync(HttpMethod.Get, $"job/{adminsJob}");
        status.ShouldBe(400);
        Value(XDocument.Parse(text).Root!, "exceptionCode").ShouldBe("InvalidUser");
        (await agentBulk.SendAsync(HttpMethod.Post, $"job/{adminsJob}/batch", "LastName\nIntruder\n", "text/csv")).Status.ShouldBe(400);
        emulator.State.BulkV1.Find(WellKnown.DefaultOrgKey, adminsJob).Batches.ShouldBeEmpty();

        var agentsJob = await agentBulk.CreateJobAsync("insert", "Contact");
        Value(await adminBulk.XmlAsync(HttpMethod.Get, $"job/{agentsJob}"), "id").ShouldBe(agentsJob, "the admin's profile can modify all data");

        // Bulk API 2.0 likewise: another user's job does not exist for a user without Modify All Data.
        var ingest = (await admin.PostAsync("/jobs/ingest", new { @object = "Contact", operation = "insert" })).Object["id"]!.GetValue<string>();
        (await agent.GetAsync($"/jobs/ingest/{ingest}")).Code.ShouldBe(404);
        (await agent.GetAsync("/jobs/ingest")).Object["records"]!.AsArray().ShouldBeEmpty();
        (await admin.GetAsync("/jobs/ingest")).Object["records"]!.AsArray().Count.ShouldBe(1);
    }
}
