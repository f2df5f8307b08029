using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;

namespace ContactBridge.Bench.ContactCenterLoad;

/// <summary>
/// One agent's softphone as the page in Salesforce runs it: signed in by agent name and password
/// (<c>POST /agent/{t}/api/password-sign-in</c>), reading its live stream (<c>GET /agent/{t}/api/live</c>), and asking
/// for the screen pop of each new contact of its own, again on the agent's next change while the answer is "pending".
/// Times each contact from when the contact center offered it (the contact's phase time) to when it rang here, and to
/// when the pop was ready here.
/// </summary>
internal sealed class SoftphoneWatcher(Uri hub, string tenantId, string agentId) : IDisposable
{
    private const string SoftphoneHeader = "X-ContactBridge-Softphone";
    private readonly HttpClient _http = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Lock _gate = new();
    private readonly List<double> _ring = [], _pop = [];
    private readonly Dictionary<string, long> _offeredMs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _popped = new(StringComparer.Ordinal);
    private long _popRequests, _seenAfterOffer;

    /// <summary>Offered at the contact center → the contact rings in this softphone (ms).</summary>
    public IReadOnlyList<double> Ring() { lock (_gate) return [.. _ring]; }

    /// <summary>Offered at the contact center → this softphone has a ready screen pop (ms).</summary>
    public IReadOnlyList<double> Pop() { lock (_gate) return [.. _pop]; }

    public long PopRequests { get { lock (_gate) return _popRequests; } }

    /// <summary>Contacts first seen past their offer (answered before the ringing reached the page): not timed as ringing.</summary>
    public long SeenAfterOffer { get { lock (_gate) return _seenAfterOffer; } }

    public async Task SignInAsync(string password, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hub, $"/agent/{tenantId}/api/password-sign-in"))
        {
            Content = JsonContent.Create(new { agentId, password }),
        };
        request.Headers.Add(SoftphoneHeader, "1");
        using var response = await _http.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"The softphone of {agentId} could not sign in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }

    /// <summary>Reads the stream until stopped.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var response = await _http.GetAsync(new Uri(hub, $"/agent/{tenantId}/api/live"), HttpCompletionOption.ResponseHeadersRead, stop);
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"The softphone's live stream answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        try
        {
            await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(stop)).EnumerateAsync(stop))
            {
                var received = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var data = JsonNode.Parse(item.Data)!;
                var mine = item.EventType switch
                {
                    "snapshot" => data["agents"]!.AsArray().FirstOrDefault(a => a!["agentId"]!.GetValue<string>() == agentId),
                    "agent" when data["agentId"]!.GetValue<string>() == agentId => data,
                    _ => null,
                };
                if (mine is not null) await SeeAsync(mine["contacts"]!.AsArray(), received, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private async Task SeeAsync(JsonArray contacts, long received, CancellationToken ct)
    {
        var waiting = new List<string>();
        lock (_gate)
        {
            foreach (var contact in contacts)
            {
                var id = contact!["interactionId"]!.GetValue<string>();
                if (!_offeredMs.ContainsKey(id))
                {
                    var phase = contact["phase"]?.GetValue<string>();
                    var since = contact["phaseSince"]?.GetValue<DateTimeOffset>().ToUnixTimeMilliseconds();
                    if (phase == "offered" && since is { } offered)
                    {
                        _offeredMs[id] = offered;
                        _ring.Add(received - offered);
                    }
                    else
                    {
                        _offeredMs[id] = 0;
                        _seenAfterOffer++;
                    }
                }
                if (!_popped.Contains(id)) waiting.Add(id);
            }
        }
        // As the page does: ask for each contact's pop until it is ready, again at the agent's next change.
        foreach (var id in waiting)
        {
            lock (_gate) _popRequests++;
            using var response = await _http.GetAsync(new Uri(hub, $"/agent/{tenantId}/api/contacts/{Uri.EscapeDataString(id)}/screen-pop"), ct);
            if (response.StatusCode != HttpStatusCode.OK) continue;
            var answer = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
            if (answer?["status"]?.GetValue<string>() != "ready") continue;
            var ready = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            lock (_gate)
            {
                _popped.Add(id);
                if (_offeredMs[id] is > 0 and var offered) _pop.Add(ready - offered);
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
