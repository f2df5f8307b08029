using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Lightning;

public sealed class CallCenterImportTests
{
    /// <summary>A definition file as Salesforce's documentation lays one out.</summary>
    public static string Definition(string adapterUrl, string internalName = "TestSoftphone", string extraGeneral = "", string extraSections = "") => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <callCenter>
          <section sortOrder="0" name="reqGeneralInfo" label="General Information">
            <item sortOrder="0" name="reqInternalName" label="InternalName">{internalName}</item>
            <item sortOrder="1" name="reqDisplayName" label="Display Name">Test Softphone</item>
            <item sortOrder="2" name="reqAdapterUrl" label="CTI Adapter URL">{WebUtility.HtmlEncode(adapterUrl)}</item>
            <item sortOrder="3" name="reqUseApi" label="Use CTI API">true</item>
            <item sortOrder="4" name="reqSoftphoneHeight" label="Softphone Height">400</item>
            <item sortOrder="5" name="reqSoftphoneWidth" label="Softphone Width">320</item>
            <item sortOrder="6" name="reqSalesforceCompatibilityMode" label="Salesforce Compatibility Mode">Lightning</item>
            {extraGeneral}
          </section>
          <section sortOrder="1" name="reqDialingOptions" label="Dialing Options">
            <item sortOrder="0" name="reqOutsidePrefix" label="Outside Prefix">9</item>
            <item sortOrder="1" name="reqLongDistPrefix" label="Long Distance Prefix">1</item>
          </section>
          {extraSections}
        </callCenter>
        """;

    private static async Task<(HttpStatusCode Status, JsonObject Body)> ImportAsync(EmulatorServer server, string xml)
    {
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        var response = await http.PostAsync("/_emulator/orgs/default/call-centers", new StringContent(xml, Encoding.UTF8, "application/xml"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if (response.StatusCode >= HttpStatusCode.BadRequest) response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    [Fact]
    public async Task A_definition_file_becomes_a_call_center_and_a_second_import_replaces_it()
    {
        await using var server = await TestEmulator.StartAsync();
        var (status, body) = await ImportAsync(server, Definition("https://softphone.example/app",
            extraSections: """<section sortOrder="2" name="vendorSettings" label="Vendor"><item sortOrder="0" name="region" label="Region">eu-west</item></section>"""));
        status.ShouldBe(HttpStatusCode.Created, body.ToJsonString());
        body["internalName"]!.GetValue<string>().ShouldBe("TestSoftphone");
        body["warnings"]!.AsArray().ShouldBeEmpty();

        (status, body) = await ImportAsync(server, Definition("http://127.0.0.1:9999/app"));
        status.ShouldBe(HttpStatusCode.OK);
        body["created"]!.GetValue<bool>().ShouldBeFalse();
        body["warnings"]!.AsArray().ShouldHaveSingleItem()!.GetValue<string>().ShouldContain("not https");

        using var api = await EmulatorClient.SignedInAsync(server);
        var centers = await api.QueryAsync("SELECT Name, InternalName, AdapterUrl FROM CallCenter WHERE InternalName = 'TestSoftphone'");
        centers.Object["records"]!.AsArray().ShouldHaveSingleItem()!["AdapterUrl"]!.GetValue<string>().ShouldBe("http://127.0.0.1:9999/app");
    }

    [Theory]
    [InlineData("<callCenter><section", 1, "not well-formed")]
    [InlineData("<callCentre/>", 1, "starts with <callCenter>")]
    [InlineData("<callCenter>\n<sectoin sortOrder=\"0\" name=\"x\"/>\n</callCenter>", 2, "unknown element <sectoin>")]
    [InlineData("<callCenter>\n<section sortOrder=\"0\" name=\"other\"><item sortOrder=\"0\" name=\"a\">1</item></section>\n</callCenter>", 1, "reqGeneralInfo")]
    public async Task Malformed_files_are_refused_with_the_line_and_the_reason(string xml, int line, string reason)
    {
        await using var server = await TestEmulator.StartAsync();
        var (status, body) = await ImportAsync(server, xml);
        status.ShouldBe(HttpStatusCode.BadRequest);
        body["line"]!.GetValue<int>().ShouldBe(line);
        body["detail"]!.GetValue<string>().ShouldContain(reason);
    }

    [Fact]
    public async Task Missing_items_unknown_sections_bad_values_and_dtds_are_refused_where_they_are()
    {
        await using var server = await TestEmulator.StartAsync();
        var missing = Definition("https://softphone.example/app").Replace("<item sortOrder=\"3\" name=\"reqUseApi\" label=\"Use CTI API\">true</item>", "", StringComparison.Ordinal);
        var (_, body) = await ImportAsync(server, missing);
        body["detail"]!.GetValue<string>().ShouldContain("no reqUseApi item");

        (_, body) = await ImportAsync(server, Definition("https://softphone.example/app", extraSections: """
            <section sortOrder="2" name="reqVendorMagic"><item sortOrder="0" name="a">1</item></section>
            """));
        body["detail"]!.GetValue<string>().ShouldContain("unknown section 'reqVendorMagic'");
        body["line"]!.GetValue<int>().ShouldBe(17);

        (_, body) = await ImportAsync(server, Definition("ftp://softphone.example/app"));
        body["detail"]!.GetValue<string>().ShouldContain("reqAdapterUrl 'ftp://softphone.example/app' is not an absolute http(s) URL");
        body["line"]!.GetValue<int>().ShouldBe(6);

        (_, body) = await ImportAsync(server, Definition("https://softphone.example/app", extraGeneral: """<item sortOrder="7" name="reqTimeout">5000</item>"""));
        body["detail"]!.GetValue<string>().ShouldContain("reqStandbyUrl and reqTimeout go together");

        (_, body) = await ImportAsync(server, Definition("https://softphone.example/app", extraGeneral: """<item sortOrder="9" name="reqTimeout">5000</item>"""));
        body["detail"]!.GetValue<string>().ShouldContain("without gaps");

        var swapped = Definition("https://softphone.example/app")
            .Replace("sortOrder=\"0\" name=\"reqInternalName\"", "sortOrder=\"1\" name=\"reqInternalName\"", StringComparison.Ordinal)
            .Replace("sortOrder=\"1\" name=\"reqDisplayName\"", "sortOrder=\"0\" name=\"reqDisplayName\"", StringComparison.Ordinal);
        (_, body) = await ImportAsync(server, swapped);
        body["detail"]!.GetValue<string>().ShouldContain("reqInternalName has sortOrder 0");

        (_, body) = await ImportAsync(server, "<?xml version=\"1.0\"?><!DOCTYPE callCenter [<!ENTITY a \"aaaa\">]><callCenter/>");
        body["detail"]!.GetValue<string>().ShouldContain("not well-formed");
        using var api = await EmulatorClient.SignedInAsync(server);
        (await api.QueryAsync("SELECT Id FROM CallCenter")).Object["totalSize"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task A_seed_file_can_define_call_centers_and_put_users_in_them()
    {
        var seed = new SeedFile
        {
            Orgs =
            [
                new SeedOrg
                {
                    CallCenters = [new SeedCallCenter { Definition = Definition("https://softphone.example/app") }],
                    Users = [new SeedUser { Username = "agent@contactbridge.example", Password = "Agent-Pass-1", LastName = "Agent", CallCenter = "TestSoftphone" }],
                },
            ],
        };
        await using var server = await TestEmulator.StartAsync(seed);
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        var centers = JsonNode.Parse(await http.GetStringAsync("/_emulator/orgs/default/call-centers", TestContext.Current.CancellationToken))!.AsArray();
        var center = centers.Single(c => c!["internalName"]!.GetValue<string>() == "TestSoftphone")!;
        center["users"]!.AsArray().ShouldHaveSingleItem()!.GetValue<string>().ShouldBe("agent@contactbridge.example");
        center["settings"]!["/reqDialingOptions/reqOutsidePrefix"]!.GetValue<string>().ShouldBe("9");

        var bad = new SeedFile { Orgs = [new SeedOrg { CallCenters = [new SeedCallCenter { Definition = "<callCenter/>" }] }] };
        (await Should.ThrowAsync<InvalidOperationException>(() => TestEmulator.StartAsync(bad))).Message.ShouldContain("line 1");
    }
}
