using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Events;
using ContactBridge.ContactCenterEmulator.Tenants;

namespace ContactBridge.Bench.ContactCenterLoad;

/// <summary>
/// What the contact center made, read from its tenant's event log as it goes (the log keeps the last 5,000 events,
/// a few seconds at full load, so it is read every quarter second): contacts started and ended, abandons, and every
/// agent's state changes, to compare with what the hub logged and what its subscriber saw.
/// </summary>
internal sealed class EmulatorTally(Tenant tenant)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ended = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string State, long AtMs)> _agents = new(StringComparer.Ordinal);
    private long _seq;
    private long _events;
    private long _stateChanges;
    private long _abandoned;
    private long _gaps;

    public long Events { get { lock (_gate) return _events; } }
    public long StateChanges { get { lock (_gate) return _stateChanges; } }
    public long Abandoned { get { lock (_gate) return _abandoned; } }
    public int Started { get { lock (_gate) return _started.Count; } }
    public int Ended { get { lock (_gate) return _ended.Count; } }
    /// <summary>Events the log had dropped before they were read: the tally would be short (never expected).</summary>
    public long Gaps { get { lock (_gate) return _gaps; } }

    public IReadOnlyList<string> StartedIds()
    {
        lock (_gate) return [.. _started];
    }

    /// <summary>Each agent's last state and when it was taken (ms since the epoch, as in the event's time).</summary>
    public Dictionary<string, (string State, long AtMs)> AgentStates()
    {
        lock (_gate) return new(_agents, StringComparer.Ordinal);
    }

    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        do Read();
        while (await WaitAsync(timer, stop));
        Read();
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Read()
    {
        lock (_gate)
        {
            while (tenant.Events.After(_seq, EventLog.Capacity) is { Count: > 0 } batch)
            {
                foreach (var e in batch) Count(e);
            }
        }
    }

    private void Count(LoggedEvent e)
    {
        // One tenant: its events carry consecutive sequence numbers from the first read on.
        if (_events > 0 && e.Seq > _seq + 1) _gaps += e.Seq - _seq - 1;
        _seq = e.Seq;
        _events++;
        switch (e.Type)
        {
            case EventTypes.Started:
                _started.Add(e.Subject);
                break;
            case EventTypes.Ended:
                _ended.Add(e.Subject);
                if (Data(e)?["outcome"]?.GetValue<string>() == "abandoned") _abandoned++;
                break;
            case EventTypes.StateChanged:
                _stateChanges++;
                _agents[e.Subject] = (Data(e)?["state"]?.GetValue<string>() ?? "", e.Time.ToUnixTimeMilliseconds());
                break;
        }
    }

    private static JsonNode? Data(LoggedEvent e) => JsonNode.Parse(e.Json)?["data"];
}
