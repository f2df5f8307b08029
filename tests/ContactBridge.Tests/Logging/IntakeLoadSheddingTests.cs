using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Intake;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Logging;

/// <summary>An instance that has as many event posts as it takes at once refuses the next one at once (503, Retry-After), storing nothing of it.</summary>
public sealed class IntakeLoadSheddingTests
{
    [Fact]
    public async Task A_post_beyond_the_instances_intake_limit_gets_503_with_retry_after_and_is_stored_once_sent_again()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = await TestHub.StartAsync(settings: new()
        {
            [$"{IntakeOptions.Section}:MaxConcurrentRequests"] = "1", [$"{IntakeOptions.Section}:MaxQueuedRequests"] = "0", [$"{IntakeOptions.Section}:RetryAfter"] = "00:00:03",
        });
        var tenant = await hub.CreateTenantAsync("Acme");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var inbox = hub.Services.GetRequiredService<InboxStore>();

        // A slow sender holds the only place: its body (the events, then 900 KB of JSON whitespace) trickles in at 10 KB/s,
        // fast enough for Kestrel's minimum data rate, until the test lets the rest go at once.
        var slowBody = Encoding.UTF8.GetBytes(new JsonArray(sender.Interaction("call-slow").Select(e => (JsonNode)e).ToArray()).ToJsonString() + new string(' ', 900 * 1024));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var http = new HttpClient { BaseAddress = hub.BaseUri };
        var t = hub.Clock.GetUtcNow().ToUnixTimeSeconds();
        Task<HttpResponseMessage> SendSlowly()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenant.Id}/events") { Content = new StalledContent(slowBody, release.Task) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/cloudevents-batch+json");
            request.Headers.TryAddWithoutValidation(EventSignature.Header, $"t={t},v1={IntakeSecrets.Sign(sender.Secret, t, slowBody)}");
            return http.SendAsync(request, ct);
        }
        var slow = SendSlowly();

        // Until the slow post holds the place, an unsigned probe is let through (and refused for its signature, storing nothing).
        // A probe that got there first makes the slow post the one refused (503, or its upload cut off): it is sent again.
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(30));
            while (true)
            {
                if (slow.IsCompleted)
                {
                    try
                    {
                        (await slow).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
                    }
                    catch (HttpRequestException)
                    {
                        // Refused while it was still uploading: the hub answered and closed the connection.
                    }
                    slow = SendSlowly();
                }
                using var probe = await http.PostAsync($"/api/v1/tenants/{tenant.Id}/events", new StringContent("[]", Encoding.UTF8, "application/cloudevents-batch+json"), deadline.Token);
                if (probe.StatusCode == HttpStatusCode.ServiceUnavailable) break;
                probe.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            }
        }

        using var refused = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenant.Id}/events");
        var body = Encoding.UTF8.GetBytes(new JsonArray(sender.Interaction("call-busy").Select(e => (JsonNode)e).ToArray()).ToJsonString());
        refused.Content = new ByteArrayContent(body);
        refused.Content.Headers.TryAddWithoutValidation("Content-Type", "application/cloudevents-batch+json");
        refused.Headers.TryAddWithoutValidation(EventSignature.Header, $"t={t},v1={IntakeSecrets.Sign(sender.Secret, t, body)}");
        using (var answer = await http.SendAsync(refused, ct))
        {
            answer.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            answer.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(3));
            answer.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            (await answer.Content.ReadAsStringAsync(ct)).ShouldContain("nothing of this request was stored");
        }
        (await inbox.ForInteractionAsync(tenant.Id, "call-busy", ct)).ShouldBeEmpty();

        release.SetResult();
        using (var answer = await slow) answer.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await inbox.ForInteractionAsync(tenant.Id, "call-slow", ct)).Count.ShouldBe(3);

        // Sent again, as a contact center does after Retry-After: stored.
        var (status, _) = await sender.SendBytesAsync(body, timestamp: t);
        status.ShouldBe(HttpStatusCode.Accepted);
        (await inbox.ForInteractionAsync(tenant.Id, "call-busy", ct)).Count.ShouldBe(3);
    }

    /// <summary>A request body sent a kilobyte every 100 ms until released, then the rest at once.</summary>
    private sealed class StalledContent(byte[] body, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var sent = 0;
            while (!release.IsCompleted && sent + 1024 < body.Length)
            {
                await stream.WriteAsync(body.AsMemory(sent, 1024));
                await stream.FlushAsync();
                sent += 1024;
                await Task.WhenAny(release, Task.Delay(100));
            }
            await stream.WriteAsync(body.AsMemory(sent));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
