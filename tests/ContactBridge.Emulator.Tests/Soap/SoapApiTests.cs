using System.Text;
using System.Xml.Linq;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Soap;

/// <summary>The SOAP API's partner endpoint on the wire: login, queries and their paging, records, describes and faults.</summary>
public sealed class SoapApiTests
{
    private static readonly XNamespace Env = "http://schemas.xmlsoap.org/soap/envelope/";
    private static readonly XNamespace P = "urn:partner.soap.sforce.com";
    private static readonly XNamespace Sf = "urn:sobject.partner.soap.sforce.com";
    private static readonly XNamespace FaultNs = "urn:fault.partner.soap.sforce.com";
    private static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Status, XElement Body)> CallAsync(EmulatorClient client, string? session, string operation, string path = "/services/Soap/u/62.0")
    {
        var header = session is null ? "" : $"<soapenv:Header><SessionHeader><sessionId>{session}</sessionId></SessionHeader><QueryOptions><batchSize>200</batchSize></QueryOptions></soapenv:Header>";
        var envelope = $"""<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:sf="urn:sobject.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{header}<soapenv:Body>{operation}</soapenv:Body></soapenv:Envelope>""";
        return await PostAsync(client, envelope, path);
    }

    private static async Task<(int Status, XElement Body)> PostAsync(EmulatorClient client, string raw, string path = "/services/Soap/u/62.0")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(raw, Encoding.UTF8, "text/xml") };
        request.Headers.TryAddWithoutValidation("SOAPAction", "\"\"");
        using var response = await client.Http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/xml");
        return ((int)response.StatusCode, XDocument.Parse(text).Root!.Element(Env + "Body")!.Elements().Single());
    }

    private static (string Code, string String, string? ExceptionCode, string? FaultType) Fault(XElement body)
    {
        body.Name.ShouldBe(Env + "Fault");
        var detail = body.Element("detail")?.Elements().SingleOrDefault();
        return (body.Element("faultcode")!.Value, body.Element("faultstring")!.Value, detail?.Element(FaultNs + "exceptionCode")?.Value, detail?.Name.LocalName);
    }

    private static async Task<string> LoginAsync(EmulatorClient client, string username = WellKnown.AdminUsername, string password = WellKnown.AdminPassword)
    {
        var (status, body) = await CallAsync(client, null, $"<login><username>{username}</username><password>{password}</password></login>", "/login/services/Soap/u/62.0");
        status.ShouldBe(200, body.ToString());
        var result = body.Element(P + "result")!;
        result.Element(P + "serverUrl")!.Value.ShouldBe($"{client.Server.InstanceUrl}/services/Soap/u/62.0/{client.Server.State.DefaultOrg.Id}");
        result.Element(P + "userInfo")!.Element(P + "userName")!.Value.ShouldBe(username);
        return result.Element(P + "sessionId")!.Value;
    }

    [Fact]
    public async Task Login_gives_a_session_that_queries_and_pages_with_query_more_and_logout_ends_it()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        for (var i = 0; i < 250; i++) await rest.CreateAsync("Contact", new { LastName = $"Soap {i:000}", Email = i == 0 ? "first@example.org" : null });
        var session = await LoginAsync(rest);

        var (status, query) = await CallAsync(rest, session, "<query><queryString>SELECT Id, LastName, Email, Owner.Name FROM Contact WHERE LastName LIKE 'Soap%' ORDER BY LastName</queryString></query>");
        status.ShouldBe(200);
        var result = query.Element(P + "result")!;
        result.Element(P + "done")!.Value.ShouldBe("false");
        result.Element(P + "size")!.Value.ShouldBe("250");
        var records = result.Elements(P + "records").ToList();
        records.Count.ShouldBe(200, "the QueryOptions header asked for 200 a batch");
        var first = records[0];
        first.Attribute(Xsi + "type")!.Value.ShouldBe("sf:sObject");
        first.Element(Sf + "type")!.Value.ShouldBe("Contact");
        first.Elements(Sf + "Id").Count().ShouldBe(2, "the partner API gives a selected Id twice");
        first.Element(Sf + "Email")!.Value.ShouldBe("first@example.org");
        records[1].Element(Sf + "Email")!.Attribute(Xsi + "nil")!.Value.ShouldBe("true");
        first.Element(Sf + "Owner")!.Element(Sf + "Name")!.Value.ShouldBe("Avery Admin");

        var (_, more) = await CallAsync(rest, session, $"<queryMore><queryLocator>{result.Element(P + "queryLocator")!.Value}</queryLocator></queryMore>");
        more.Element(P + "result")!.Elements(P + "records").Count().ShouldBe(50);
        more.Element(P + "result")!.Element(P + "done")!.Value.ShouldBe("true");

        (await CallAsync(rest, session, "<logout/>")).Status.ShouldBe(200);
        var (after, fault) = await CallAsync(rest, session, "<getUserInfo/>");
        after.ShouldBe(500);
        Fault(fault).ExceptionCode.ShouldBe("INVALID_SESSION_ID");
        emulator.State.Log.Entries().ShouldContain(e => e.Kind == "soap.query" && e.CountedAsApiCall);
    }

    [Fact]
    public async Task Records_are_created_retrieved_searched_and_described_with_per_record_errors()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var session = await LoginAsync(rest);

        var (_, created) = await CallAsync(rest, session,
            "<create><sObjects><sf:type>Account</sf:type><sf:Name>Soapy &amp; Sons</sf:Name><sf:NumberOfEmployees>12</sf:NumberOfEmployees></sObjects><sObjects><sf:type>Account</sf:type><sf:Phone>+1</sf:Phone></sObjects></create>");
        var results = created.Elements(P + "result").ToList();
        results[0].Element(P + "success")!.Value.ShouldBe("true");
        var id = results[0].Element(P + "id")!.Value;
        results[1].Element(P + "success")!.Value.ShouldBe("false");
        results[1].Element(P + "errors")!.Element(P + "statusCode")!.Value.ShouldBe("REQUIRED_FIELD_MISSING");
        results[1].Element(P + "id")!.Attribute(Xsi + "nil")!.Value.ShouldBe("true");

        var (_, updated) = await CallAsync(rest, session, $"<update><sObjects><sf:type>Account</sf:type><sf:Id>{id}</sf:Id><sf:fieldsToNull>NumberOfEmployees</sf:fieldsToNull><sf:Phone>+1 415 555 0199</sf:Phone></sObjects></update>");
        updated.Element(P + "result")!.Element(P + "success")!.Value.ShouldBe("true");

        var (_, retrieved) = await CallAsync(rest, session, $"<retrieve><fieldList>Name, Phone, NumberOfEmployees</fieldList><sObjectType>Account</sObjectType><ids>{id}</ids><ids>001000000000000AAA</ids></retrieve>");
        var found = retrieved.Elements(P + "result").ToList();
        found[0].Element(Sf + "Name")!.Value.ShouldBe("Soapy & Sons");
        found[0].Element(Sf + "Phone")!.Value.ShouldBe("+1 415 555 0199");
        found[0].Element(Sf + "NumberOfEmployees")!.Attribute(Xsi + "nil")!.Value.ShouldBe("true");
        found[1].Attribute(Xsi + "nil")!.Value.ShouldBe("true");

        var (_, search) = await CallAsync(rest, session, "<search><searchString>FIND {+1 415 555 0199} IN PHONE FIELDS RETURNING Account(Id, Name)</searchString></search>");
        search.Element(P + "result")!.Elements(P + "searchRecords").Single().Element(P + "record")!.Element(Sf + "Name")!.Value.ShouldBe("Soapy & Sons");

        var (_, describe) = await CallAsync(rest, session, "<describeSObject><sObjectType>Opportunity</sObjectType></describeSObject>");
        var d = describe.Element(P + "result")!;
        d.Element(P + "name")!.Value.ShouldBe("Opportunity");
        d.Elements(P + "fields").Select(f => f.Element(P + "name")!.Value).ShouldContain("StageName");
        var (_, global) = await CallAsync(rest, session, "<describeGlobal/>");
        global.Element(P + "result")!.Elements(P + "sobjects").Select(o => o.Element(P + "name")!.Value).ShouldContain("Account");
    }

    [Fact]
    public async Task A_merge_names_the_master_on_the_merged_record_and_an_address_comes_whole()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var session = await LoginAsync(rest);
        var master = await rest.CreateAsync("Contact", new { LastName = "Hopper", MailingCity = "Arlington", MailingCountry = "USA" });
        var duplicate = await rest.CreateAsync("Contact", new { LastName = "Hopper", Email = "grace@example.org" });
        var task = await rest.CreateAsync("Task", new { Subject = "Call", WhoId = duplicate });

        var (_, merged) = await CallAsync(rest, session,
            $"<merge><request><masterRecord><sf:type>Contact</sf:type><sf:Id>{master}</sf:Id></masterRecord><recordToMergeIds>{duplicate}</recordToMergeIds></request></merge>");
        var result = merged.Element(P + "result")!;
        result.Element(P + "success")!.Value.ShouldBe("true");
        result.Elements(P + "updatedRelatedIds").Select(e => e.Value).ShouldContain(task);
        (await rest.GetAsync($"/sobjects/Task/{task}")).Object["WhoId"]!.GetValue<string>().ShouldBe(master);
        var gone = (await rest.QueryAsync($"SELECT IsDeleted, MasterRecordId FROM Contact WHERE Id = '{duplicate}'", "queryAll")).Records.ShouldHaveSingleItem()!;
        (gone["IsDeleted"]!.GetValue<bool>(), gone["MasterRecordId"]!.GetValue<string>()).ShouldBe((true, master));

        // A compound address reads as one typed element with a part per element, empty parts nil.
        var (_, retrieved) = await CallAsync(rest, session, $"<retrieve><fieldList>MailingAddress, OtherAddress</fieldList><sObjectType>Contact</sObjectType><ids>{master}</ids></retrieve>");
        var address = retrieved.Element(P + "result")!.Element(Sf + "MailingAddress")!;
        address.Attribute(Xsi + "type")!.Value.ShouldBe("address");
        (address.Element(P + "city")!.Value, address.Element(P + "country")!.Value).ShouldBe(("Arlington", "USA"));
        address.Element(P + "street")!.Attribute(Xsi + "nil")!.Value.ShouldBe("true");
        retrieved.Element(P + "result")!.Element(Sf + "OtherAddress")!.Attribute(Xsi + "nil")!.Value.ShouldBe("true");
    }

    [Fact]
    public async Task An_undelete_that_would_duplicate_a_unique_value_taken_meanwhile_fails_and_the_record_stays_deleted()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var session = await LoginAsync(rest);
        var topic = await rest.CreateAsync("PushTopic", new { Name = "Hoppers", Query = "SELECT Id FROM Contact", ApiVersion = 62.0 });
        (await rest.DeleteAsync($"/sobjects/PushTopic/{topic}")).Code.ShouldBe(204);
        var successor = await rest.CreateAsync("PushTopic", new { Name = "Hoppers", Query = "SELECT Id, Name FROM Contact", ApiVersion = 62.0 });
        var (_, undeleted) = await CallAsync(rest, session, $"<undelete><ids>{topic}</ids></undelete>");
        var refused = undeleted.Element(P + "result")!;
        refused.Element(P + "success")!.Value.ShouldBe("false");
        refused.Element(P + "errors")!.Element(P + "statusCode")!.Value.ShouldBe("DUPLICATE_VALUE");
        refused.Element(P + "errors")!.Element(P + "message")!.Value.ShouldContain(successor);
        (await rest.GetAsync($"/sobjects/PushTopic/{topic}")).Code.ShouldBe(404);
    }

    [Fact]
    public async Task Bad_requests_answer_soap_faults_with_salesforce_exception_codes_and_change_nothing()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);

        var (status, badLogin) = await CallAsync(rest, null, $"<login><username>{WellKnown.AdminUsername}</username><password>nope</password></login>");
        status.ShouldBe(500);
        var login = Fault(badLogin);
        (login.Code, login.ExceptionCode, login.FaultType).ShouldBe(("sf:INVALID_LOGIN", "INVALID_LOGIN", "LoginFault"));
        login.String.ShouldBe("INVALID_LOGIN: Invalid username, password, security token; or user locked out.");

        Fault((await PostAsync(rest, "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><login")).Body).Code.ShouldBe("soapenv:Client");
        Fault((await PostAsync(rest, "<!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><e>&x;</e>")).Body).Code.ShouldBe("soapenv:Client");
        Fault((await PostAsync(rest, "<notAnEnvelope/>")).Body).String.ShouldContain("SOAP 1.1 envelope");
        (await CallAsync(rest, rest.AccessToken, "<fly/>")).Body.Element("faultstring")!.Value.ShouldContain("No operation available for request {urn:partner.soap.sforce.com}fly");
        Fault((await CallAsync(rest, "00Dbogus!session", "<getUserInfo/>")).Body).ExceptionCode.ShouldBe("INVALID_SESSION_ID");

        // An OAuth access token is a session too.
        var session = rest.AccessToken;
        Fault((await CallAsync(rest, session, "<query><queryString>SELECT Id FROM Nothing__c</queryString></query>")).Body).FaultType.ShouldBe("InvalidSObjectFault");
        Fault((await CallAsync(rest, session, "<query><queryString>SELECT FROM Account</queryString></query>")).Body).FaultType.ShouldBe("MalformedQueryFault");
        Fault((await CallAsync(rest, session, "<queryMore><queryLocator>01gNOPE-2000</queryLocator></queryMore>")).Body).FaultType.ShouldBe("InvalidQueryLocatorFault");
        var (_, unknownField) = await CallAsync(rest, session, "<create><sObjects><sf:type>Account</sf:type><sf:Name>X</sf:Name><sf:Shoe__c>9</sf:Shoe__c></sObjects></create>");
        unknownField.Element(P + "result")!.Element(P + "errors")!.Element(P + "statusCode")!.Value.ShouldBe("INVALID_FIELD");
        var tooMany = string.Concat(Enumerable.Repeat("<sObjects><sf:type>Account</sf:type><sf:Name>Many</sf:Name></sObjects>", 201));
        Fault((await CallAsync(rest, session, $"<create>{tooMany}</create>")).Body).ExceptionCode.ShouldBe("EXCEEDED_ID_LIMIT");
        (await rest.QueryAsync("SELECT COUNT() FROM Account WHERE Name IN ('X', 'Many')")).Object["totalSize"]!.GetValue<int>().ShouldBe(0);
    }

    [Fact]
    public async Task Deep_xml_is_a_client_fault_and_a_session_is_refused_on_another_orgs_host()
    {
        await using var emulator = await TestEmulator.StartAsync(new SeedFile { Orgs = [new SeedOrg(), new SeedOrg { Key = "other", Name = "Other Org" }] });
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var deep = string.Concat(Enumerable.Repeat("<a>", 10_000)) + string.Concat(Enumerable.Repeat("</a>", 10_000));
        var (status, fault) = await CallAsync(rest, null, $"<login><username>{deep}</username><password>x</password></login>");
        status.ShouldBe(500);
        var f = Fault(fault);
        f.Code.ShouldBe("soapenv:Client");
        f.String.ShouldContain("nested deeper than 64");

        (await CallAsync(rest, rest.AccessToken, "<getUserInfo/>")).Status.ShouldBe(200);
        var (otherStatus, other) = await CallAsync(rest, rest.AccessToken, "<getUserInfo/>", "/orgs/other/services/Soap/u/62.0");
        otherStatus.ShouldBe(500);
        Fault(other).ExceptionCode.ShouldBe("INVALID_SESSION_ID");
    }
}
