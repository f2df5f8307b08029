using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Rest;

/// <summary>Responses are gzip-compressed when the client asks, as Salesforce's are; a client that does not ask gets them as they are.</summary>
public sealed class ResponseCompressionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_client_that_accepts_gzip_gets_its_answer_compressed_and_one_that_does_not_gets_it_plain()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        await client.CreateAsync("Account", new { Name = "Compressed Ltd" });
        var path = $"/services/data/v{EmulatorClient.Version}/query?q={Uri.EscapeDataString("SELECT Name FROM Account WHERE Name = 'Compressed Ltd'")}";

        using var asking = new HttpRequestMessage(HttpMethod.Get, path);
        asking.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.AccessToken);
        asking.Headers.AcceptEncoding.ParseAdd("gzip");
        using var compressed = await client.Http.SendAsync(asking, Ct);
        compressed.Content.Headers.ContentEncoding.ShouldBe(["gzip"]);
        await using var unzipped = new GZipStream(await compressed.Content.ReadAsStreamAsync(Ct), CompressionMode.Decompress);
        var body = (await JsonNode.ParseAsync(unzipped, cancellationToken: Ct))!;
        body["records"]![0]!["Name"]!.GetValue<string>().ShouldBe("Compressed Ltd");

        using var plain = new HttpRequestMessage(HttpMethod.Get, path);
        plain.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.AccessToken);
        using var uncompressed = await client.Http.SendAsync(plain, Ct);
        uncompressed.Content.Headers.ContentEncoding.ShouldBeEmpty();
        JsonNode.Parse(await uncompressed.Content.ReadAsStringAsync(Ct))!["totalSize"]!.GetValue<int>().ShouldBe(1);

        // A Bulk API 2.0 result comes compressed too; an answer carrying a token never does.
        var job = (await client.PostAsync("/jobs/query", new { operation = "query", query = "SELECT Name FROM Account WHERE Name = 'Compressed Ltd'" })).Object["id"]!.GetValue<string>();
        await client.BulkJobProcessedAsync(job);
        using var results = new HttpRequestMessage(HttpMethod.Get, $"/services/data/v{EmulatorClient.Version}/jobs/query/{job}/results");
        results.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.AccessToken);
        results.Headers.AcceptEncoding.ParseAdd("gzip");
        using var csv = await client.Http.SendAsync(results, Ct);
        csv.Content.Headers.ContentEncoding.ShouldBe(["gzip"]);
        await using var csvBody = new GZipStream(await csv.Content.ReadAsStreamAsync(Ct), CompressionMode.Decompress);
        (await new StreamReader(csvBody).ReadToEndAsync(Ct)).ShouldContain("Compressed Ltd");

        using var token = new HttpRequestMessage(HttpMethod.Post, "/services/oauth2/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["client_id"] = Org.WellKnown.ClientId, ["client_secret"] = Org.WellKnown.ClientSecret,
                ["username"] = Org.WellKnown.AdminUsername, ["password"] = Org.WellKnown.AdminPassword,
            }),
        };
        token.Headers.AcceptEncoding.ParseAdd("gzip");
        using var tokenAnswer = await client.Http.SendAsync(token, Ct);
        tokenAnswer.IsSuccessStatusCode.ShouldBeTrue();
        tokenAnswer.Content.Headers.ContentEncoding.ShouldBeEmpty();
    }
}
