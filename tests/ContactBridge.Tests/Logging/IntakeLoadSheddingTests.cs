using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Intake;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Logging;

/// <summary>An instance that stores as many event posts as it takes at once refuses the next checked one at once (503, Retry-After), storing nothing of it.</summary>
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
        using var http = new HttpClient { BaseAddress = hub.BaseUri };
        var body = Encoding.UTF8.GetBytes(new JsonArray(sender.Interaction("call-busy").Select(e => (JsonNode)e).ToArray()).ToJsonString());
        var t = hub.Clock.GetUtcNow().ToUnixTimeSeconds();

        // Another post is storing: the instance's only place is taken.
        var place = await hub.Services.GetRequiredService<IntakeGate>().EnterAsync(ct);
        place.IsAcquired.ShouldBeTrue();
        using (var refused = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenant.Id}/events") { Content = new ByteArrayContent(body) })
        {
            refused.Content.Headers.TryAddWithoutValidation("Content-Type", "application/cloudevents-batch+json");
            refused.Headers.TryAddWithoutValidation(EventSignature.Header, $"t={t},v1={IntakeSecrets.Sign(sender.Secret, t, body)}");
            using var answer = await http.SendAsync(refused, ct);
            answer.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            answer.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(3));
            answer.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            (await answer.Content.ReadAsStringAsync(ct)).ShouldContain("nothing of this request was stored");
        }
        (await inbox.ForInteractionAsync(tenant.Id, "call-busy", ct)).ShouldBeEmpty();

        // A post that fails its checks never asks for a place: it is told what is wrong, busy or not.
        using (var unsigned = await http.PostAsync($"/api/v1/tenants/{tenant.Id}/events", new StringContent("[]", Encoding.UTF8, "application/cloudevents-batch+json"), ct))
            unsigned.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // The place is free again, and the contact center sends the post again after Retry-After: stored.
        place.Dispose();
        var (status, _) = await sender.SendBytesAsync(body, timestamp: t);
        status.ShouldBe(HttpStatusCode.Accepted);
        (await inbox.ForInteractionAsync(tenant.Id, "call-busy", ct)).Count.ShouldBe(3);
    }
}
