using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Intake;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.SeveralInstances;

/// <summary>A contact center that sends each interaction to an instance behind its load balancer and, when that fails, to the next one until one acknowledges it.</summary>
internal sealed class RetryingSender(HubInstanceProcess[] hubs)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private int _next;
    private int _retries;

    public List<(string TenantId, string InteractionId)> Acknowledged { get; } = [];

    /// <summary>The answers of instances that were up but refused a delivery.</summary>
    public List<Refusal> Refusals { get; } = [];

    public sealed record Refusal(int Status, string? ContentType, TimeSpan? RetryAfter, string Body);
    public int Retries => _retries;

    public async Task SendAsync(EventSender sales, EventSender support, int perSecond, CancellationToken until)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / perSecond));
        var inFlight = new List<Task>();
        for (var n = 0; !until.IsCancellationRequested && await timer.WaitForNextTickAsync(Ct); n++)
        {
            var sender = n % 2 == 0 ? sales : support;
            var id = $"int-{n:D5}";
            var events = n % 2 == 0
                ? Interaction(sender, id, "voice", phone: $"+1 415 555 {n:D4}", email: null)
                : Interaction(sender, id, "web_chat", phone: null, email: $"chat{n}@customers.example");
            inFlight.Add(DeliverAsync(sender, id, Encoding.UTF8.GetBytes(new JsonArray(events).ToJsonString())));
        }
        await Task.WhenAll(inFlight);
    }

    private static JsonNode[] Interaction(EventSender sender, string id, string channel, string? phone, string? email)
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-2);
        var caller = new JsonObject { ["phone"] = phone, ["email"] = email, ["name"] = $"Caller {id}" };
        return
        [
            sender.Event(id, "started", new JsonObject { ["channel"] = channel, ["direction"] = "inbound", ["caller"] = caller }, start, $"{id}-started"),
            sender.Event(id, "agent_assigned", new JsonObject { ["agent"] = new JsonObject { ["id"] = "a-1", ["email"] = TestHub.AgentEmail } }, start.AddSeconds(5), $"{id}-assigned"),
            sender.Event(id, "ended", new JsonObject { ["durationSeconds"] = 90, ["outcome"] = "answered" }, start.AddSeconds(95), $"{id}-ended"),
        ];
    }

    private async Task DeliverAsync(EventSender sender, string id, byte[] body)
    {
        for (var attempt = 0; ; attempt++)
        {
            var hub = hubs[Interlocked.Increment(ref _next) % hubs.Length];
            if (hub.IsUp)
            {
                try
                {
                    var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hub.BaseUri, $"/api/v1/tenants/{sender.TenantId}/events")) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/cloudevents-batch+json");
                    request.Headers.TryAddWithoutValidation(EventSignature.Header, $"t={t},v1={IntakeSecrets.Sign(sender.Secret, t, body)}");
                    using var response = await _http.SendAsync(request, Ct);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        lock (Acknowledged) Acknowledged.Add((sender.TenantId, id));
                        return;
                    }
                    // A refusal of well-formed, signed events is a bug, not a fault to ride out.
                    var answer = await response.Content.ReadAsStringAsync(Ct);
                    ((int)response.StatusCode).ShouldBeGreaterThanOrEqualTo(500, answer);
                    lock (Refusals) Refusals.Add(new Refusal((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers.RetryAfter?.Delta, answer));
                }
                catch (HttpRequestException)
                {
                    // The instance died under the request: the load balancer sends it to another.
                }
                catch (TaskCanceledException) when (!Ct.IsCancellationRequested)
                {
                    // No answer in time: another instance.
                }
            }
            Interlocked.Increment(ref _retries);
            if (attempt > 200) throw new InvalidOperationException($"Interaction {id} was refused by every instance for too long.");
            // A contact center backs off a little before the next instance.
            await Task.Delay(TimeSpan.FromMilliseconds(50), Ct);
        }
    }
}
