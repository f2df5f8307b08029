using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.RoutingMaps;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.RoutingMaps;

/// <summary>
/// The users file as admins really export it: byte order marks, CRLF, quoted commas and line breaks are read; a file
/// in another encoding or with broken quoting or ragged rows is refused with what is wrong and on which line, never read
/// half right and never a 500.
/// </summary>
public sealed class UsersFileTests
{
    private const string Header = "ExternalId,Email\n";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "unclosed quote", Utf8(Header + "tel-1,agent1@acme.example\n\"tel-2,agent2@acme.example\ntel-3,agent3@acme.example\n"), "Line 3: a quoted value is never closed" },
        { "row wider than the header", Utf8(Header + "tel-1,agent1@acme.example\ntel-2,Doe, Jane,agent2@acme.example\n"), "Line 3: 4 values, but the header has 2 column(s) (ExternalId, Email)" },
        { "row narrower than the header", Utf8("ExternalId,Email,QuickConnect\ntel-1,agent1@acme.example,\ntel-2,agent2@acme.example\n"), "Line 3: 2 value(s), but the header has 3 column(s)" },
        { "stray quote", Utf8(Header + "tel-1,agent1@acme.example\nO\"Brien,agent2@acme.example\n"), "Line 3: a quote (\") inside a value that does not start with one" },
        { "Latin-1 bytes", Encoding.Latin1.GetBytes(Header + "tel-1,agent1@acme.example\njosé,agent2@acme.example\n"), "Line 3: byte 0xE9 is not UTF-8, so the file looks saved as Latin-1" },
        { "UTF-16 with a byte order mark", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Header + "tel-1,agent1@acme.example\n")], "Line 1: the file is UTF-16" },
        { "UTF-16 without a byte order mark", Encoding.BigEndianUnicode.GetBytes(Header + "tel-1,agent1@acme.example\n"), "Line 1: a NUL byte, so the file looks like UTF-16" },
        { "text already decoded in the wrong encoding", Utf8(Header + "tel-1,agent1@acme.example\njos\uFFFD,agent2@acme.example\n"), "Line 3: the character \uFFFD stands for text lost" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_users_file_is_refused_with_what_is_wrong_and_its_line(string what, byte[] file, string problem)
    {
        var (users, problems) = TelephonyUserCsv.Parse(file, MatchBy.Email);

        users.ShouldBeEmpty(what);
        problems.ShouldHaveSingleItem(what).ShouldSatisfyAllConditions(p => p.Row.ShouldBe(0), p => p.Message.ShouldStartWith(problem, customMessage: what));
    }

    [Fact]
    public void A_file_that_is_not_csv_at_all_lists_the_first_lines_and_counts_the_rest()
    {
        var file = new StringBuilder("ExternalId;Email;QuickConnect\n");
        for (var i = 1; i <= 30; i++) file.Append($"tel-{i};agent{i}@acme.example;\"qc, {i}\"\n");

        var (_, problems) = TelephonyUserCsv.Parse(file.ToString(), MatchBy.Email);

        problems.Count.ShouldBe(TelephonyUserCsv.MaxLinesListed + 1);
        problems[0].Message.ShouldStartWith("Line 2: a quote (\") inside a value");
        problems[^1].Message.ShouldBe("… and 10 more line(s) like these: is the file comma-separated CSV?");
    }

    [Fact]
    public async Task A_byte_order_mark_CRLF_and_quoted_commas_quotes_and_line_breaks_reach_salesforce_exactly()
    {
        // More than CollectionsUpTo rows go through Bulk API 2.0, so the values also cross the hub's CSV upload.
        await using var hub = await TestHub.StartAsync(seed: RoutingMapImportTests.SeedWithAgents(3),
            settings: new() { ["RoutingMaps:CollectionsUpTo"] = "0", ["RoutingMaps:BulkPollInterval"] = "00:00:00.050" });
        var tenant = await hub.LinkedTenantAsync();
        var ct = TestContext.Current.CancellationToken;
        byte[] file =
        [
            .. Encoding.UTF8.GetPreamble(),
            .. Utf8("External_Id,E-mail,Quick Connect\r\n" +
                    "\"arn:aws:connect:us-east-1:1:instance/x/agent/\"\"a,b\"\"\",agent1@acme.example,\"Sales, EMEA\r\nsecond line\"\r\n" +
                    "\r\n" +
                    "tel-2,agent2@acme.example,\r\n" +
                    "\"=1+2\",agent3@acme.example,\r\n"),
        ];

        var (users, problems) = TelephonyUserCsv.Parse(file, MatchBy.Email);

        problems.ShouldBeEmpty();
        users.Select(u => (u.Row, u.ExternalId, u.MatchValue, u.QuickConnect)).ShouldBe(
        [
            (1, "arn:aws:connect:us-east-1:1:instance/x/agent/\"a,b\"", "agent1@acme.example", "Sales, EMEA\r\nsecond line"),
            (2, "tel-2", "agent2@acme.example", ""),
            (3, "=1+2", "agent3@acme.example", ""),
        ]);
        var import = await hub.Services.GetRequiredService<RoutingMapImporter>().ImportAsync(tenant.Id, ImportSources.Csv,
            new RoutingMapRequest(RoutingMapImportTests.CallCenterId(hub), MatchBy.Email, ExistingMapPolicy.Skip, false), users, "test", null, ct);
        import.State.ShouldBe(ImportStates.Done, import.Error);
        import.Method.ShouldBe("Bulk API 2.0");
        var maps = hub.Records("CallCenterRoutingMap").ToDictionary(m => m.GetString("ReferenceRecordId")!);
        var first = maps[RoutingMapImportTests.UserId(hub, "agent1@acme.example")];
        first.GetString("ExternalId").ShouldBe("arn:aws:connect:us-east-1:1:instance/x/agent/\"a,b\"");
        first.GetString("QuickConnect").ShouldBe("Sales, EMEA\r\nsecond line");
        maps[RoutingMapImportTests.UserId(hub, "agent3@acme.example")].GetString("ExternalId").ShouldBe("=1+2");

        // The download for people defuses the formula; the routing map for Salesforce keeps it exact.
        using var portal = await hub.SignInAsync();
        var api = $"/api/v1/tenants/{tenant.Id}/routing-map/imports/{import.Id}";
        var (_, results) = await portal.GetTextAsync($"{api}/results.csv");
        results.ShouldContain("\n3,\"'=1+2\",agent3@acme.example,");
        results.ShouldContain("\"arn:aws:connect:us-east-1:1:instance/x/agent/\"\"a,b\"\"\"");
        var (_, export) = await portal.GetTextAsync($"{api}/routing-map.csv");
        export.ShouldContain("\n=1+2,");
    }

    [Fact]
    public async Task The_api_answers_a_malformed_users_file_with_a_problem_naming_the_line_and_writes_nothing()
    {
        await using var hub = await TestHub.StartAsync(seed: RoutingMapImportTests.SeedWithAgents(2));
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        var center = RoutingMapImportTests.CallCenterId(hub);

        async Task<List<string>> Refused(string csv)
        {
            var (status, problem) = await portal.SendJsonAsync(HttpMethod.Post, $"/api/v1/tenants/{tenant.Id}/routing-map/imports",
                new JsonObject { ["callCenterId"] = center, ["matchBy"] = "email", ["csv"] = csv }.ToJsonString());
            status.ShouldBe(HttpStatusCode.BadRequest, problem?.ToJsonString());
            problem!["title"]!.GetValue<string>().ShouldBe("Invalid import");
            return problem["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        }

        (await Refused(Header + "tel-1,agent1@acme.example\n\"tel-2,agent2@acme.example\n")).ShouldHaveSingleItem().ShouldStartWith("Line 3: a quoted value is never closed");
        (await Refused(Header + "tel-1\ntel-2,agent2@acme.example,x\n")).ShouldBe(
        [
            "Line 2: 1 value(s), but the header has 2 column(s) (ExternalId, Email). Add the missing commas (an empty value is fine).",
            "Line 3: 3 values, but the header has 2 column(s) (ExternalId, Email). Put a value that contains a comma in quotes, or remove the extra commas.",
        ]);
        // A client that read a UTF-16 or Latin-1 file as something else before putting it in JSON.
        (await Refused("\0E\0x\0t\0e\0r\0n\0a\0l\0I\0d\0\n")).ShouldHaveSingleItem().ShouldStartWith("Line 1: a NUL byte");
        (await Refused(Header + "jos\uFFFD,agent1@acme.example\n")).ShouldHaveSingleItem().ShouldStartWith("Line 2: the character \uFFFD");
        hub.Records("CallCenterRoutingMap").ShouldBeEmpty();
        (await hub.Services.GetRequiredService<RoutingMapStore>().ListAsync(tenant.Id, 10, TestContext.Current.CancellationToken)).ShouldBeEmpty();
    }
}
