using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Soql;

/// <summary>SOQL over a small seeded org: two accounts, four contacts, a lead, cases and tasks.</summary>
public sealed class SoqlTests : IAsyncLifetime
{
    private EmulatorServer _emulator = null!;
    private EmulatorClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        var seed = new SeedFile
        {
            Orgs =
            [
                new SeedOrg
                {
                    Records = new()
                    {
                        ["Account"] =
                        [
                            new JsonObject { ["@ref"] = "acme", ["Name"] = "Acme", ["Industry"] = "Retail", ["NumberOfEmployees"] = 120 },
                            new JsonObject { ["@ref"] = "globex", ["Name"] = "Globex", ["Industry"] = "Technology", ["NumberOfEmployees"] = 40 },
                        ],
                        ["Contact"] =
                        [
                            new JsonObject { ["@ref"] = "ada", ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["AccountId"] = "@acme", ["Email"] = "ada@acme.example", ["LeadSource"] = "Web", ["Birthdate"] = "1815-12-10" },
                            new JsonObject { ["FirstName"] = "Charles", ["LastName"] = "Babbage", ["AccountId"] = "@acme", ["LeadSource"] = "Phone Inquiry" },
                            new JsonObject { ["FirstName"] = "Grace", ["LastName"] = "Hopper", ["AccountId"] = "@globex", ["LeadSource"] = "Web", ["Title"] = "O'Brien & Co" },
                            new JsonObject { ["FirstName"] = null, ["LastName"] = "Nameless", ["Title"] = "back\\slash" },
                        ],
                        ["Lead"] = [new JsonObject { ["LastName"] = "Prospect", ["Company"] = "Initech" }],
                        ["Case"] =
                        [
                            new JsonObject { ["Subject"] = "Printer on fire", ["ContactId"] = "@ada", ["AccountId"] = "@acme", ["Priority"] = "High" },
                            new JsonObject { ["Subject"] = "Password reset", ["ContactId"] = "@ada", ["AccountId"] = "@acme" },
                        ],
                        ["Task"] = [new JsonObject { ["Subject"] = "Call back", ["WhoId"] = "@ada", ["WhatId"] = "@acme" }],
                    },
                },
            ],
        };
        _emulator = await TestEmulator.StartAsync(seed);
        _client = await EmulatorClient.SignedInAsync(_emulator);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _emulator.DisposeAsync();
    }

    private async Task<List<JsonObject>> Rows(string soql)
    {
        var r = await _client.QueryAsync(soql);
        r.Code.ShouldBe(200, r.Body?.ToJsonString());
        return r.Records.Select(x => x!.AsObject()).ToList();
    }

    private async Task<List<string?>> Names(string soql) => (await Rows(soql)).Select(r => r["LastName"]?.GetValue<string>()).ToList();

    [Fact]
    public async Task Parent_paths_come_back_as_nested_records_or_null()
    {
        var rows = await Rows("SELECT LastName, Account.Name, Account.Owner.Name FROM Contact ORDER BY LastName");
        rows[0]["LastName"]!.GetValue<string>().ShouldBe("Babbage");
        rows[0]["Account"]!["Name"]!.GetValue<string>().ShouldBe("Acme");
        rows[0]["Account"]!["attributes"]!["type"]!.GetValue<string>().ShouldBe("Account");
        rows[0]["Account"]!["Owner"]!["Name"]!.GetValue<string>().ShouldBe("Avery Admin");
        rows.Single(r => r["LastName"]!.GetValue<string>() == "Nameless").ShouldContainKey("Account");
        rows.Single(r => r["LastName"]!.GetValue<string>() == "Nameless")["Account"].ShouldBeNull();
        (await Rows("SELECT Subject, Who.Name, What.Name, What.Type FROM Task"))[0]["What"]!["Type"]!.GetValue<string>().ShouldBe("Account");
    }

    [Fact]
    public async Task Child_subqueries_return_related_lists_or_null()
    {
        var rows = await Rows("SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName DESC), (SELECT Subject FROM Cases WHERE Priority = 'High') FROM Account ORDER BY Name");
        var acme = rows[0];
        acme["Contacts"]!["totalSize"]!.GetValue<int>().ShouldBe(2);
        acme["Contacts"]!["records"]!.AsArray().Select(c => c!["LastName"]!.GetValue<string>()).ShouldBe(["Lovelace", "Babbage"]);
        acme["Cases"]!["records"]!.AsArray().Single()!["Subject"]!.GetValue<string>().ShouldBe("Printer on fire");
        rows[1]["Cases"].ShouldBeNull();
    }

    [Theory]
    [InlineData("SELECT LastName FROM Contact WHERE LastName = 'lovelace'", "Lovelace")]
    [InlineData("SELECT LastName FROM Contact WHERE LastName != 'Lovelace' AND LastName <> 'Babbage' AND LastName != 'Nameless'", "Hopper")]
    [InlineData("SELECT LastName FROM Contact WHERE Account.NumberOfEmployees > 100 AND FirstName < 'B'", "Lovelace")]
    [InlineData("SELECT LastName FROM Contact WHERE Account.NumberOfEmployees >= 40 AND Account.NumberOfEmployees <= 40", "Hopper")]
    [InlineData("SELECT LastName FROM Contact WHERE LastName LIKE 'lov%'", "Lovelace")]
    [InlineData("SELECT LastName FROM Contact WHERE LastName LIKE '_opper'", "Hopper")]
    [InlineData("SELECT LastName FROM Contact WHERE LeadSource IN ('Phone Inquiry', 'Other')", "Babbage")]
    [InlineData("SELECT LastName FROM Contact WHERE LeadSource NOT IN ('Web') AND LeadSource != null", "Babbage")]
    [InlineData("SELECT LastName FROM Contact WHERE FirstName = null", "Nameless")]
    [InlineData("SELECT LastName FROM Contact WHERE NOT (LastName LIKE '%e%' OR LastName LIKE '%a%')", null)]
    [InlineData("SELECT LastName FROM Contact WHERE (LastName = 'Hopper' OR LastName = 'Babbage') AND Account.Industry = 'Technology'", "Hopper")]
    [InlineData("SELECT LastName FROM Contact WHERE Birthdate < 1900-01-01", "Lovelace")]
    [InlineData("SELECT LastName FROM Contact WHERE Title = 'O\\'Brien & Co'", "Hopper")]
    [InlineData("SELECT LastName FROM Contact WHERE Title = 'back\\\\slash'", "Nameless")]
    [InlineData("select lastname from CONTACT where LASTNAME = 'Hopper'", "Hopper")]
    [InlineData("SELECT LastName FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Industry = 'Technology')", "Hopper")]
    public async Task Where_clauses_filter_as_salesforce_does(string soql, string? only)
    {
        var names = await Names(soql);
        if (only is null) names.ShouldBeEmpty();
        else names.ShouldBe([only]);
    }

    [Fact]
    public async Task Ids_compare_equal_in_fifteen_and_eighteen_character_form()
    {
        var id = (await Rows("SELECT Id FROM Contact WHERE LastName = 'Hopper'"))[0]["Id"]!.GetValue<string>();
        (await Names($"SELECT LastName FROM Contact WHERE Id = '{id[..15]}'")).ShouldBe(["Hopper"]);
        (await Names($"SELECT LastName FROM Contact WHERE Id IN ('{id.ToLowerInvariant()[..0]}{id}')")).ShouldBe(["Hopper"]);
    }

    [Fact]
    public async Task An_injection_attempt_inside_a_literal_stays_a_literal()
    {
        // What a careless caller would build from the input  x' OR LastName != '
        var names = await Names("SELECT LastName FROM Contact WHERE LastName = 'x\\' OR LastName != \\''");
        names.ShouldBeEmpty();
    }

    [Fact]
    public async Task Order_by_with_nulls_first_or_last_limit_and_offset()
    {
        (await Rows("SELECT FirstName FROM Contact ORDER BY FirstName")).First()["FirstName"].ShouldBeNull();
        (await Rows("SELECT FirstName FROM Contact ORDER BY FirstName NULLS LAST")).Last()["FirstName"].ShouldBeNull();
        (await Rows("SELECT FirstName FROM Contact ORDER BY FirstName DESC")).Last()["FirstName"].ShouldBeNull();
        (await Names("SELECT LastName FROM Contact ORDER BY Account.Name DESC NULLS LAST, LastName ASC LIMIT 3 OFFSET 1")).ShouldBe(["Babbage", "Lovelace", "Nameless"]);
        (await _client.QueryAsync("SELECT Id FROM Contact LIMIT 1 OFFSET 2001")).ErrorCode.ShouldBe("NUMBER_OUTSIDE_VALID_RANGE");
    }

    [Fact]
    public async Task Count_and_group_by_aggregate()
    {
        var count = await _client.QueryAsync("SELECT COUNT() FROM Contact WHERE AccountId != null");
        count.Object["totalSize"]!.GetValue<int>().ShouldBe(3);
        count.Records.Count.ShouldBe(0);
        var grouped = await Rows("SELECT LeadSource, COUNT(Id) total, MAX(LastName) FROM Contact WHERE LeadSource != null GROUP BY LeadSource ORDER BY LeadSource");
        grouped.Count.ShouldBe(2);
        grouped[1]["LeadSource"]!.GetValue<string>().ShouldBe("Web");
        grouped[1]["total"]!.GetValue<int>().ShouldBe(2);
        grouped[1]["expr0"]!.GetValue<string>().ShouldBe("Lovelace");
        grouped[1]["attributes"]!["type"]!.GetValue<string>().ShouldBe("AggregateResult");
        (await _client.QueryAsync("SELECT LeadSource, LastName FROM Contact GROUP BY LeadSource")).ErrorCode.ShouldBe("MALFORMED_QUERY");
    }

    [Fact]
    public async Task Date_literals_follow_the_emulator_clock()
    {
        (await _client.QueryAsync("SELECT COUNT() FROM Contact WHERE CreatedDate = TODAY")).Object["totalSize"]!.GetValue<int>().ShouldBe(4);
        (await _client.QueryAsync("SELECT COUNT() FROM Contact WHERE CreatedDate = LAST_N_DAYS:3")).Object["totalSize"]!.GetValue<int>().ShouldBe(4);
        _emulator.State.Clock.Advance(TimeSpan.FromDays(10));
        // Ten days is longer than a session lives: sign in again.
        using var later = await EmulatorClient.SignedInAsync(_emulator);
        (await _client.QueryAsync("SELECT COUNT() FROM Contact")).ErrorCode.ShouldBe("INVALID_SESSION_ID");
        (await later.QueryAsync("SELECT COUNT() FROM Contact WHERE CreatedDate = LAST_N_DAYS:3")).Object["totalSize"]!.GetValue<int>().ShouldBe(0);
        (await later.QueryAsync("SELECT COUNT() FROM Contact WHERE CreatedDate < LAST_N_DAYS:3")).Object["totalSize"]!.GetValue<int>().ShouldBe(4);
        (await later.QueryAsync("SELECT COUNT() FROM Contact WHERE CreatedDate > 2000-01-01T00:00:00Z")).Object["totalSize"]!.GetValue<int>().ShouldBe(4);
    }

    [Theory]
    [InlineData("SELECT Id FRM Contact", "MALFORMED_QUERY", 1, 15)]
    [InlineData("SELECT Id, FROM Contact", "MALFORMED_QUERY", 1, 12)]
    [InlineData("SELECT Id FROM Contact WHERE LastName = 'a' AND FirstName = 'b' OR Title = 'c'", "MALFORMED_QUERY", 1, 65)]
    [InlineData("SELECT Id FROM Contact\nWHERE LastName = 'unterminated", "MALFORMED_QUERY", 2, 18)]
    [InlineData("SELECT Shoe__c FROM Contact", "INVALID_FIELD", 1, 8)]
    [InlineData("SELECT Id FROM Contact WHERE Acount.Name = 'x'", "INVALID_FIELD", 1, 30)]
    [InlineData("SELECT Id FROM Contakt", "INVALID_TYPE", 1, 16)]
    [InlineData("SELECT Id FROM Contact WHERE LastName = 5", "INVALID_QUERY_FILTER_OPERATOR", 1, 30)]
    [InlineData("SELECT Id FROM Contact WHERE CreatedDate = 2024-01-01", "INVALID_QUERY_FILTER_OPERATOR", 1, 30)]
    public async Task Bad_queries_report_salesforce_errors_with_row_and_column(string soql, string code, int row, int column)
    {
        var r = await _client.QueryAsync(soql);
        r.Code.ShouldBe(400);
        r.ErrorCode.ShouldBe(code);
        r.ErrorMessage.ShouldNotBeNull().ShouldContain($"ERROR at Row:{row}:Column:{column}");
    }

    [Fact]
    public async Task Query_more_pages_by_batch_size_and_query_all_includes_deleted_rows()
    {
        var many = Enumerable.Range(0, 450).Select(i => new { attributes = new { type = "Lead" }, LastName = $"L{i:000}", Company = "Bulk" }).ToList();
        for (var i = 0; i < many.Count; i += 200)
            (await _client.PostAsync("/composite/sobjects", new { allOrNone = true, records = many.Skip(i).Take(200) })).Code.ShouldBe(200);

        var first = await _client.GetAsync($"/query?q={Uri.EscapeDataString("SELECT LastName FROM Lead WHERE Company = 'Bulk' ORDER BY LastName")}",
            new Dictionary<string, string> { ["Sforce-Query-Options"] = "batchSize=200" });
        first.Object["totalSize"]!.GetValue<int>().ShouldBe(450);
        first.Object["done"]!.GetValue<bool>().ShouldBeFalse();
        first.Records.Count.ShouldBe(200);
        var next = first.Object["nextRecordsUrl"]!.GetValue<string>();
        next.ShouldMatch(@"^/services/data/v62\.0/query/01g\w+-200$");
        var seen = first.Records.Select(r => r!["LastName"]!.GetValue<string>()).ToList();
        while (next is not null)
        {
            var page = await _client.GetAsync(next);
            seen.AddRange(page.Records.Select(r => r!["LastName"]!.GetValue<string>()));
            next = page.Object["nextRecordsUrl"]?.GetValue<string>();
        }
        seen.Count.ShouldBe(450);
        seen.ShouldBe(seen.Order(StringComparer.Ordinal).ToList());
        (await _client.GetAsync("/query/01gNOPE-200")).ErrorCode.ShouldBe("INVALID_QUERY_LOCATOR");

        var id = (await Rows("SELECT Id FROM Lead WHERE LastName = 'Prospect'"))[0]["Id"]!.GetValue<string>();
        await _client.DeleteAsync($"/sobjects/Lead/{id}");
        (await Rows("SELECT Id FROM Lead WHERE LastName = 'Prospect'")).ShouldBeEmpty();
        var all = (await _client.QueryAsync("SELECT Id, IsDeleted FROM Lead WHERE LastName = 'Prospect'", "queryAll")).Records;
        all.Single()!["IsDeleted"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Column_metadata_answers_the_salesforce_cli()
    {
        var r = await _client.GetAsync($"/query?q={Uri.EscapeDataString("SELECT Id, Account.Name FROM Contact")}&columns=true");
        r.Object["entityName"]!.GetValue<string>().ShouldBe("Contact");
        var columns = r.Object["columnMetadata"]!.AsArray();
        columns[0]!["columnName"]!.GetValue<string>().ShouldBe("Id");
        columns[1]!["columnName"]!.GetValue<string>().ShouldBe("Account");
        columns[1]!["joinColumns"]![0]!["columnName"]!.GetValue<string>().ShouldBe("Name");
    }

    [Fact]
    public async Task Hostile_queries_get_a_clear_error_and_the_emulator_keeps_serving()
    {
        var deep = "SELECT Id FROM Contact WHERE " + string.Concat(Enumerable.Repeat("NOT (", 1000)) + "LastName = 'x'" + new string(')', 1000);
        var r = await _client.QueryAsync(deep);
        r.Code.ShouldBe(400);
        r.ErrorCode.ShouldBe("MALFORMED_QUERY");
        var huge = "SELECT Id FROM Contact WHERE LastName = '" + new string('a', 100_001) + "'";
        var viaComposite = await _client.PostAsync("/composite", new JsonObject
        {
            ["compositeRequest"] = new JsonArray(new JsonObject { ["method"] = "GET", ["url"] = "/services/data/v62.0/query?q=" + Uri.EscapeDataString(huge), ["referenceId"] = "q" }),
        });
        viaComposite.Object["compositeResponse"]![0]!["body"]![0]!["message"]!.GetValue<string>().ShouldContain("too long");
        (await _client.QueryAsync(@"SELECT Id FROM Contact WHERE LastName = 'x\q'")).ErrorCode.ShouldBe("MALFORMED_QUERY");
        (await _client.QueryAsync(@"SELECT Id FROM Contact WHERE LastName = 'x\\q'")).Code.ShouldBe(200);
        (await _client.QueryAsync(@"SELECT Id FROM Contact WHERE LastName = 'unterminated\'")).ErrorCode.ShouldBe("MALFORMED_QUERY");
        (await _client.QueryAsync("SELECT Id FROM Contact")).Code.ShouldBe(200);
    }
}
