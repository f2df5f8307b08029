using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContactBridge.Emulator.Tests.Telephony;

/// <summary>
/// The Telephony Integration REST API (Service Cloud Voice partner telephony) over HTTP, as a telephony provider calls it:
/// a JWT signed with the key of the certificate on the contact center; VoiceCall records made and updated.
/// </summary>
public sealed class TelephonyApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (RSA Key, string CertificatePem) NewKey(string name = "ContactBridge telephony")
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
        return (key, certificate.ExportCertificatePem());
    }

    private static string Definition(string internalName, string certificatePem) => $"""
        <callCenter>
          <section sortOrder="0" name="reqGeneralInfo" label="General Information">
            <item sortOrder="0" name="reqInternalName" label="InternalName">{internalName}</item>
            <item sortOrder="1" name="reqDisplayName" label="Display Name">Acme Voice</item>
            <item sortOrder="2" name="reqVendorInfoApiName" label="Conversation Vendor Info Developer Name">contactBridge</item>
          </section>
          <section sortOrder="1" name="reqHvcc" label="SCV Settings">
            <item sortOrder="0" name="reqTelephonyIntegrationCertificate" label="Telephony Integration Certificate">{certificatePem}</item>
            <item sortOrder="1" name="reqLongDistPrefix" label="Long Distance Prefix">+1</item>
          </section>
        </callCenter>
        """;

    private static string Jwt(RSA key, string issuer, string subject, DateTimeOffset now, TimeSpan? lifetime = null, string? audience = "https://scrt.salesforce.com") =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer, Subject = new ClaimsIdentity([new Claim("sub", subject)]), Audience = audience,
            IssuedAt = now.UtcDateTime, Expires = (now + (lifetime ?? TimeSpan.FromMinutes(3))).UtcDateTime,
            Claims = new Dictionary<string, object> { ["jti"] = Guid.NewGuid().ToString() },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key), SecurityAlgorithms.RsaSha256),
        });

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpClient http, HttpMethod method, string path, string? jwt, object? body = null, string? raw = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (jwt is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt);
        if (raw is not null) request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static object Call(string key, string from = "+14155550100", string method = "Inbound", string? parent = null, string? attributes = null) => new Dictionary<string, object?>
    {
        ["callCenterApiName"] = "AcmeVoice", ["vendorCallKey"] = key, ["to"] = "+18005550199", ["from"] = from, ["initiationMethod"] = method,
        ["startTime"] = "2026-12-04T09:00:00Z", ["participants"] = new[] { new { participantKey = from, type = "END_USER" } },
        ["parentVoiceCallId"] = parent, ["callAttributes"] = attributes,
    }.Where(p => p.Value is not null).ToDictionary();

    [Fact]
    public async Task A_provider_signed_with_the_contact_centers_key_creates_and_updates_voice_calls_and_anything_else_is_refused()
    {
        await using var server = await TestEmulator.StartAsync(new SeedFile { Orgs = [new SeedOrg(), new SeedOrg { Key = "other", Name = "Other Org" }] });
        var clock = server.State.Clock;
        var (key, pem) = NewKey();
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        var imported = await http.PostAsync("/_emulator/orgs/default/call-centers", new StringContent(Definition("AcmeVoice", pem), Encoding.UTF8, "application/xml"), Ct);
        imported.StatusCode.ShouldBe(HttpStatusCode.Created, await imported.Content.ReadAsStringAsync(Ct));
        var org = server.State.DefaultOrg;
        var now = clock.GetUtcNow();
        var good = Jwt(key, org.Id, "AcmeVoice", now);

        // A call starts: one VoiceCall, whatever the retries.
        var (status, body) = await SendAsync(http, HttpMethod.Post, "/telephony/v1/voiceCalls", good, Call("vck-1", attributes: "{\"QueueName\":\"Support\"}"));
        status.ShouldBe(HttpStatusCode.Created, body?.ToJsonString());
        var id = body!["voiceCallId"]!.GetValue<string>();
        id.ShouldStartWith("0LQ");
        (status, body) = await SendAsync(http, HttpMethod.Post, "/telephony/v1/voiceCalls", good, Call("vck-1"));
        (status, body!["voiceCallId"]!.GetValue<string>()).ShouldBe((HttpStatusCode.OK, id), "the same vendorCallKey is the same call");

        using var api = await EmulatorClient.SignedInAsync(server);
        var row = (await api.QueryAsync($"SELECT Id, CallType, FromPhoneNumber, ToPhoneNumber, CallDisposition, VendorCallKey, QueueName, CallCenter.InternalName FROM VoiceCall WHERE VendorCallKey = 'vck-1'")).Object["records"]!.AsArray().ShouldHaveSingleItem()!;
        (row["Id"]!.GetValue<string>(), row["CallType"]!.GetValue<string>(), row["FromPhoneNumber"]!.GetValue<string>(), row["CallDisposition"]!.GetValue<string>(), row["QueueName"]!.GetValue<string>(), row["CallCenter"]!["InternalName"]!.GetValue<string>())
            .ShouldBe((id, "Inbound", "+14155550100", "new", "Support", "AcmeVoice"));

        // It ends: times, holds, the agent, by its vendorCallKey.
        (status, body) = await SendAsync(http, HttpMethod.Patch, "/telephony/v1/voiceCalls/vck-1", good, new
        {
            startTime = "2026-12-04T09:00:00Z", endTime = "2026-12-04T09:04:10Z", acceptTime = "2026-12-04T09:00:20Z", totalHoldDuration = 45, numberOfHolds = 2,
            queue = "Billing", agent = WellKnown.AdminUsername, disconnectReason = new { value = "customer hung up", isError = false },
        });
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        row = (await api.QueryAsync($"SELECT CallDurationInSeconds, CustomerHoldDuration, NumberOfHolds, QueueName, CallDisposition, DisconnectReason, UserId FROM VoiceCall WHERE Id = '{id}'")).Object["records"]![0]!;
        (row["CallDurationInSeconds"]!.GetValue<int>(), row["CustomerHoldDuration"]!.GetValue<int>(), row["NumberOfHolds"]!.GetValue<int>(), row["QueueName"]!.GetValue<string>(), row["CallDisposition"]!.GetValue<string>(), row["DisconnectReason"]!.GetValue<string>())
            .ShouldBe((250, 45, 2, "Billing", "completed", "customer hung up"));
        row["UserId"]!.GetValue<string>().ShouldBe(org.UserByUsername(WellKnown.AdminUsername)!.Id);

        // A transfer is a new leg linked to the first.
        (status, body) = await SendAsync(http, HttpMethod.Post, "/telephony/v1/voiceCalls", good, Call("vck-2", method: "Transfer", parent: "vck-1"));
        status.ShouldBe(HttpStatusCode.Created, body?.ToJsonString());
        var leg = body!["voiceCallId"]!.GetValue<string>();
        (await api.QueryAsync($"SELECT NextCallId FROM VoiceCall WHERE Id = '{id}'")).Object["records"]![0]!["NextCallId"]!.GetValue<string>().ShouldBe(leg);

        // The transcript: each message once.
        var message = new { participantId = "+14155550100", messageId = "m-1", startTime = 1_796_288_400_000L, endTime = 1_796_288_402_000L, content = "Hello, my card was charged twice.", senderType = "END_USER" };
        (await SendAsync(http, HttpMethod.Post, "/telephony/v1/voiceCalls/vck-1/messages", good, message)).Status.ShouldBe(HttpStatusCode.Created);
        (await SendAsync(http, HttpMethod.Post, "/telephony/v1/voiceCalls/vck-1/messages", good, message)).Status.ShouldBe(HttpStatusCode.Created);
        var transcript = (await http.GetFromJsonAsync<JsonArray>($"/_emulator/orgs/default/voice-calls/{id}/transcript", Ct))!;
        transcript.ShouldHaveSingleItem()!["content"]!.GetValue<string>().ShouldBe("Hello, my card was charged twice.");

        // Refused, each with a 401 and a reason: no token, another key, expired, another org, another audience, a call center without the certificate.
        async Task RefusedAsync(string? jwt, string code, string because)
        {
            var before = org.Records.OfType("VoiceCall").Count;
            var (s, b) = await SendAsync(http, HttpMethod.Post, "/telephony/v1/voiceCalls", jwt, Call("vck-x"));
            s.ShouldBe(HttpStatusCode.Unauthorized, because);
            b![0]!["errorCode"]!.GetValue<string>().ShouldBe(code, because);
            b[0]!["message"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
            org.Records.OfType("VoiceCall").Count.ShouldBe(before);
        }
        await RefusedAsync(null, "MISSING_AUTHORIZATION", "no token");
        await RefusedAsync("not-a-jwt", "INVALID_JWT", "not a JWT");
        var (otherKey, _) = NewKey("someone else");
        await RefusedAsync(Jwt(otherKey, org.Id, "AcmeVoice", now), "INVALID_JWT", "signed with another key");
        await RefusedAsync(Jwt(key, org.Id, "AcmeVoice", now - TimeSpan.FromMinutes(10)), "JWT_EXPIRED", "expired");
        await RefusedAsync(Jwt(key, server.State.FindOrg("other")!.Id, "AcmeVoice", now), "INVALID_JWT", "another org (no such contact center there)");
        await RefusedAsync(Jwt(key, org.Id, "AcmeVoice", now, audience: "https://login.salesforce.com"), "INVALID_JWT", "another audience");
        await RefusedAsync(Jwt(key, org.Id, "ContactBridgeVoice", now), "INVALID_JWT", "a call center that is not Service Cloud Voice");
        static string B64(string json) => Base64UrlEncoder.Encode(json);
        var claims = $"{{\"iss\":\"{org.Id}\",\"sub\":\"AcmeVoice\",\"exp\":{now.AddMinutes(3).ToUnixTimeSeconds()}}}";
        await RefusedAsync($"{B64("{\"alg\":\"none\"}")}.{B64(claims)}.", "INVALID_JWT", "unsigned (alg none)");
        await RefusedAsync($"{B64("{\"alg\":\"RS256\"}")}.{B64(claims)}.", "INVALID_JWT", "RS256 with the signature left off");
        var noExpiry = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = org.Id, Subject = new ClaimsIdentity([new Claim("sub", "AcmeVoice")]),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key), SecurityAlgorithms.RsaSha256),
        });
        await RefusedAsync(noExpiry, "INVALID_JWT", "no exp");
        (await SendAsync(http, HttpMethod.Post, "/telephony/v1/voiceCalls", Jwt(key, org.Id, "AcmeVoice", now, audience: null), Call("vck-3"))).Status
            .ShouldBe(HttpStatusCode.Created, "aud is checked only when present: providers often leave it out");
        clock.Advance(TimeSpan.FromMinutes(4));
        await RefusedAsync(good, "JWT_EXPIRED", "three minutes later the first token has expired");
        good = Jwt(key, org.Id, "AcmeVoice", clock.GetUtcNow());

        // Bad input: a 4xx in Salesforce's error shape that says what is wrong; nothing written.
        async Task BadAsync(HttpMethod method, string path, object? body, HttpStatusCode expected, string contains, string? raw = null)
        {
            var before = org.Records.OfType("VoiceCall").Count;
            var (s, b) = await SendAsync(http, method, path, good, body, raw);
            s.ShouldBe(expected, b?.ToJsonString());
            b![0]!["message"]!.GetValue<string>().ShouldContain(contains);
            org.Records.OfType("VoiceCall").Count.ShouldBe(before);
        }
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls", null, HttpStatusCode.BadRequest, "not valid JSON", raw: "{\"vendorCallKey\": ");
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls", new { vendorCallKey = "k" }, HttpStatusCode.BadRequest, "callCenterApiName is required");
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls", Call("vck-4", method: "Sideways"), HttpStatusCode.BadRequest, "initiationMethod 'Sideways'");
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls", Call("vck-4", method: "Transfer"), HttpStatusCode.BadRequest, "parentVoiceCallId is required");
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls", Call("vck-4", attributes: "{\"Nope__c\": 1}"), HttpStatusCode.BadRequest, "Nope__c");
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls", Call("vck-4", attributes: "{\"CallCenterId\": \"04v000000000000AAA\"}"), HttpStatusCode.BadRequest, "CallCenterId");
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls", null, HttpStatusCode.BadRequest, "not valid JSON", raw: "{\"vendorCallKey\": \"a\", \"vendorCallKey\": \"b\"}");
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls", Call("vck-4\u0000"), HttpStatusCode.BadRequest, "control characters");
        await BadAsync(HttpMethod.Patch, "/telephony/v1/voiceCalls/no-such-call", new { endTime = "2026-12-04T09:04:10Z" }, HttpStatusCode.NotFound, "No voice call");
        await BadAsync(HttpMethod.Patch, "/telephony/v1/voiceCalls/vck-1", new { totalHoldDuration = -3 }, HttpStatusCode.BadRequest, "totalHoldDuration");
        await BadAsync(HttpMethod.Patch, "/telephony/v1/voiceCalls/vck-1", new { holdTotal = 3 }, HttpStatusCode.BadRequest, "Unknown property 'holdTotal'");
        await BadAsync(HttpMethod.Patch, "/telephony/v1/voiceCalls/vck-1", new { agent = "nobody@nowhere.example" }, HttpStatusCode.BadRequest, "nobody@nowhere.example");
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls/vck-1/messages", new { messageId = "m-2" }, HttpStatusCode.BadRequest, "participantId is required");

        // Transcripts in bulk: all of them or none.
        object Said(string messageId) => new { participantId = "+14155550100", messageId, startTime = 1_796_288_403_000L, endTime = 1_796_288_404_000L, content = "Still there?", senderType = "END_USER" };
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls/messages", new { entries = Array.Empty<object>() }, HttpStatusCode.BadRequest, "entries is a list of 1 to 5");
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls/messages", new { entries = new[] { new { vendorCallKey = "vck-1", messages = new[] { Said("m-4"), Said("m-5"), Said("m-6"), Said("m-7"), Said("m-8"), Said("m-9") } } } },
            HttpStatusCode.BadRequest, "1 to 5 messages");
        await BadAsync(HttpMethod.Post, "/telephony/v1/voiceCalls/messages", new { entries = new[] { new { vendorCallKey = "vck-1", messages = new[] { Said("m-4") } }, new { vendorCallKey = "nope", messages = new[] { Said("m-5") } } } },
            HttpStatusCode.NotFound, "nope");
        (await http.GetFromJsonAsync<JsonArray>($"/_emulator/orgs/default/voice-calls/{id}/transcript", Ct))!.Count.ShouldBe(1, "nothing of a refused request is kept");
        var (bulk, taken) = await SendAsync(http, HttpMethod.Post, "/telephony/v1/voiceCalls/messages", good, new { entries = new[] { new { vendorCallKey = "vck-1", messages = new[] { Said("m-4"), Said("m-5") } } } });
        bulk.ShouldBe(HttpStatusCode.Created, taken?.ToJsonString());
        (await http.GetFromJsonAsync<JsonArray>($"/_emulator/orgs/default/voice-calls/{id}/transcript", Ct))!.Count.ShouldBe(3);

        // ConversationVendorInfo through the control API: bad names, URLs and types are refused, saying which.
        foreach (var (name, request, says) in new (string, object, string)[]
                 {
                     ("bad__name", new { connectorUrl = "https://cc.example/connector" }, "developer name"),
                     ("Good", new { connectorUrl = "http://cc.example/connector" }, "connectorUrl"),
                     ("Good", new { connectorUrl = "https://cc.example/connector", vendorType = "Telegraph" }, "vendorType"),
                 })
        {
            using var refused = await http.PutAsJsonAsync($"/_emulator/orgs/default/conversation-vendor-infos/{name}", request, Ct);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            (await refused.Content.ReadAsStringAsync(Ct)).ShouldContain(says);
        }
        (await http.GetFromJsonAsync<JsonArray>("/_emulator/orgs/default/conversation-vendor-infos", Ct))!.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_contact_center_definition_whose_certificate_is_not_one_is_refused_saying_so()
    {
        await using var server = await TestEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        var response = await http.PostAsync("/_emulator/orgs/default/call-centers", new StringContent(Definition("AcmeVoice", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----"), Encoding.UTF8, "application/xml"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var text = await response.Content.ReadAsStringAsync(Ct);
        text.ShouldContain("reqTelephonyIntegrationCertificate");
        text.ShouldContain("not an X.509 certificate");
    }
}
