using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ContactBridge.Bench.ContactCenterLoad;

/// <summary>One agent state change as the subscriber saw it: when the contact center made it and when it arrived here (ms since the epoch).</summary>
internal readonly record struct SeenChange(string AgentId, string State, long StateSinceMs, long ReceivedMs)
{
    public long LatencyMs => ReceivedMs - StateSinceMs;
}

/// <summary>
/// A subscriber of the hub's live picture, as an admin's page or a softphone is: signed in to the portal with a
/// cookie, reading <c>GET /api/v1/tenants/{id}/live</c>. Every agent whose state (or its time) differs from what it
/// last showed is a change seen, timed from the event's time at the contact center to its arrival here.
/// </summary>
internal sealed partial class PictureSubscriber(Uri hub, string tenantId) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string State, long SinceMs)> _shown = new(StringComparer.Ordinal);
    private readonly List<SeenChange> _changes = [];
    private long _agentEvents, _queueEvents, _snapshots;

    public long AgentEvents { get { lock (_gate) return _agentEvents; } }
    public long QueueEvents { get { lock (_gate) return _queueEvents; } }
    /// <summary>Snapshots after the first: the hub dropped changes for a slow subscriber and sent everything again.</summary>
    public long Resyncs { get { lock (_gate) return Math.Max(0, _snapshots - 1); } }
    public bool HasSnapshot { get { lock (_gate) return _snapshots > 0; } }

    public IReadOnlyList<SeenChange> Changes()
    {
        lock (_gate) return [.. _changes];
    }

    public Dictionary<string, (string State, long SinceMs)> Shown()
    {
        lock (_gate) return new(_shown, StringComparer.Ordinal);
    }

    /// <summary>The changes seen since the given count (for a live percentile while the run goes).</summary>
    public IReadOnlyList<SeenChange> ChangesSince(int from)
    {
        lock (_gate) return _changes.Skip(from).ToList();
    }

    public int ChangeCount { get { lock (_gate) return _changes.Count; } }

    /// <summary>Signs in through the portal's form, as a browser does (antiforgery token included).</summary>
    public async Task SignInAsync(string email, string password, CancellationToken ct)
    {
        var login = new Uri(hub, "/login");
        var page = await _http.GetStringAsync(login, ct);
        var token = Antiforgery().Match(page);
        if (!token.Success) throw new InvalidOperationException("The sign-in page has no antiforgery token.");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value), ["email"] = email, ["password"] = password,
        });
        using var response = await _http.PostAsync(login, form, ct);
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"Signing in failed: {(int)response.StatusCode} {response.ReasonPhrase}.");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();

    /// <summary>Reads the stream until stopped; the first snapshot is the starting picture, not a change.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var response = await _http.GetAsync(new Uri(hub, $"/api/v1/tenants/{tenantId}/live"), HttpCompletionOption.ResponseHeadersRead, stop);
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"The live stream answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        try
        {
            await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(stop)).EnumerateAsync(stop))
            {
                var received = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var data = JsonNode.Parse(item.Data)!;
                lock (_gate)
                {
                    switch (item.EventType)
                    {
                        case "snapshot":
                            foreach (var agent in data["agents"]!.AsArray()) Show(agent!, received, isChange: _snapshots > 0);
                            _snapshots++;
                            break;
                        case "agent":
                            _agentEvents++;
                            Show(data, received, isChange: true);
                            break;
                        case "queue":
                            _queueEvents++;
                            break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private void Show(JsonNode agent, long received, bool isChange)
    {
        var id = agent["agentId"]!.GetValue<string>();
        var state = agent["state"]?.GetValue<string>() ?? "";
        var since = agent["stateSince"]?.GetValue<DateTimeOffset>().ToUnixTimeMilliseconds() ?? 0;
        if (_shown.TryGetValue(id, out var before) && before == (state, since)) return;
        _shown[id] = (state, since);
        if (isChange) _changes.Add(new SeenChange(id, state, since, received));
    }

    public void Dispose() => _http.Dispose();
}
