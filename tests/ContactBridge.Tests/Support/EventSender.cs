using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Intake;

namespace ContactBridge.Tests.Support;

/// <summary>A contact-center platform: signs CloudEvents with the tenant's secret and posts them.</summary>
public sealed class EventSender(TestHub hub, string tenantId, string secret) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = hub.BaseUri };
    private int _counter;

    public string TenantId => tenantId;
    public string Secret => secret;

    public static async Task<EventSender> ForAsync(TestHub hub, string tenantId) =>
        new(hub, tenantId, await hub.Services.GetRequiredService<IntakeSecrets>().RotateAsync(tenantId, TestContext.Current.CancellationToken));

    public JsonObject Event(string interactionId, string type, JsonObject? data = null, DateTimeOffset? time = null, string? id = null) => new()
    {
        ["specversion"] = "1.0",
        ["id"] = id ?? $"evt-{interactionId}-{type}-{Interlocked.Increment(ref _counter)}",
        ["source"] = "/test/contact-center",
        ["type"] = InteractionEvent.TypePrefix + type,
        ["subject"] = interactionId,
        ["time"] = (time ?? hub.Clock.GetUtcNow()).ToString("O"),
        ["data"] = data ?? [],
    };

    /// <summary>One of the contact center's live-state events (agent, queue, callback, book, message): a full type, a subject that is not an interaction.</summary>
    public JsonObject Live(string subject, string type, JsonObject? data, DateTimeOffset time, string? id = null)
    {
        var e = Event(subject, "x", data, time, id);
        e["type"] = type;
        return e;
    }

    public Task<(HttpStatusCode Status, JsonObject? Body)> SendAsync(string body, string contentType = "application/cloudevents-batch+json",
        string? signWith = null, long? timestamp = null, string? path = null) =>
        SendBytesAsync(Encoding.UTF8.GetBytes(body), contentType, signWith, timestamp, path);

    /// <summary>Any bytes, signed as they are (broken UTF-8 included); the answer's body when it is JSON (a problem, or what was accepted).</summary>
    public async Task<(HttpStatusCode Status, JsonObject? Body)> SendBytesAsync(byte[] bytes, string contentType = "application/cloudevents-batch+json",
        string? signWith = null, long? timestamp = null, string? path = null)
    {
        var t = timestamp ?? hub.Clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, path ?? $"/api/v1/tenants/{tenantId}/events") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.TryAddWithoutValidation(EventSignature.Header, $"t={t},v1={IntakeSecrets.Sign(signWith ?? secret, t, bytes)}");
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if ((int)response.StatusCode >= 400)
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", $"{(int)response.StatusCode}: {text}");
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null);
    }

    public async Task AcceptAsync(params JsonObject[] events)
    {
        var (status, body) = await SendAsync(new JsonArray(events.Select(e => (JsonNode)e.DeepClone()).ToArray()).ToJsonString());
        status.ShouldBe(HttpStatusCode.Accepted, body?.ToJsonString() + "\n" + hub.Logs.All);
    }

    /// <summary>A whole inbound call or chat: started, agent assigned, messages, ended.</summary>
    public JsonObject[] Interaction(string interactionId, string channel = "voice", string? phone = "+1 (415) 555-0100", string? email = null, string? name = "Grace Caller",
        string? company = null, string[]? messages = null, int durationSeconds = 125)
    {
        var start = hub.Clock.GetUtcNow().AddMinutes(-3);
        var caller = new JsonObject { ["phone"] = phone, ["email"] = email, ["name"] = name, ["company"] = company };
        var list = new List<JsonObject>
        {
            Event(interactionId, "started", new JsonObject { ["channel"] = channel, ["direction"] = "inbound", ["caller"] = caller, ["queue"] = "Support" }, start),
            Event(interactionId, "agent_assigned", new JsonObject { ["agent"] = new JsonObject { ["id"] = "a-1", ["email"] = TestHub.AgentEmail, ["name"] = "Ada Agent" } }, start.AddSeconds(10)),
        };
        var i = 0;
        foreach (var m in messages ?? [])
            list.Add(Event(interactionId, "message_appended", new JsonObject { ["message"] = new JsonObject { ["from"] = i % 2 == 0 ? "customer" : "agent", ["text"] = m, ["at"] = start.AddSeconds(20 + i++).ToString("O") } }, start.AddSeconds(20 + i)));
        list.Add(Event(interactionId, "ended", new JsonObject { ["durationSeconds"] = durationSeconds, ["disposition"] = "Resolved", ["outcome"] = "answered" }, start.AddSeconds(durationSeconds)));
        return [.. list];
    }

    public void Dispose() => _http.Dispose();
}
