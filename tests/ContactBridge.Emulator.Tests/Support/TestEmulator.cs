using ContactBridge.Emulator.Org;

namespace ContactBridge.Emulator.Tests.Support;

/// <summary>Starts a fresh emulator on a free loopback port for one test.</summary>
public static class TestEmulator
{
    public static Task<EmulatorServer> StartAsync(SeedFile? seed = null, string? dataFile = null, TimeProvider? clock = null) =>
        EmulatorServer.StartAsync(new EmulatorOptions { Seed = seed, DataFile = dataFile, TimeProvider = clock }, TestContext.Current.CancellationToken);

    /// <summary>The default org plus an external-id field on Contact, which upsert tests need.</summary>
    /// <summary>The default org with one platform event, Agent_State__e (State__c, required).</summary>
    public static SeedFile WithAgentStateEvent() => new()
    {
        Orgs = [new SeedOrg { PlatformEvents = [new SeedObject { Name = "Agent_State__e", Fields = [new SeedField { Name = "State__c", Type = "string", Length = 40, Required = true }] }] }],
    };

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
