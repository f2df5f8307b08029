using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Rest;

public sealed class SObjectTests
{
    [Fact]
    public async Task Version_list_needs_no_token_and_names_the_latest_version()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = new EmulatorClient(emulator);
        var versions = await client.GetAsync("/services/data");
        versions.Code.ShouldBe(200);
        var list = (JsonArray)versions.Body!;
        list.ShouldContain(v => v!["version"]!.GetValue<string>() == "62.0" && v["url"]!.GetValue<string>() == "/services/data/v62.0" && v["label"]!.GetValue<string>() == "Winter '25");
        versions.Header("Sforce-Limit-Info").ShouldBeEmpty();
        (await client.GetAsync("/services/data/v19.0/limits")).Code.ShouldBe(404);
    }

    [Fact]
    public async Task Describe_reports_real_field_properties_and_child_relationships()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithContactExternalId());
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var global = await client.GetAsync("/sobjects");
        var names = global.Object["sobjects"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()).ToList();
        names.ShouldContain("CallCenterRoutingMap");
        names.ShouldContain("ContentVersion");
        global.Object["sobjects"]!.AsArray().First(o => o!["name"]!.GetValue<string>() == "Lead")!["keyPrefix"]!.GetValue<string>().ShouldBe("00Q");

        var contact = (await client.GetAsync("/sobjects/Contact/describe")).Object;
        JsonNode Field(string name) => contact["fields"]!.AsArray().First(f => f!["name"]!.GetValue<string>() == name)!;
        Field("LastName")["nillable"]!.GetValue<bool>().ShouldBeFalse();
        Field("LastName")["length"]!.GetValue<int>().ShouldBe(80);
        Field("Phone")["type"]!.GetValue<string>().ShouldBe("phone");
        Field("AccountId")["referenceTo"]![0]!.GetValue<string>().ShouldBe("Account");
        Field("AccountId")["relationshipName"]!.GetValue<string>().ShouldBe("Account");
        Field("Name")["createable"]!.GetValue<bool>().ShouldBeFalse();
        Field("External_Key__c")["externalId"]!.GetValue<bool>().ShouldBeTrue();
        Field("External_Key__c")["custom"]!.GetValue<bool>().ShouldBeTrue();
        contact["childRelationships"]!.AsArray().ShouldContain(c => c!["relationshipName"]!.GetValue<string>() == "Cases" && c["field"]!.GetValue<string>() == "ContactId");

        var task = (await client.GetAsync("/sobjects/Task/describe")).Object;
        var callType = task["fields"]!.AsArray().First(f => f!["name"]!.GetValue<string>() == "CallType")!;
        callType["picklistValues"]!.AsArray().Select(p => p!["value"]!.GetValue<string>()).ShouldBe(["Internal", "Inbound", "Outbound"]);
        (await client.GetAsync("/sobjects/Nope__c/describe")).ErrorCode.ShouldBe("INVALID_TYPE");
    }

    [Fact]
    public async Task Create_read_update_delete_with_system_fields_and_fifteen_character_ids()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var account = await client.CreateAsync("Account", new { Name = "Acme" });
        var created = await client.PostAsync("/sobjects/Contact", new { FirstName = "Ada", LastName = "Lovelace", AccountId = account[..15] });
        created.Code.ShouldBe(201);
        created.Header("Location").ShouldEndWith("/sobjects/Contact/" + created.Object["id"]!.GetValue<string>());
        var id = created.Object["id"]!.GetValue<string>();
        id.ShouldStartWith("003");
        SalesforceId.TryNormalize(id, out _).ShouldBeTrue();

        var read = (await client.GetAsync($"/sobjects/Contact/{id[..15]}")).Object;
        read["attributes"]!["type"]!.GetValue<string>().ShouldBe("Contact");
        read["Id"]!.GetValue<string>().ShouldBe(id);
        read["Name"]!.GetValue<string>().ShouldBe("Ada Lovelace");
        read["AccountId"]!.GetValue<string>().ShouldBe(account);
        var admin = emulator.State.FindUser(WellKnown.AdminUsername)!.Value.User.Id;
        read["OwnerId"]!.GetValue<string>().ShouldBe(admin);
        read["CreatedById"]!.GetValue<string>().ShouldBe(admin);
        read["CreatedDate"]!.GetValue<string>().ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$");

        var partial = (await client.GetAsync($"/sobjects/Contact/{id}?fields=LastName,Email")).Object;
        partial.Select(kv => kv.Key).ShouldBe(["attributes", "LastName", "Email"]);

        emulator.State.Clock.Advance(TimeSpan.FromSeconds(5));
        (await client.PatchAsync($"/sobjects/Contact/{id}", new { Title = "Countess" })).Code.ShouldBe(204);
        var updated = (await client.GetAsync($"/sobjects/Contact/{id}")).Object;
        updated["Title"]!.GetValue<string>().ShouldBe("Countess");
        updated["LastModifiedDate"]!.GetValue<string>().ShouldNotBe(updated["CreatedDate"]!.GetValue<string>());

        (await client.DeleteAsync($"/sobjects/Contact/{id}")).Code.ShouldBe(204);
        var gone = await client.GetAsync($"/sobjects/Contact/{id}");
        gone.Code.ShouldBe(404);
        gone.ErrorCode.ShouldBe("ENTITY_IS_DELETED");
        (await client.DeleteAsync($"/sobjects/Contact/{id}")).ErrorCode.ShouldBe("ENTITY_IS_DELETED");
    }

    public static TheoryData<string, string, string, string?> ValidationCases() => new()
    {
        { "Contact", "{\"FirstName\":\"Only\"}", "REQUIRED_FIELD_MISSING", "LastName" },
        { "Lead", "{\"LastName\":\"Doe\"}", "REQUIRED_FIELD_MISSING", "Company" },
        { "Contact", "{\"LastName\":\"" + new string('x', 81) + "\"}", "STRING_TOO_LONG", "LastName" },
        { "Contact", "{\"LastName\":\"Doe\",\"Email\":\"not-an-email\"}", "INVALID_EMAIL_ADDRESS", "Email" },
        { "Contact", "{\"LastName\":\"Doe\",\"Shoe_Size__c\":42}", "INVALID_FIELD", "Shoe_Size__c" },
        { "Contact", "{\"LastName\":\"Doe\",\"Name\":\"Set Directly\"}", "INVALID_FIELD_FOR_INSERT_UPDATE", "Name" },
        { "Contact", "{\"LastName\":\"Doe\",\"AccountId\":\"not-an-id\"}", "MALFORMED_ID", "AccountId" },
        { "Contact", "{\"LastName\":\"Doe\",\"AccountId\":\"003A0000005QB3AIAW\"}", "FIELD_INTEGRITY_EXCEPTION", "AccountId" },
        { "Contact", "{\"LastName\":\"Doe\",\"AccountId\":\"001A0000006Vm9rIAC\"}", "INVALID_CROSS_REFERENCE_KEY", "AccountId" },
        { "Task", "{\"Subject\":\"Call\",\"CallType\":\"Sideways\"}", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "CallType" },
        { "Contact", "{\"LastName\":\"Doe\",\"Birthdate\":\"31/12/1990\"}", "JSON_PARSER_ERROR", null },
        { "Task", "{\"Subject\":\"Call\",\"CallDurationInSeconds\":\"long\"}", "JSON_PARSER_ERROR", null },
        { "Contact", "{\"LastName\":", "JSON_PARSER_ERROR", null },
        { "Contact", "[1,2]", "JSON_PARSER_ERROR", null },
    };

    [Theory]
    [MemberData(nameof(ValidationCases))]
    public async Task Invalid_records_are_refused_with_salesforce_error_codes(string sobject, string body, string errorCode, string? field)
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var response = await client.PostRawAsync($"/sobjects/{sobject}", body);
        response.Code.ShouldBe(400, response.Body?.ToJsonString());
        response.ErrorCode.ShouldBe(errorCode);
        if (field is not null) ((JsonArray)response.Body!)[0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldContain(field);
        lock (emulator.State.DefaultOrg.Sync) emulator.State.DefaultOrg.Records.OfType(sobject).ShouldBeEmpty();
    }

    [Fact]
    public async Task Bad_ids_in_the_url_answer_malformed_id_or_not_found()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        (await client.GetAsync("/sobjects/Contact/003A0000005QB3AAAA")).ErrorCode.ShouldBe("MALFORMED_ID");
        (await client.GetAsync("/sobjects/Contact/003A0000005QB3AIAW")).ErrorCode.ShouldBe("NOT_FOUND");
        var account = await client.CreateAsync("Account", new { Name = "Acme" });
        (await client.GetAsync($"/sobjects/Contact/{account}")).ErrorCode.ShouldBe("NOT_FOUND");
        (await client.GetAsync("/sobjects/Contact/whatever")).Code.ShouldBe(404);
        (await client.GetAsync("/no-such-resource")).ErrorCode.ShouldBe("NOT_FOUND");
    }

    [Fact]
    public async Task Upsert_by_external_id_creates_then_updates_and_answers_300_on_several_matches()
    {
        var seed = TestEmulator.WithContactExternalId();
        seed.Orgs[0].CustomFields["Contact"].Add(new SeedField { Name = "Legacy_Key__c", Type = "string", ExternalId = true });
        await using var emulator = await TestEmulator.StartAsync(seed);
        using var client = await EmulatorClient.SignedInAsync(emulator);

        var first = await client.PatchAsync("/sobjects/Contact/External_Key__c/K-1", new { LastName = "Doe" });
        first.Code.ShouldBe(201);
        first.Object["created"]!.GetValue<bool>().ShouldBeTrue();
        var second = await client.PatchAsync("/sobjects/Contact/External_Key__c/k-1", new { FirstName = "Jane" });
        second.Code.ShouldBe(200);
        second.Object["created"]!.GetValue<bool>().ShouldBeFalse();
        second.Object["id"]!.GetValue<string>().ShouldBe(first.Object["id"]!.GetValue<string>());
        (await client.GetAsync("/sobjects/Contact/External_Key__c/K-1")).Object["Name"]!.GetValue<string>().ShouldBe("Jane Doe");

        var duplicate = await client.PostAsync("/sobjects/Contact", new { LastName = "Other", External_Key__c = "K-1" });
        duplicate.ErrorCode.ShouldBe("DUPLICATE_VALUE");
        duplicate.ErrorMessage!.ShouldContain(first.Object["id"]!.GetValue<string>());

        await client.CreateAsync("Contact", new { LastName = "A", Legacy_Key__c = "L-9" });
        await client.CreateAsync("Contact", new { LastName = "B", Legacy_Key__c = "L-9" });
        var ambiguous = await client.PatchAsync("/sobjects/Contact/Legacy_Key__c/L-9", new { Title = "x" });
        ambiguous.Code.ShouldBe(300);
        ((JsonArray)ambiguous.Body!).Count.ShouldBe(2);
        (await client.PatchAsync("/sobjects/Contact/LastName/Doe", new { Title = "x" })).ErrorCode.ShouldBe("NOT_FOUND");
        (await client.PatchAsync("/sobjects/Contact/External_Key__c/K-404?updateOnly=true", new { Title = "x" })).Code.ShouldBe(404);
    }

    [Fact]
    public async Task A_content_version_becomes_a_document_linked_to_its_record_with_downloadable_bytes()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var caseId = await client.CreateAsync("Case", new { Subject = "Broken phone", Origin = "Phone" });
        var bytes = "transcript: hello"u8.ToArray();
        var version = await client.CreateAsync("ContentVersion", new { Title = "Transcript", PathOnClient = "transcript.txt", VersionData = Convert.ToBase64String(bytes), FirstPublishLocationId = caseId });

        var v = (await client.GetAsync($"/sobjects/ContentVersion/{version}")).Object;
        v["FileExtension"]!.GetValue<string>().ShouldBe("txt");
        v["ContentSize"]!.GetValue<int>().ShouldBe(bytes.Length);
        v["VersionData"]!.GetValue<string>().ShouldEndWith($"/sobjects/ContentVersion/{version}/VersionData");
        var documentId = v["ContentDocumentId"]!.GetValue<string>();
        var links = await client.QueryAsync($"SELECT LinkedEntityId, ContentDocument.Title FROM ContentDocumentLink WHERE ContentDocumentId = '{documentId}'");
        links.Records.Single()!["LinkedEntityId"]!.GetValue<string>().ShouldBe(caseId);
        links.Records.Single()!["ContentDocument"]!["Title"]!.GetValue<string>().ShouldBe("Transcript");

        var download = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/services/data/v62.0/sobjects/ContentVersion/{version}/VersionData")
        {
            Headers = { Authorization = new("Bearer", client.AccessToken) },
        }, TestContext.Current.CancellationToken);
        (await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).ShouldBe(bytes);
    }

    [Fact]
    public async Task Case_numbers_and_closed_flags_are_derived()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var a = await client.CreateAsync("Case", new { Subject = "one" });
        var b = await client.CreateAsync("Case", new { Subject = "two" });
        var first = (await client.GetAsync($"/sobjects/Case/{a}")).Object;
        var second = (await client.GetAsync($"/sobjects/Case/{b}")).Object;
        first["Status"]!.GetValue<string>().ShouldBe("New");
        (int.Parse(second["CaseNumber"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            - int.Parse(first["CaseNumber"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(1);
        await client.PatchAsync($"/sobjects/Case/{a}", new { Status = "Closed" });
        var closed = (await client.GetAsync($"/sobjects/Case/{a}")).Object;
        closed["IsClosed"]!.GetValue<bool>().ShouldBeTrue();
        closed["ClosedDate"].ShouldNotBeNull();
        var task = await client.CreateAsync("Task", new { Subject = "Call", Status = "Completed", TaskSubtype = "Call", CallType = "Inbound", CallDurationInSeconds = 42 });
        var t = (await client.GetAsync($"/sobjects/Task/{task}")).Object;
        t["IsClosed"]!.GetValue<bool>().ShouldBeTrue();
        t["CallDurationInSeconds"]!.GetValue<int>().ShouldBe(42);
        (await client.PatchAsync($"/sobjects/Task/{task}", new { TaskSubtype = "Email" })).ErrorCode.ShouldBe("INVALID_FIELD_FOR_INSERT_UPDATE");
        (await client.PatchAsync($"/sobjects/Task/{task}", new { Status = "" })).ErrorCode.ShouldBe("REQUIRED_FIELD_MISSING");
    }

    [Fact]
    public async Task Platform_events_declared_in_the_seed_can_be_published()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithAgentStateEvent());
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var published = await client.PostAsync("/sobjects/Agent_State__e", new { State__c = "Ready" });
        published.Code.ShouldBe(201);
        published.Object["id"]!.GetValue<string>().ShouldStartWith("e");
        (await client.PostAsync("/sobjects/Agent_State__e", new { })).ErrorCode.ShouldBe("REQUIRED_FIELD_MISSING");
        (await client.QueryAsync("SELECT Id FROM Agent_State__e")).ErrorCode.ShouldBe("INVALID_TYPE_FOR_OPERATION");
    }

    [Fact]
    public async Task Auto_number_fields_number_each_new_record_in_their_format_and_keep_numbers_a_rollback_used()
    {
        await using var emulator = await TestEmulator.StartAsync(new SeedFile
        {
            Orgs =
            [
                new SeedOrg
                {
                    CustomObjects =
                    [
                        new SeedObject
                        {
                            Name = "Interaction__c", NameFormat = "INT-{00000000}",
                            Fields = [new SeedField { Name = "Ticket__c", Type = "autonumber", DisplayFormat = "{YYYY}-{0000}" }, new SeedField { Name = "Note__c", Length = 20 }],
                        },
                    ],
                },
            ],
        });
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var year = emulator.State.Clock.GetUtcNow().Year;
        var first = await client.CreateAsync("Interaction__c", new { Note__c = "one" });
        var record = (await client.GetAsync($"/sobjects/Interaction__c/{first}")).Object;
        record["Name"]!.GetValue<string>().ShouldBe("INT-00000001");
        record["Ticket__c"]!.GetValue<string>().ShouldBe($"{year}-0001");

        var named = await client.PostAsync("/sobjects/Interaction__c", new { Name = "Mine" });
        named.ErrorCode.ShouldBe("INVALID_FIELD_FOR_INSERT_UPDATE");
        var describe = (await client.GetAsync("/sobjects/Interaction__c/describe")).Object["fields"]!.AsArray();
        describe.Single(f => f!["name"]!.GetValue<string>() == "Name")!["autoNumber"]!.GetValue<bool>().ShouldBeTrue();

        // A rolled-back insert used a number; the next record does not get it back.
        var rolledBack = (await client.PostAsync("/composite/sobjects", new JsonObject
        {
            ["allOrNone"] = true,
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Interaction__c" }, ["Note__c"] = "rolled back" },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Interaction__c" }, ["Note__c"] = new string('x', 21) }),
        })).Body!.AsArray();
        rolledBack[0]!["errors"]![0]!["statusCode"]!.GetValue<string>().ShouldBe("ALL_OR_NONE_OPERATION_ROLLED_BACK");
        var next = await client.CreateAsync("Interaction__c", new { Note__c = "three" });
        (await client.GetAsync($"/sobjects/Interaction__c/{next}")).Object["Name"]!.GetValue<string>().ShouldBe("INT-00000003");
    }
}
