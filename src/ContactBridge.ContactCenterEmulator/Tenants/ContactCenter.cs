using System.Collections.Concurrent;
using ContactBridge.ContactCenterEmulator.Control;
using ContactBridge.ContactCenterEmulator.Events;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>The emulator's in-memory contact center: its tenants, the faults scripted on it, and each tenant's event delivery.</summary>
public sealed class ContactCenter
{
    private readonly ConcurrentDictionary<string, (Tenant Tenant, CancellationTokenSource Stop, Task Delivery)> _tenants = new(StringComparer.Ordinal);
    private readonly Lock _putGate = new();
    private readonly HttpClient _http;
    private readonly int? _randomSeed;
    private long _seq, _contacts, _commitments;

    internal ContactCenter(TimeProvider clock, int? randomSeed, HttpClient http)
    {
        Clock = clock;
        _randomSeed = randomSeed;
        _http = http;
        Faults.Changed += () =>
        {
            foreach (var entry in _tenants.Values) entry.Tenant.Events.Signal();
        };
    }

    public TimeProvider Clock { get; }

    /// <summary>Random per process: event and contact ids of two runs never collide at the hub, which stores events once by id.</summary>
    public string RunId { get; } = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 5));

    public Faults Faults { get; } = new();

    public IReadOnlyList<Tenant> Tenants => _tenants.Values.Select(e => e.Tenant).OrderBy(t => t.Id, StringComparer.Ordinal).ToList();

    public Tenant? Find(string tenantId) => _tenants.TryGetValue(tenantId, out var entry) ? entry.Tenant : null;

    public Tenant Tenant(string tenantId) => Find(tenantId) ?? throw new KeyNotFoundException($"No tenant '{tenantId}'.");

    /// <summary>Creates or replaces a tenant (a replaced tenant's state and undelivered events are dropped); the problems if it is not valid.</summary>
    public List<string> PutTenant(TenantSeed seed)
    {
        var problems = seed.Problems();
        if (problems.Count > 0) return problems;
        lock (_putGate)
        {
            var tenant = new Tenant(seed, this);
            var stop = new CancellationTokenSource();
            var delivery = tenant.HubEventsUrl is { } url
                ? Task.Run(() => new EventDelivery(tenant.Events, url, seed.EventSecret!, _http, Faults, Clock).RunAsync(stop.Token))
                : Task.CompletedTask;
            if (_tenants.TryGetValue(tenant.Id, out var old)) Stop(old);
            _tenants[tenant.Id] = (tenant, stop, delivery);
            tenant.Start();
        }
        return [];
    }

    public bool RemoveTenant(string tenantId)
    {
        lock (_putGate)
        {
            if (!_tenants.TryRemove(tenantId, out var old)) return false;
            Stop(old);
            return true;
        }
    }

    /// <summary>One pass of every tenant's time-driven work.</summary>
    public void Tick()
    {
        foreach (var entry in _tenants.Values) entry.Tenant.Tick();
    }

    internal long NextSeq() => Interlocked.Increment(ref _seq);

    internal string NextContactId() => $"{RunId}-c{Interlocked.Increment(ref _contacts)}";

    internal string NextCommitmentId() => $"{RunId}-k{Interlocked.Increment(ref _commitments)}";

    internal Random NewRandom() => _randomSeed is { } seed ? new Random(seed) : new Random();

    private static void Stop((Tenant Tenant, CancellationTokenSource Stop, Task Delivery) entry)
    {
        entry.Stop.Cancel();
        _ = entry.Delivery.ContinueWith(_ => entry.Stop.Dispose(), TaskScheduler.Default);
    }

    internal async Task StopAsync()
    {
        var entries = _tenants.Values.ToList();
        foreach (var entry in entries) await entry.Stop.CancelAsync();
        await Task.WhenAll(entries.Select(e => e.Delivery));
        foreach (var entry in entries) entry.Stop.Dispose();
    }
}
