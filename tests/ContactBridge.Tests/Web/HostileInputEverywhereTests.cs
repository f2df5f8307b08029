using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Intake;
using ContactBridge.Linking;
using ContactBridge.Logging;
using ContactBridge.Outbox;
using ContactBridge.RoutingMaps;
using ContactBridge.Salesforce;
using ContactBridge.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using static ContactBridge.Tests.Web.HostileHub;

namespace ContactBridge.Tests.Web;

/// <summary>
/// The JSON APIs and the anonymous caller lookup under hostile input: never a 5xx, every refusal an
/// application/problem+json that says what is wrong, nothing refused stored, and one tenant's administrator
/// never sees or touches another tenant's data.
/// </summary>
public sealed class HostileInputEverywhereTests(HostileHub h) : IClassFixture<HostileHub>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Bodies that are not acceptable JSON for any endpoint, built around a valid one.</summary>
    private static IEnumerable<(string Name, byte[] Body, string ContentType)> BrokenJson(string valid, string stringValue)
    {
        var at = valid.IndexOf(stringValue, StringComparison.Ordinal);
        at.ShouldBeGreaterThan(0, "the valid body holds the string to break");
        string With(string replacement) => valid[..at] + replacement + valid[(at + stringValue.Length)..];
        yield return ("truncated", Utf8(valid[..(valid.Length / 2)]), "application/json");
        yield return ("empty", [], "application/json");
        yield return ("not JSON", Utf8("callCenterId=x&matchBy=email"), "application/json");
        yield return ("lone high surrogate", Utf8(With("\\ud800")), "application/json");
        yield return ("lone low surrogate", Utf8(With("\\udc00x")), "application/json");
        yield return ("surrogate in a name", Utf8(valid.Replace("{\"", "{\"\\ud800", StringComparison.Ordinal)), "application/json");
        yield return ("invalid UTF-8", [.. Utf8(valid[..at]), 0xC3, 0x28, 0xFF, .. Utf8(valid[(at + stringValue.Length)..])], "application/json");
        yield return ("UTF-16", Encoding.Unicode.GetBytes(valid), "application/json; charset=utf-16");
        yield return ("duplicate names", Utf8("{" + valid[1..valid.IndexOf(',', StringComparison.Ordinal)] + "," + valid[1..]), "application/json");
        yield return ("nested too deep", Utf8(With("x\",\"deep\":" + new string('[', 300) + new string(']', 300) + ",\"y\":\"")), "application/json");
        yield return ("an array", Utf8("[" + valid + "]"), "application/json");
        yield return ("a string", Utf8("\"" + valid.Replace("\"", "\\\"", StringComparison.Ordinal) + "\""), "application/json");
        yield return ("null", Utf8("null"), "application/json");
        yield return ("a number too big", Utf8(With("x\",\"dryRun\":1e999,\"y\":\"")), "application/json");
        yield return ("form content type", Utf8(valid), "application/x-www-form-urlencoded");
        yield return ("text/csv", Utf8("ExternalId,Email\nt-1,a@b.example\n"), "text/csv");
        yield return ("XML", Utf8("<settings/>"), "application/xml");
        yield return ("no content type", Utf8(valid), "");
    }

    [Fact]
    public async Task Logging_settings_put_refuses_broken_and_hostile_json_with_problems_and_keeps_the_settings()
    {
        var store = h.Hub.Services.GetRequiredService<LoggingSettingsStore>();
        var before = JsonSerializer.Serialize(await store.GetAsync(h.Mine.Id, Ct), LoggingSettings.Json);
        var path = $"/api/v1/tenants/{h.Mine.Id}/logging-settings";
        var valid = JsonSerializer.Serialize(new LoggingSettings { Mode = "support" }, LoggingSettings.Json);
        var bodies = BrokenJson(valid, "support").ToList();
        // Shapes the type system allows but the settings do not: nulls where objects and lists belong, wrong types, unknown names.
        foreach (var (name, json) in new[]
                 {
                     ("identification null", """{"identification":null}"""), ("objects null", """{"identification":{"objects":null}}"""),
                     ("an object rule null", """{"identification":{"objects":[null]}}"""), ("phone fields null", """{"identification":{"objects":[{"object":"Contact","phoneFields":null,"emailFields":["Email"]}]}}"""),
                     ("ivr rules null", """{"identification":{"ivrRules":null}}"""), ("an ivr rule null", """{"identification":{"ivrRules":[null]}}"""),
                     ("country null", """{"identification":{"defaultCountry":null}}"""), ("field mapping null", """{"fieldMapping":null}"""),
                     ("an object's mapping null", """{"fieldMapping":{"Task":null}}"""), ("a template null", """{"fieldMapping":{"Task":{"Subject":null}}}"""),
                     ("channel mapping null", """{"channelFieldMapping":null}"""), ("a channel null", """{"channelFieldMapping":{"voice":null}}"""),
                     ("mode null", """{"mode":null}"""), ("mode a number", """{"mode":3}"""), ("mode an object", """{"mode":{"x":1}}"""),
                     ("SOQL in an object name", """{"fieldMapping":{"Task WHERE Id != null":{"Subject":"x"}}}"""),
                     ("a path in an object name", """{"fieldMapping":{"../../query?q=SELECT+Id+FROM+User":{"Subject":"x"}}}"""),
                     ("SOQL in an IVR field", """{"identification":{"ivrRules":[{"ivrKey":"k","object":"Account","field":"Name FROM User WHERE Name != null --"}]}}"""),
                     ("SOQL in an IVR object", """{"identification":{"ivrRules":[{"ivrKey":"k","object":"User WHERE IsActive = true","field":"Name"}]}}"""),
                     ("SOQL in a phone field", """{"identification":{"objects":[{"object":"Contact","phoneFields":["Phone) RETURNING User(Id"],"emailFields":[]}]}}"""),
                     ("script in a template", "{\"fieldMapping\":{\"Task\":{\"Subject\":\"" + Script + " {nope}\"}}}"),
                     ("unknown placeholder", """{"fieldMapping":{"Task":{"Subject":"{x}"}}}"""), ("unknown country", """{"identification":{"defaultCountry":"UK"}}"""),
                     ("NUL in the mode", """{"mode":"sales\u0000"}"""),
                     ("a path in the key field", """{"keyField":"ContactBridge_Key__c/../../../query"}"""), ("SOQL in the key field", """{"keyField":"Id FROM User WHERE Id != null --"}"""),
                     ("key field null", """{"keyField":null}"""),
                 })
            bodies.Add((name, Utf8(json), "application/json"));
        bodies.Add(("huge", Utf8("{\"fieldMapping\":{\"Task\":{\"Subject\":\"" + new string('x', 2_000_000) + "\"}}}"), "application/json"));

        foreach (var (name, body, contentType) in bodies)
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Put, path, body, contentType);
            ShouldBeAnApiAnswer(a, name);
            a.Status.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType], $"{name}: {a}");
            JsonSerializer.Serialize(await store.GetAsync(h.Mine.Id, Ct), LoggingSettings.Json).ShouldBe(before, name);
        }
    }

    [Fact]
    public async Task Logging_settings_put_accepts_hostile_text_in_a_template_and_gives_it_back_exactly()
    {
        var store = h.Hub.Services.GetRequiredService<LoggingSettingsStore>();
        var before = await store.GetAsync(h.Mine.Id, Ct);
        try
        {
            var mapping = LogTemplates.Defaults();
            mapping["Task"]["Description"] = "{summary} " + Script + " ' \\ % _ ? \u0000 😀";
            var settings = new LoggingSettings { FieldMapping = mapping };
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Put, $"/api/v1/tenants/{h.Mine.Id}/logging-settings", Utf8(JsonSerializer.Serialize(settings, LoggingSettings.Json)));
            a.Status.ShouldBe(HttpStatusCode.OK, a.ToString());
            (await store.GetAsync(h.Mine.Id, Ct)).FieldMapping["Task"]["Description"].ShouldBe(mapping["Task"]["Description"]);
            var got = await h.SendAsync(h.MineAdmin, HttpMethod.Get, $"/api/v1/tenants/{h.Mine.Id}/logging-settings");
            got.Json!["fieldMapping"]!["Task"]!["Description"]!.GetValue<string>().ShouldBe(mapping["Task"]["Description"]);
            var page = await h.MineAdmin.GetAsync($"/tenants/{h.Mine.Id}/logging");
            page.Status.ShouldBe(HttpStatusCode.OK);
            page.Html.ShouldNotContain(Script);
        }
        finally
        {
            await store.SaveAsync(h.Mine.Id, before, Ct);
        }
    }

    [Fact]
    public async Task Routing_map_import_post_refuses_broken_json_hostile_csv_and_wrong_types_and_stores_no_import()
    {
        var store = h.Hub.Services.GetRequiredService<RoutingMapStore>();
        (await store.ListAsync(h.Mine.Id, 100, Ct)).ShouldBeEmpty();
        var path = $"/api/v1/tenants/{h.Mine.Id}/routing-map/imports";
        string Import(string csv, string callCenter = "04vE0000000000BIAQ", string matchBy = "email", string extra = "") =>
            $"{{\"callCenterId\":{JsonSerializer.Serialize(callCenter)},\"matchBy\":{JsonSerializer.Serialize(matchBy)},\"dryRun\":true,\"csv\":{JsonSerializer.Serialize(csv)}{extra}}}";
        var valid = Import("ExternalId,Email\nt-1,agent@acme.example\n");
        var bodies = BrokenJson(valid, "agent@acme.example").ToList();
        foreach (var (name, json) in new[]
                 {
                     ("ragged rows", Import("ExternalId,Email\nt-1,a@acme.example,extra\nt-2\n")),
                     ("unclosed quote", Import("ExternalId,Email\n\"t-1,a@acme.example\n")),
                     ("quote inside a value", Import("ExternalId,Email\nt\"1,a@acme.example\n")),
                     ("no header columns", Import("Foo,Bar\n1,2\n")),
                     ("blank", Import(" \r\n\t")),
                     ("NUL in a CSV", Import("ExternalId,Email\nt\u00001,a@acme.example\n", extra: "")),
                     ("hostile match field", Import("ExternalId,Email\nt-1,a@acme.example\n", matchBy: "Email' OR Id != null --")),
                     ("hostile call center", Import("ExternalId,Email\nt-1,a@acme.example\n", callCenter: "")),
                     ("unknown existing", Import("ExternalId,Email\nt-1,a@acme.example\n", extra: ",\"existing\":\"drop table\"")),
                     ("unknown source", Import("x", extra: ",\"source\":\"../../etc/passwd\"")),
                     ("dryRun a string", Import("ExternalId,Email\nt-1,a@acme.example\n", extra: ",\"dryRun\":\"yes\"")),
                     ("csv a number", "{\"callCenterId\":\"04vE0000000000BIAQ\",\"csv\":42}"),
                 })
            bodies.Add((name, Utf8(json), "application/json"));
        bodies.Add(("UTF-16 CSV", Utf8(Import(Encoding.Latin1.GetString([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("ExternalId,Email\nt-1,a@acme.example\n")]))), "application/json"));
        bodies.Add(("CSV over 20 MiB", Utf8(Import("ExternalId,Email\n" + new string('x', RoutingMapEndpoints.MaxCsvBytes + 1))), "application/json"));

        foreach (var (name, body, contentType) in bodies)
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Post, path, body, contentType);
            ShouldBeAnApiAnswer(a, name);
            a.Status.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.RequestEntityTooLarge], $"{name}: {a}");
            (await store.ListAsync(h.Mine.Id, 100, Ct)).ShouldBeEmpty(name);
        }
    }

    [Fact]
    public async Task A_csv_with_formulas_is_imported_and_its_results_download_shows_them_as_text()
    {
        var store = h.Hub.Services.GetRequiredService<RoutingMapStore>();
        var csv = "ExternalId,Email\n\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",agent1@acme.example\n+cmd|' /C calc'!A0,agent2@acme.example\n@SUM(1),nobody@acme.example\n";
        var a = await h.SendAsync(h.Root, HttpMethod.Post, $"/api/v1/tenants/{h.Theirs.Id}/routing-map/imports",
            Utf8(JsonSerializer.Serialize(new { callCenterId = h.CallCenterId, matchBy = "email", dryRun = true, csv })));
        a.Status.ShouldBe(HttpStatusCode.Accepted, a.ToString());
        var id = a.Json!["id"]!.GetValue<string>();
        await h.Hub.Services.GetRequiredService<RoutingMapImporter>().WhenFinishedAsync(id);
        var report = (await store.ReportAsync(h.Theirs.Id, id, Ct)).ShouldNotBeNull();
        report.Rows.Select(r => r.ExternalId).ShouldBe(["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "@SUM(1)"], "accepted values are kept exactly");
        var (status, results) = await h.Root.GetTextAsync($"/api/v1/tenants/{h.Theirs.Id}/routing-map/imports/{id}/results.csv");
        status.ShouldBe(HttpStatusCode.OK);
        var cells = results.Split('\n').Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[1]).ToList();
        cells.ShouldAllBe(c => !(c.TrimStart('"').StartsWith('=') || c.TrimStart('"').StartsWith('+') || c.TrimStart('"').StartsWith('@')), results);
        var page = await h.Root.GetAsync($"/tenants/{h.Theirs.Id}/routing-map/imports/{id}");
        page.Status.ShouldBe(HttpStatusCode.OK);
        page.Html.ShouldShowText("=HYPERLINK(\"http://evil.example\",\"x\")");
    }

    [Fact]
    public async Task Routing_map_settings_put_refuses_hostile_bodies_and_keeps_the_settings()
    {
        var store = h.Hub.Services.GetRequiredService<RoutingMapStore>();
        var before = JsonSerializer.Serialize(await store.GetSettingsAsync(h.Mine.Id, Ct), RoutingMapStore.Json);
        var path = $"/api/v1/tenants/{h.Mine.Id}/routing-map/settings";
        var valid = """{"keepMapped":true,"callCenterId":"04vE0000000000BIAQ","matchBy":"username"}""";
        var bodies = BrokenJson(valid, "username").ToList();
        foreach (var (name, value) in Texts)
        {
            bodies.Add(($"callCenterId {name}", Utf8(JsonSerializer.Serialize(new { keepMapped = true, callCenterId = value, matchBy = "email" })), "application/json"));
            bodies.Add(($"matchBy {name}", Utf8(JsonSerializer.Serialize(new { keepMapped = true, callCenterId = "04vE0000000000BIAQ", matchBy = value })), "application/json"));
        }
        bodies.Add(("a user id for a call center", Utf8("""{"keepMapped":true,"callCenterId":"005E00000000007IAA"}"""), "application/json"));
        bodies.Add(("keepMapped a string", Utf8("""{"keepMapped":"true","callCenterId":"04vE0000000000BIAQ"}"""), "application/json"));
        bodies.Add(("keep mapped without a call center", Utf8("""{"keepMapped":true}"""), "application/json"));
        foreach (var (name, body, contentType) in bodies.Where(b => b.Name is not ("callCenterId empty" or "callCenterId blank")))
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Put, path, body, contentType);
            ShouldBeAnApiAnswer(a, name);
            a.Status.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType], $"{name}: {a}");
            JsonSerializer.Serialize(await store.GetSettingsAsync(h.Mine.Id, Ct), RoutingMapStore.Json).ShouldBe(before, name);
        }
    }

    [Fact]
    public async Task The_presence_mapping_put_refuses_hostile_bodies_and_keeps_the_mapping()
    {
        var store = h.Hub.Services.GetRequiredService<ContactBridge.VoiceCalls.VoiceCallSettingsStore>();
        var before = JsonSerializer.Serialize(await store.PresenceMappingAsync(h.Mine.Id, Ct));
        var path = $"/api/v1/tenants/{h.Mine.Id}/voice-calls/presence-mapping";
        var valid = """{"statuses":[{"statusApiName":"Break","statusId":null,"state":"unavailable","reason":"Break"}]}""";
        var bodies = BrokenJson(valid, "Break").ToList();
        foreach (var (name, value) in Texts)
        {
            bodies.Add(($"statusApiName {name}", Utf8(JsonSerializer.Serialize(new { statuses = new[] { new { statusApiName = value, state = "available" } } })), "application/json"));
            bodies.Add(($"state {name}", Utf8(JsonSerializer.Serialize(new { statuses = new[] { new { statusApiName = "Break", state = value } } })), "application/json"));
            bodies.Add(($"reason {name}", Utf8(JsonSerializer.Serialize(new { statuses = new[] { new { statusApiName = "Break", state = "unavailable", reason = value } } })), "application/json"));
            bodies.Add(($"statusId {name}", Utf8(JsonSerializer.Serialize(new { statuses = new[] { new { statusApiName = "Break", statusId = value, state = "available" } } })), "application/json"));
        }
        bodies.Add(("statuses an object", Utf8("""{"statuses":{"statusApiName":"Break"}}"""), "application/json"));
        bodies.Add(("a status a string", Utf8("""{"statuses":["Break"]}"""), "application/json"));
        bodies.Add(("a state a number", Utf8("""{"statuses":[{"statusApiName":"Break","state":3}]}"""), "application/json"));
        bodies.Add(("101 statuses", Utf8(JsonSerializer.Serialize(new { statuses = Enumerable.Range(0, 101).Select(i => new { statusApiName = $"S{i}", state = "available" }) })), "application/json"));
        foreach (var (name, body, contentType) in bodies)
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Put, path, body, contentType);
            ShouldBeAnApiAnswer(a, name);
            a.Status.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.RequestEntityTooLarge], $"{name}: {a}");
            JsonSerializer.Serialize(await store.PresenceMappingAsync(h.Mine.Id, Ct)).ShouldBe(before, name);
        }
    }

    [Fact]
    public async Task Workforce_settings_put_refuses_broken_and_hostile_json_with_problems_and_saves_nothing()
    {
        var store = h.Hub.Services.GetRequiredService<ContactBridge.Workforce.WorkforceSettingsStore>();
        var before = JsonSerializer.Serialize((await store.ListAsync(h.Mine.Id, Ct)).Select(i => (i.Kind, i.GroupName, i.Settings, i.UpdatedAt)).ToList());
        var path = $"/api/v1/tenants/{h.Mine.Id}/workforce/historical/default";
        var valid = """{"enabled":true,"readyActivities":"Available","timeZone":"UTC"}""";
        var bodies = BrokenJson(valid, "Available").ToList();
        foreach (var (name, value) in Texts)
            foreach (var setting in new[] { "readyActivities", "notReadyActivities", "adminActivities", "idleActivities", "timeZone", "source", "apiVersion", "tokenUrl", "clientId" })
                // An empty list, client id or API version is a valid choice (none, the link, the link's version).
                if (value.Trim().Length > 0 || setting is "timeZone" or "source" or "tokenUrl")
                    bodies.Add(($"{setting} {name}", Utf8(new JsonObject { ["enabled"] = true, [setting] = value }.ToJsonString()), "application/json"));
        bodies.Add(("a threshold a string", Utf8("""{"serviceLevelSeconds":"20"}"""), "application/json"));
        bodies.Add(("a threshold too big for an int", Utf8("""{"serviceLevelSeconds":99999999999}"""), "application/json"));
        bodies.Add(("a threshold with a fraction", Utf8("""{"shortAbandonSeconds":4.5}"""), "application/json"));
        bodies.Add(("enabled a string", Utf8("""{"enabled":"yes"}"""), "application/json"));
        bodies.Add(("the secret a number", Utf8("""{"enabled":true,"clientId":"x","clientSecret":5}"""), "application/json"));
        bodies.Add(("an unknown setting", Utf8("""{"enabled":true,"readyActivity":"Available"}"""), "application/json"));
        foreach (var (name, body, contentType) in bodies)
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Put, path, body, contentType);
            ShouldBeAnApiAnswer(a, name);
            a.Status.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.RequestEntityTooLarge], $"{name}: {a}");
            JsonSerializer.Serialize((await store.ListAsync(h.Mine.Id, Ct)).Select(i => (i.Kind, i.GroupName, i.Settings, i.UpdatedAt)).ToList()).ShouldBe(before, name);
        }
        // The real-time integration's own settings, hostile: a webhook URL or a platform event name that is not one.
        var realtime = $"/api/v1/tenants/{h.Mine.Id}/workforce/realtime/default";
        foreach (var (name, value) in Texts.Where(t => t.Value.Trim().Length > 0))
            foreach (var setting in new[] { "webhookUrl", "platformEvent" })
            {
                var a = await h.SendAsync(h.MineAdmin, HttpMethod.Put, realtime, Utf8(new JsonObject { ["enabled"] = false, [setting] = value }.ToJsonString()));
                ShouldBeAnApiAnswer(a, $"{setting} {name}");
                a.Status.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge], $"{setting} {name}: {a}");
            }
        foreach (var url in new[] { "http://169.254.169.254/latest/meta-data", "https://127.0.0.1/hook", "https://user:pw@wfm.example/hook", "ftp://wfm.example/hook" })
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Put, realtime, Utf8(new JsonObject { ["enabled"] = false, ["webhookUrl"] = url }.ToJsonString()));
            a.Status.ShouldBe(HttpStatusCode.BadRequest, $"{url}: {a}");
            a.Json!["errors"]!["webhookUrl"].ShouldNotBeNull(url);
        }
        foreach (var id in new[] { "x", "%27%20OR%201%3D1%20--", "%ff", "wfd_%00" })
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Post, $"{realtime}/deliveries/{id}/retry", null);
            ShouldBeAnApiAnswer(a, id);
            a.Status.ShouldBeOneOf([HttpStatusCode.NotFound, HttpStatusCode.BadRequest], $"{id}: {a}");
        }
        JsonSerializer.Serialize((await store.ListAsync(h.Mine.Id, Ct)).Select(i => (i.Kind, i.GroupName, i.Settings, i.UpdatedAt)).ToList()).ShouldBe(before);
        // As a group name in the path (the server refuses a URL of 70,000 characters before the hub sees it).
        foreach (var (name, value) in Texts.Where(t => t.Value.Length < 8000))
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Put, $"/api/v1/tenants/{h.Mine.Id}/workforce/realtime/{Uri.EscapeDataString(value)}", Utf8("""{"enabled":false}"""));
            ShouldBeAnApiAnswer(a, $"group {name}");
            a.Status.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.NotFound], $"group {name}: {a}");
        }
    }

    private static readonly string[] Lists =
        ["interactions", "dead-letters", "set-aside-events", "salesforce-status", "routing-map/imports", "routing-map/settings", "routing-map/seen-users", "logging-settings", "incidents", "dashboard", "agents", "queues",
         "commitments", "address-books", "commands", "contact-center", "workforce/integrations", "workforce/agents", "workforce/agents?format=csv"];

    [Fact]
    public async Task Gets_with_hostile_ids_and_query_strings_answer_problems_or_data()
    {
        var t = h.Mine.Id;
        var ids = new[] { "x", "%27%20OR%201%3D1%20--", "%5C", "%25", "_", "%7B%7D", "%3F", "%3Cscript%3E", "%ff%fe", "%ED%A0%80", "..%2F..%2Fetc", "%E2%80%AE", new string('9', 4000) };
        var queries = new[] { "limit=abc", "limit=-5", "limit=99999999999999999999", "limit=1e3", "limit=%00", "limit=1&limit=2", "limit=%ff", "x=%27%5C%25_%7B%7D%3F", "%00=1", "days=abc", "days=0", "days=99999999999", "days=%00" };
        var paths = new List<string>();
        foreach (var id in ids)
        {
            paths.Add($"/api/v1/tenants/{t}/interactions/{id}");
            paths.Add($"/api/v1/tenants/{t}/routing-map/imports/{id}");
            paths.Add($"/api/v1/tenants/{t}/routing-map/imports/{id}/results.csv");
            paths.Add($"/api/v1/tenants/{t}/routing-map/imports/{id}/routing-map.csv");
            paths.Add($"/api/v1/tenants/{id}/interactions");
            paths.Add($"/api/v1/tenants/{id}/salesforce-link");
            paths.Add($"/api/v1/tenants/{id}/logging-settings");
            paths.Add($"/api/v1/tenants/{id}/dashboard");
            paths.Add($"/api/v1/tenants/{t}/agents/{id}/contacts");
            paths.Add($"/api/v1/tenants/{t}/agents/{id}/today");
            paths.Add($"/api/v1/tenants/{id}/agents");
            paths.Add($"/api/v1/tenants/{id}/live");
            paths.Add($"/api/v1/tenants/{t}/agents/{id}/messages");
            paths.Add($"/api/v1/tenants/{t}/commands/{id}");
            paths.Add($"/api/v1/tenants/{t}/commands?agentId={id}");
            paths.Add($"/api/v1/tenants/{id}/commitments");
            paths.Add($"/api/v1/tenants/{id}/contact-center");
            paths.Add($"/api/v1/tenants/{id}/agent-adapter/call-center-definition");
            paths.Add($"/api/v1/tenants/{id}/voice-calls/settings");
            paths.Add($"/api/v1/tenants/{id}/voice-calls/certificate");
            paths.Add($"/api/v1/tenants/{id}/voice-calls/presence-mapping");
            paths.Add($"/api/v1/tenants/{id}/workforce/integrations");
            paths.Add($"/api/v1/tenants/{t}/workforce/historical/{id}");
            paths.Add($"/api/v1/tenants/{t}/workforce/{id}/default");
            paths.Add($"/api/v1/tenants/{t}/workforce/historical/{id}/queue-intervals");
            paths.Add($"/api/v1/tenants/{t}/workforce/historical/{id}/agent-intervals?format=csv");
            paths.Add($"/api/v1/tenants/{t}/workforce/realtime/{id}/snapshot");
            paths.Add($"/api/v1/tenants/{t}/workforce/realtime/{id}/deliveries");
            paths.Add($"/api/v1/tenants/{t}/workforce/realtime/{id}/stream");
        }
        foreach (var q in queries)
            paths.AddRange(Lists.Select(p => $"/api/v1/tenants/{t}/{p}?{q}"));
        // The feed's own parameters, hostile: each a 400 or data, never a 5xx.
        foreach (var q in new[] { "from=abc", "to=%00", "from=2026-12-05T00:00:00Z&to=2026-01-01T00:00:00Z", "from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z",
                     "changedSince=-1", "changedSince=1e3", "changedSince=99999999999999999999", "format=xml", "format=csv&format=json", "from=%27%20OR%201%3D1" })
            paths.Add($"/api/v1/tenants/{t}/workforce/historical/default/queue-intervals?{q}");
        foreach (var p in paths)
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Get, p);
            ShouldBeAnApiAnswer(a, p);
            if (p.Contains("/interactions/", StringComparison.Ordinal) || p.Contains("/imports/", StringComparison.Ordinal) || p.Contains("/commands/", StringComparison.Ordinal)
                || !p.Contains(t, StringComparison.Ordinal))
                a.Status.ShouldBeOneOf([HttpStatusCode.NotFound, HttpStatusCode.BadRequest], $"{p}: {a}");
        }
    }

    [Fact]
    public async Task Actions_on_hostile_or_missing_dead_letter_and_set_aside_ids_are_404_problems()
    {
        var t = h.Mine.Id;
        foreach (var id in new[] { "x", "%27%20OR%201%3D1%20--", "%25", "%ff", "%ED%A0%80", "abc", "1.5", "99999999999999999999", "-1", "0" })
        foreach (var what in new[] { "dead-letters", "set-aside-events" })
        foreach (var action in new[] { "replay", "discard" })
        {
            var p = $"/api/v1/tenants/{t}/{what}/{id}/{action}";
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Post, p, null);
            ShouldBeAnApiAnswer(a, p);
            a.Status.ShouldBeOneOf([HttpStatusCode.NotFound, HttpStatusCode.BadRequest], $"{p}: {a}");
        }
    }

    [Fact]
    public async Task A_tenant_admin_can_neither_see_nor_act_on_another_tenants_data_through_the_api()
    {
        var mine = h.Mine.Id;
        var theirs = h.Theirs.Id;
        var reads = new[]
        {
            $"/api/v1/tenants/{theirs}/logging-settings", $"/api/v1/tenants/{theirs}/interactions", $"/api/v1/tenants/{theirs}/interactions/{TheirInteraction}",
            $"/api/v1/tenants/{theirs}/dead-letters", $"/api/v1/tenants/{theirs}/set-aside-events", $"/api/v1/tenants/{theirs}/salesforce-status",
            $"/api/v1/tenants/{theirs}/salesforce-link", $"/api/v1/tenants/{theirs}/routing-map/call-centers", $"/api/v1/tenants/{theirs}/routing-map/imports",
            $"/api/v1/tenants/{theirs}/routing-map/imports/{h.TheirImport}", $"/api/v1/tenants/{theirs}/routing-map/imports/{h.TheirImport}/results.csv",
            $"/api/v1/tenants/{theirs}/routing-map/imports/{h.TheirImport}/routing-map.csv", $"/api/v1/tenants/{theirs}/routing-map/settings",
            $"/api/v1/tenants/{theirs}/routing-map/seen-users", $"/api/v1/tenants/{theirs}/incidents",
            $"/api/v1/tenants/{theirs}/agents", $"/api/v1/tenants/{theirs}/queues", $"/api/v1/tenants/{theirs}/agents/ag-1/contacts",
            $"/api/v1/tenants/{theirs}/agents/ag-1/today", $"/api/v1/tenants/{theirs}/live",
            $"/api/v1/tenants/{theirs}/commitments", $"/api/v1/tenants/{theirs}/address-books", $"/api/v1/tenants/{theirs}/agents/ag-1/messages",
            $"/api/v1/tenants/{theirs}/commands", $"/api/v1/tenants/{theirs}/contact-center", $"/api/v1/tenants/{theirs}/agent-adapter/call-center-definition",
            $"/api/v1/tenants/{theirs}/voice-calls/settings", $"/api/v1/tenants/{theirs}/voice-calls/certificate",
            $"/api/v1/tenants/{theirs}/voice-calls/presence-mapping",
            $"/api/v1/tenants/{theirs}/workforce/integrations", $"/api/v1/tenants/{theirs}/workforce/agents", $"/api/v1/tenants/{theirs}/workforce/historical/default",
            $"/api/v1/tenants/{theirs}/workforce/historical/default/queue-intervals", $"/api/v1/tenants/{theirs}/workforce/historical/default/agent-intervals?format=csv",
            $"/api/v1/tenants/{theirs}/workforce/realtime/default/snapshot", $"/api/v1/tenants/{theirs}/workforce/realtime/default/stream",
            $"/api/v1/tenants/{theirs}/workforce/realtime/default/deliveries", $"/api/v1/tenants/{theirs}/caller-index",
            // Their ids under my tenant.
            $"/api/v1/tenants/{mine}/interactions/{TheirInteraction}", $"/api/v1/tenants/{mine}/routing-map/imports/{h.TheirImport}",
            $"/api/v1/tenants/{mine}/routing-map/imports/{h.TheirImport}/results.csv", $"/api/v1/tenants/{mine}/routing-map/imports/{h.TheirImport}/routing-map.csv",
            // Their slug instead of their id.
            $"/api/v1/tenants/{h.Theirs.Slug}/logging-settings", $"/api/v1/tenants/{h.Mine.Slug}/logging-settings",
        };
        foreach (var p in reads)
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Get, p);
            ShouldBeAnApiAnswer(a, p);
            a.Status.ShouldBeOneOf([HttpStatusCode.NotFound, HttpStatusCode.Forbidden], $"{p}: {a}");
            a.Text.ShouldNotContain("Theirs", Case.Sensitive, p);
            a.Text.ShouldNotContain("+1 415 555 0190", customMessage: p);
        }
        var settingsBefore = JsonSerializer.Serialize(await h.Hub.Services.GetRequiredService<LoggingSettingsStore>().GetAsync(theirs, Ct), LoggingSettings.Json);
        // Other tests of this class share the hub and may have added imports of theirs before this one: compare with now.
        var importsBefore = (await h.Hub.Services.GetRequiredService<RoutingMapStore>().ListAsync(theirs, 100, Ct)).Select(i => i.Id).ToList();
        var writes = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Put, $"/api/v1/tenants/{theirs}/logging-settings", JsonSerializer.Serialize(new LoggingSettings(), LoggingSettings.Json)),
            (HttpMethod.Post, $"/api/v1/tenants/{theirs}/routing-map/imports", """{"callCenterId":"04vE0000000000BIAQ","dryRun":true,"csv":"ExternalId,Email\nt,a@b.example\n"}"""),
            (HttpMethod.Put, $"/api/v1/tenants/{theirs}/routing-map/settings", """{"keepMapped":true,"callCenterId":"04vE0000000000BIAQ","matchBy":"email"}"""),
            (HttpMethod.Post, $"/api/v1/tenants/{theirs}/dead-letters/{h.TheirDeadLetter}/replay", null),
            (HttpMethod.Post, $"/api/v1/tenants/{theirs}/dead-letters/{h.TheirDeadLetter}/discard", null),
            (HttpMethod.Post, $"/api/v1/tenants/{mine}/dead-letters/{h.TheirDeadLetter}/replay", null),
            (HttpMethod.Post, $"/api/v1/tenants/{mine}/dead-letters/{h.TheirDeadLetter}/discard", null),
            (HttpMethod.Post, $"/api/v1/tenants/{theirs}/set-aside-events/{h.TheirSetAside}/replay", null),
            (HttpMethod.Post, $"/api/v1/tenants/{theirs}/set-aside-events/{h.TheirSetAside}/discard", null),
            (HttpMethod.Post, $"/api/v1/tenants/{mine}/set-aside-events/{h.TheirSetAside}/replay", null),
            (HttpMethod.Post, $"/api/v1/tenants/{mine}/set-aside-events/{h.TheirSetAside}/discard", null),
            (HttpMethod.Post, $"/api/v1/tenants/{theirs}/salesforce-link/check", null),
            (HttpMethod.Delete, $"/api/v1/tenants/{theirs}/salesforce-link", null),
            (HttpMethod.Post, $"/api/v1/tenants/{theirs}/agents/ag-1/commands", """{"type":"logout"}"""),
            (HttpMethod.Put, $"/api/v1/tenants/{theirs}/contact-center", """{"commandUrl":"https://steal.example/commands","newSecret":true}"""),
            (HttpMethod.Delete, $"/api/v1/tenants/{theirs}/contact-center", null),
            (HttpMethod.Put, $"/api/v1/tenants/{theirs}/voice-calls/settings", """{"enabled":true}"""),
            (HttpMethod.Put, $"/api/v1/tenants/{theirs}/voice-calls/presence-mapping", """{"statuses":[{"statusApiName":"Break","state":"logged_out"}]}"""),
            (HttpMethod.Put, $"/api/v1/tenants/{theirs}/workforce/historical/default", """{"enabled":false}"""),
            (HttpMethod.Put, $"/api/v1/tenants/{theirs}/workforce/realtime/default", """{"enabled":false}"""),
            (HttpMethod.Delete, $"/api/v1/tenants/{theirs}/workforce/historical/default", null),
            (HttpMethod.Post, $"/api/v1/tenants/{theirs}/workforce/realtime/default/deliveries/wfd_1/retry", null),
            (HttpMethod.Post, $"/api/v1/tenants/{theirs}/caller-index/reload", null),
        };
        var apiCalls = h.Hub.Emulator.State.Log.LastSequence;
        foreach (var (method, p, body) in writes)
        {
            var a = await h.SendAsync(h.MineAdmin, method, p, body is null ? null : Utf8(body));
            ShouldBeAnApiAnswer(a, $"{method} {p}");
            a.Status.ShouldBeOneOf([HttpStatusCode.NotFound, HttpStatusCode.Forbidden], $"{method} {p}: {a}");
        }
        h.Hub.Emulator.State.Log.Entries(afterSequence: apiCalls).ShouldBeEmpty("nothing of theirs reached Salesforce");
        JsonSerializer.Serialize(await h.Hub.Services.GetRequiredService<LoggingSettingsStore>().GetAsync(theirs, Ct), LoggingSettings.Json).ShouldBe(settingsBefore);
        (await h.Hub.Services.GetRequiredService<RoutingMapStore>().GetSettingsAsync(theirs, Ct)).KeepMapped.ShouldBeFalse();
        (await h.Hub.Services.GetRequiredService<RoutingMapStore>().ListAsync(theirs, 100, Ct)).Select(i => i.Id).ShouldBe(importsBefore, ignoreOrder: true, "no import of theirs started by me");
        (await h.Hub.Services.GetRequiredService<OutboxStore>().ForTenantAsync(theirs, OutboxState.Dead, 10, Ct)).Select(d => d.Id).ShouldBe([h.TheirDeadLetter]);
        (await h.Hub.Services.GetRequiredService<InboxStore>().QuarantinedAsync(theirs, 10, Ct)).Select(q => q.Seq).ShouldBe([h.TheirSetAside]);
        (await h.Hub.LinkAsync(h.Theirs))!.Status.ShouldBe(LinkStatus.Linked);
        (await h.Hub.Services.GetRequiredService<ContactBridge.VoiceCalls.VoiceCallSettingsStore>().GetAsync(theirs, Ct)).Enabled.ShouldBeFalse("Service Cloud Voice not switched on for them by me");
        (await h.Hub.Services.GetRequiredService<ContactBridge.Workforce.WorkforceSettingsStore>().ListAsync(theirs, Ct)).ShouldBeEmpty("no workforce integration made for them by me");
    }

    [Fact]
    public async Task Commands_and_the_command_url_refuse_broken_and_hostile_bodies_and_send_nothing()
    {
        var t = h.Mine.Id;
        var commands = h.Hub.Services.GetRequiredService<ContactBridge.ContactCenter.CommandStore>();
        var before = (await commands.RecentAsync(t, null, 500, Ct)).Count;
        foreach (var (name, body, type) in BrokenJson("""{"type":"set_state","data":{"state":"available","reason":"Break"}}""", "Break"))
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Post, $"/api/v1/tenants/{t}/agents/ag-1/commands", body, contentType: type);
            ShouldBeAnApiAnswer(a, name);
            a.Status.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.Conflict], $"{name}: {a}");
        }
        var hostile = new[] { "'; DROP TABLE contact_center_commands; --", "<script>alert(1)</script>", "\u0000", new string('x', 300), "ag-1\r\nX-Injected: 1" };
        foreach (var value in hostile)
        {
            var body = Utf8(new JsonObject { ["type"] = "hangup", ["data"] = new JsonObject { ["interactionId"] = value } }.ToJsonString());
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Post, $"/api/v1/tenants/{t}/agents/{Uri.EscapeDataString(value)}/commands", body);
            ShouldBeAnApiAnswer(a, value);
            a.Status.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.Conflict, HttpStatusCode.NotFound], $"{value}: {a}");
            a.Text.ShouldNotContain("<script>");
        }
        (await commands.RecentAsync(t, null, 500, Ct)).Count.ShouldBe(before, "nothing refused was stored");

        foreach (var (name, body, type) in BrokenJson("""{"commandUrl":"https://cc.example/commands","newSecret":false}""", "https://cc.example/commands"))
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Put, $"/api/v1/tenants/{t}/contact-center", body, contentType: type);
            ShouldBeAnApiAnswer(a, name);
            a.Status.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType], $"{name}: {a}");
        }
        foreach (var url in new[] { "javascript:alert(1)", "file:///etc/passwd", "https://", "http://169.254.169.254/latest/meta-data", "https://a b.example/", "\u0000" })
        {
            var a = await h.SendAsync(h.MineAdmin, HttpMethod.Put, $"/api/v1/tenants/{t}/contact-center", Utf8($$"""{"commandUrl":"{{url}}"}"""));
            ShouldBeAnApiAnswer(a, url);
            a.Status.ShouldBe(HttpStatusCode.BadRequest, $"{url}: {a}");
        }
        (await h.Hub.Services.GetRequiredService<ContactBridge.ContactCenter.ContactCenterConnections>().ViewAsync(t, Ct)).CommandUrl.ShouldBeNull();
    }

    [Fact]
    public async Task The_softphone_api_answers_broken_bodies_hostile_ids_and_missing_sessions_with_problems_and_starts_no_session()
    {
        var t = h.Mine.Id;
        using var browser = new PortalClient(h.Hub.BaseUri, h.Hub.Emulator.BaseUri);
        async Task<HostileHub.Answer> SoftphoneAsync(HttpMethod method, string path, byte[]? body = null, string? type = "application/json")
        {
            using var request = new HttpRequestMessage(method, new Uri(h.Hub.BaseUri, path));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                if (type is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
            request.Headers.Add(ContactBridge.AgentAdapter.AgentApi.SoftphoneHeader, "1");
            using var response = await browser.Http.SendAsync(request, Ct);
            return await HostileHub.ReadAsync(response);
        }
        foreach (var (path, valid, value) in new[]
                 {
                     ($"/agent/{t}/api/session", """{"ticket":"t-123","nonce":"n-123"}""", "t-123"),
                     ($"/agent/{t}/api/password-sign-in", """{"agentId":"ag-1","password":"secret"}""", "secret"),
                 })
        {
            foreach (var (name, body, type) in BrokenJson(valid, value))
            {
                var a = await SoftphoneAsync(HttpMethod.Post, path, body, type);
                ShouldBeAnApiAnswer(a, $"{path} {name}");
                a.Status.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.Unauthorized, HttpStatusCode.Conflict,
                    HttpStatusCode.RequestEntityTooLarge], $"{path} {name}: {a}");
            }
        }
        foreach (var id in new[] { "%00", "a%0d%0ab", "..%2f..%2fetc", Uri.EscapeDataString(HostileHub.Script), new string('x', 300) })
        {
            foreach (var (method, path) in new[]
                     {
                         (HttpMethod.Get, $"/agent/{id}/api/me"), (HttpMethod.Get, $"/agent/{t}/api/contacts/{id}/screen-pop"),
                         (HttpMethod.Get, $"/agent/{t}/api/contacts/{id}/voice-call"),
                         (HttpMethod.Post, $"/agent/{t}/api/contacts/{id}/wrap-up"), (HttpMethod.Post, $"/agent/{id}/api/commands"), (HttpMethod.Get, $"/agent/{id}/api/live"),
                     })
            {
                var a = await SoftphoneAsync(method, path, method == HttpMethod.Post ? Utf8("""{"type":"logout"}""") : null);
                ShouldBeAnApiAnswer(a, path);
                a.Status.ShouldBeOneOf([HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.BadRequest], $"{path}: {a}");
                a.Text.ShouldNotContain("<script>");
            }
        }
        browser.Cookies.GetAllCookies().Count.ShouldBe(0, "no session was started");
    }

    [Fact]
    public async Task Api_writes_without_the_csrf_header_or_a_session_are_problems_and_change_nothing()
    {
        using var anonymous = new HttpClient { BaseAddress = h.Hub.BaseUri };
        var store = h.Hub.Services.GetRequiredService<LoggingSettingsStore>();
        var before = JsonSerializer.Serialize(await store.GetAsync(h.Mine.Id, Ct), LoggingSettings.Json);
        var body = JsonSerializer.Serialize(new LoggingSettings { Mode = "manual" }, LoggingSettings.Json);
        var noCsrf = await h.SendAsync(h.MineAdmin, HttpMethod.Put, $"/api/v1/tenants/{h.Mine.Id}/logging-settings", Utf8(body), csrf: false);
        ShouldBeAnApiAnswer(noCsrf, "no CSRF header");
        noCsrf.Status.ShouldBe(HttpStatusCode.BadRequest);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/tenants/{h.Mine.Id}/logging-settings") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await anonymous.SendAsync(request, Ct);
        var a = await ReadAsync(response);
        ShouldBeAnApiAnswer(a, "no session");
        a.Status.ShouldBe(HttpStatusCode.Unauthorized);
        JsonSerializer.Serialize(await store.GetAsync(h.Mine.Id, Ct), LoggingSettings.Json).ShouldBe(before);
    }

    private async Task<Answer> LookupAsync(string tenantId, string query, string? secret = null)
    {
        var pathAndQuery = $"/api/v1/tenants/{tenantId}/lookup?{query}";
        var t = h.Hub.Clock.GetUtcNow().ToUnixTimeSeconds();
        using var http = new HttpClient { BaseAddress = h.Hub.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(h.Hub.BaseUri, pathAndQuery));
        // Signed over what the hub will see: the path and query as the client sends them (a bare % goes as %25).
        request.Headers.TryAddWithoutValidation(EventSignature.Header, $"t={t},v1={IntakeSecrets.Sign(secret ?? h.MineSender.Secret, t, Utf8(request.RequestUri!.PathAndQuery))}");
        using var response = await http.SendAsync(request, Ct);
        return await ReadAsync(response);
    }

    [Fact]
    public async Task Lookup_with_hostile_query_strings_and_tenant_ids_answers_problems_never_a_5xx()
    {
        var queries = new List<string>
        {
            "", "phone=", "email=", "phone=%00", "email=a%00b%40x.example", "phone=%ff%fe", "email=%ED%A0%80%40x.example", "phone=%E2%82", "phone=100%",
            "email=%27%20OR%20Id%20!%3D%20null%20--%40x.example", "email=a%5C%27%40x.example", "email=%25%40x.example", "email=_%40x.example",
            "phone=%7D%20RETURNING%20User(Id)%20FIND%20%7B1", "phone=%2B1%20415%20555%200100%20%7B%7D%3F*", "email=%3Cscript%3E%40x.example",
            "phone=1&phone=2", "email=a%40x.example&email=b%40x.example", "phone=%2B14155550100&x=%00", $"email={new string('a', 1000)}%40x.example",
            $"phone={new string('9', 1000)}", "phone=%0d%0aSet-Cookie:%20x", "phone[]=1", "PHONE=%2B14155550100",
        };
        foreach (var q in queries)
        {
            var a = await LookupAsync(h.Mine.Id, q);
            ShouldBeAnApiAnswer(a, q);
            if (a.Status != HttpStatusCode.OK) a.Status.ShouldBe(HttpStatusCode.BadRequest, $"{q}: {a}");
        }
        foreach (var tenant in new[] { "%00", "a%00b", "%ff%fe", "%ED%A0%80", "%27%20OR%201%3D1", h.Theirs.Id, h.Mine.Slug, "..%2F" + h.Mine.Id, new string('x', 4000) })
        {
            var a = await LookupAsync(tenant, "phone=%2B14155550100");
            ShouldBeAnApiAnswer(a, tenant);
            ((int)a.Status).ShouldBeInRange(400, 499, $"{tenant}: {a}");
        }
        var wrongSecret = await LookupAsync(h.Mine.Id, "phone=%2B14155550100", "cbs_wrong");
        wrongSecret.Status.ShouldBe(HttpStatusCode.Unauthorized, wrongSecret.ToString());
    }

    [Fact]
    public async Task Lookup_with_arbitrary_strings_never_fails_and_reaches_soql_and_sosl_only_escaped()
    {
        var log = h.Hub.Emulator.State.Log;
        var values =
            from s in ArbMap.Default.ArbFor<string>().Generator
            from meta in Gen.Elements("' OR Id != null --", "\\'", "%_", "{x}", "?", "*", "a'b\\c", "} RETURNING User(Id) FIND {", "\u00e9", "😀", "\n", "")
            from front in Gen.Elements(true, false)
            select front ? meta + (s ?? "") : (s ?? "") + meta;
        var cases = (from phone in values from local in values from pick in Gen.Choose(0, 2)
                     select (Phone: pick == 1 ? null : phone, Email: pick == 0 ? null : local + "@x.example")).Sample(60);
        foreach (var (phone, email) in cases)
        {
            var query = string.Join("&", new[] { phone is null ? null : "phone=" + Uri.EscapeDataString(phone), email is null ? null : "email=" + Uri.EscapeDataString(email) }.Where(x => x is not null));
            var since = log.LastSequence;
            var a = await LookupAsync(h.Mine.Id, query);
            ShouldBeAnApiAnswer(a, query);
            a.Status.ShouldBeOneOf([HttpStatusCode.OK, HttpStatusCode.BadRequest], $"{query}: {a}");
            foreach (var entry in log.Entries(afterSequence: since))
            {
                entry.Status.ShouldBe(200, $"{query}: the org refused {entry.Path}");
                var q = Uri.UnescapeDataString(entry.Path.Split("?q=", 2) is [_, var rest] ? rest.Split('&')[0] : "");
                if (entry.Path.Contains("/search?", StringComparison.Ordinal))
                    q.ShouldMatch(@"^FIND \{[0-9]+( OR [0-9]+)*\} IN PHONE FIELDS RETURNING ", $"{query}: only digits reach SOSL");
                else if (entry.Path.Contains("/query?", StringComparison.Ordinal) && email is not null)
                    q.ShouldContain(Soql.String(email.Trim().ToLowerInvariant()), Case.Sensitive, $"{query}: the e-mail reaches SOQL as one escaped literal");
            }
        }
    }
}
