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
    }
}
