using ContactBridge.Linking;
using Microsoft.Extensions.Options;

namespace ContactBridge.RoutingMaps;

/// <summary>
/// "Keep it mapped": for tenants that switch it on, contact-center users first seen in events are mapped to the
/// Salesforce user that matches them, with existing maps left alone. Every round is an import like any other, so
/// the activity view and the import's report say what was mapped. A user left unmapped is tried again later.
/// </summary>
public sealed class RoutingMapKeeper(RoutingMapStore store, RoutingMapImporter importer, LinkStore links, Storage.WorkLeases leases, IOptions<RoutingMapOptions> options,
    TimeProvider clock, ILogger<RoutingMapKeeper> logger) : BackgroundService
{
    public const string LeaseName = "routing-map-keeper";

    public const int MaxUsersPerRound = 5_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.MarkInterruptedAsync(stoppingToken);
                // One instance keeps the maps each round; the lease lapses by the next one, so another takes over if that instance dies.
                if (await leases.TryAcquireAsync(LeaseName, options.Value.KeepMappedInterval, stoppingToken)) await KeepMappedAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Keeping routing maps up to date failed a round; it tries again shortly");
            }
            try
            {
                await Task.Delay(options.Value.KeepMappedInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One round for every tenant with new users; returns the imports it ran.</summary>
    public async Task<IReadOnlyList<RoutingMapImport>> KeepMappedAsync(CancellationToken ct)
    {
        var retryBefore = (clock.GetUtcNow() - options.Value.RetryUnmatchedAfter).ToUnixTimeMilliseconds();
        var imports = new List<RoutingMapImport>();
        foreach (var tenantId in await store.TenantsToKeepMappedAsync(retryBefore, ct))
        {
            var settings = await store.GetSettingsAsync(tenantId, ct);
            var seen = await store.UsersToMapAsync(tenantId, retryBefore, MaxUsersPerRound, ct);
            if (seen.Count == 0 || settings.CallCenterId is null) continue;
            // Unlinked or needing relink: wait for the link (the Salesforce page says what to do) rather than record a failed import a minute.
            if (await links.GetAsync(tenantId, ct) is not { IsUsable: true }) continue;
            var users = TelephonyUser.FromSeen(seen, settings.MatchBy);
            RoutingMapImport import;
            try
            {
                import = await importer.ImportAsync(tenantId, ImportSources.KeepMapped, new RoutingMapRequest(settings.CallCenterId, settings.MatchBy, ExistingMapPolicy.Skip, DryRun: false, SkipInvalidRows: true),
                    users, "keep-mapped", null, ct);
            }
            catch (LinkingException e)
            {
                logger.LogInformation("Not keeping tenant {TenantId}'s routing map: {Reason}", tenantId, e.Message);
                continue;
            }
            imports.Add(import);
            // Salesforce unreachable: nothing is marked, so the same users are tried next round.
            if (import.State is ImportStates.Failed or ImportStates.Interrupted) continue;
            var report = await store.ReportAsync(tenantId, import.Id, ct);
            var byExternal = (report?.Rows ?? []).GroupBy(r => r.ExternalId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Outcome, StringComparer.Ordinal);
            await store.MarkCheckedAsync(tenantId, seen.Select(u => (u.ExternalId, byExternal.GetValueOrDefault(u.ExternalId, Outcomes.Problem))), ct);
        }
        return imports;
    }
}
