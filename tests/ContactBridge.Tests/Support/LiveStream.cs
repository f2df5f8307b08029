using System.Net;
using System.Text.Json.Nodes;

namespace ContactBridge.Tests.Support;

/// <summary>A subscriber of the live stream: reads event by event, each within a bound (a failure, not a wait).</summary>
public sealed class LiveStream(HttpResponseMessage response, StreamReader reader) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<LiveStream> OpenAsync(HttpClient http, Uri url)
    {
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        return new LiveStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(Ct)));
    }

    /// <summary>The next event (name and data), skipping keep-alive comments.</summary>
    public async Task<(string Name, JsonObject Data)> NextAsync()
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(TimeSpan.FromSeconds(30));
        string? name = null;
        while (await reader.ReadLineAsync(bound.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null) return (name, JsonNode.Parse(line[6..])!.AsObject());
        }
        throw new ShouldAssertException("The stream ended");
    }

    public void Dispose()
    {
        reader.Dispose();
        response.Dispose();
    }
}
