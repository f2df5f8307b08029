using ContactBridge.Emulator.Org;

namespace ContactBridge.Emulator.Tests.Support;

/// <summary>Starts a fresh emulator on a free loopback port for one test.</summary>
public static class TestEmulator
{
    public static Task<EmulatorServer> StartAsync(SeedFile? seed = null, string? dataFile = null, TimeProvider? clock = null) =>
        EmulatorServer.StartAsync(new EmulatorOptions { Seed = seed, DataFile = dataFile, TimeProvider = clock }, TestContext.Current.CancellationToken);

    /// <summary>The default org plus an external-id field on Contact, which upsert tests need.</summary>
    public static SeedFile WithContactExternalId() => new()
    {
        Orgs =
        [
            new SeedOrg
            {
                Key = WellKnown.DefaultOrgKey,
                CustomFields = new() { ["Contact"] = [new SeedField { Name = "External_Key__c", Type = "string", Length = 64, ExternalId = true, Unique = true }] },
            },
        ],
    };
}
