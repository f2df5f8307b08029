using System.Collections.Concurrent;
using System.Security.Cryptography;
using ContactBridge.Emulator.Org;

namespace ContactBridge.Emulator.Streaming;

/// <summary>One handshaken CometD client: who it is, what it subscribed to, and how far it has read each channel.</summary>
public sealed class StreamingClient
{
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public required string ClientId { get; init; }
    public required string OrgKey { get; init; }
    public required string UserId { get; init; }
    public required string AccessToken { get; init; }
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>Whether the client's first connect has been answered (that one returns at once, as CometD servers do).</summary>
    public bool Connected { get; set; }

    /// <summary>Subscribed channel → the last replay id delivered on it. Guarded by the org's lock.</summary>
    public Dictionary<string, long> Subscriptions { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Completes when something may be waiting for this client (an event, or a fault that ends its poll).</summary>
    public Task Changed => Volatile.Read(ref _signal).Task;

    public void Wake() => Interlocked.Exchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Set by the drop-connection fault: the held long poll is cut without an answer.</summary>
    public CancellationTokenSource Connection { get; set; } = new();
}

/// <summary>Every CometD client of the emulator, and the faults that act on them.</summary>
public sealed class StreamingClients
{
    private readonly ConcurrentDictionary<string, StreamingClient> _clients = new(StringComparer.Ordinal);

    /// <summary>How long a connect is held when nothing arrives (Salesforce: 110 seconds).</summary>
    public TimeSpan LongPollTimeout { get; set; } = TimeSpan.FromSeconds(110);

    /// <summary>A client that has not connected for this long is forgotten and must handshake again (Salesforce: 40 seconds after a poll ends).</summary>
    public TimeSpan IdleExpiry { get; set; } = TimeSpan.FromSeconds(40) + TimeSpan.FromSeconds(110);

    public IReadOnlyCollection<StreamingClient> All => _clients.Values.ToList();

    /// <summary>Wakes every client of an org whose bus has just had an event appended.</summary>
    public void WakeOrg(string orgKey)
    {
        foreach (var c in _clients.Values.Where(c => c.OrgKey == orgKey)) c.Wake();
    }

    public StreamingClient Add(SalesforceOrg org, string userId, string token, DateTimeOffset now)
    {
        var client = new StreamingClient
        {
            ClientId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), OrgKey = org.Key, UserId = userId, AccessToken = token, LastSeen = now,
        };
        _clients[client.ClientId] = client;
        return client;
    }

    public StreamingClient? Find(string? clientId, DateTimeOffset now)
    {
        if (clientId is null || !_clients.TryGetValue(clientId, out var client)) return null;
        if (now - client.LastSeen > IdleExpiry)
        {
            Expire(clientId);
            return null;
        }
        return client;
    }

    /// <summary>Fault: forgets the client; its next message is answered 403::Unknown client with advice to handshake.</summary>
    public bool Expire(string clientId)
    {
        if (!_clients.TryRemove(clientId, out var client)) return false;
        client.Wake();
        return true;
    }

    /// <summary>Fault: cuts the client's held long poll without an answer, as a network drop would.</summary>
    public bool Drop(string clientId)
    {
        if (!_clients.TryGetValue(clientId, out var client)) return false;
        var old = client.Connection;
        client.Connection = new CancellationTokenSource();
        old.Cancel();
        return true;
    }

    public void Remove(string clientId) => _clients.TryRemove(clientId, out _);
}
