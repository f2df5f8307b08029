using ContactBridge;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Linking;
using Microsoft.AspNetCore.WebUtilities;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

/// <summary>What every benchmark run needs: an org with known callers, and a tenant linked to it through the real code exchange.</summary>
internal static class BenchSetup
{
    /// <summary>
    /// The default org with ContactBridge_Key__c on the logged objects, the agent, N known callers (+1 212 555-0000 on) and
    /// API users for several tenants (<see cref="ApiUser"/>): one Salesforce user may serve at most five tenants.
    /// </summary>
    public static SeedFile Seed(int knownCallers, int apiUsers = 0)
    {
        static SeedField Key() => new() { Name = "ContactBridge_Key__c", Type = "string", Length = 255, ExternalId = true, Unique = true };
        var contacts = Enumerable.Range(0, knownCallers).Select(i => new JsonObject
        {
            ["FirstName"] = "Known", ["LastName"] = $"Caller{i:00000}", ["Phone"] = $"+1 (212) {i / 10000 + 555:000}-{i % 10000:0000}",
        }).ToList();
        return new SeedFile
        {
            Orgs =
            [
                new SeedOrg
                {
                    Key = WellKnown.DefaultOrgKey, ApiDailyLimit = 1_000_000,
                    CustomFields = new() { ["Lead"] = [Key()], ["Contact"] = [Key()], ["Case"] = [Key()], ["Task"] = [Key()] },
                    Users =
                    [
                        new SeedUser { Username = "agent@bench.example", Email = "agent@bench.example", LastName = "Agent" },
                        .. Enumerable.Range(1, apiUsers).Select(n => new SeedUser { Username = ApiUser(n), LastName = $"Integration {n}", Profile = "API Only Integrations" }),
                    ],
                    Records = new() { ["Contact"] = contacts },
                },
            ],
        };
    }

    public static string ApiUser(int n) => $"api{n}@bench.example";

    public static async Task LinkAsync(HubServer hub, EmulatorServer emulator, string tenantId, string username = WellKnown.IntegrationUsername)
    {
        emulator.State.FindApp(WellKnown.ClientId)!.CallbackUrls.Add("http://127.0.0.1:5180/linking/callback");
        var linking = hub.Services.GetRequiredService<SalesforceLinkService>();
        await linking.SetSystemAppAsync(WellKnown.ClientId, WellKnown.ClientSecret, default);
        var authorize = await linking.StartWebLinkAsync(tenantId, "bench", SalesforceEnvironment.Production, null, AppConfiguration.System, null, default);
        var q = QueryHelpers.ParseQuery(authorize.Query);
        var integration = emulator.State.FindUser(username)!.Value.User;
        var code = emulator.State.OAuth.IssueCode(WellKnown.DefaultOrgKey, integration.Id, WellKnown.ClientId, q["redirect_uri"]!, emulator.ProductionLoginUrl, q["code_challenge"], q["scope"]!);
        await linking.CompleteWebLinkAsync("bench", q["state"], code.Code, null, null, default);
    }

    /// <summary>A tenant of the hub linked to the emulator's org, and its intake secret (to sign events with).</summary>
    public static async Task<(string TenantId, string Secret)> LinkedTenantAsync(HubServer hub, EmulatorServer emulator)
    {
        var tenant = await hub.Services.GetRequiredService<ContactBridge.Tenants.TenantStore>().CreateAsync("Bench Contact Center", default);
        await LinkAsync(hub, emulator, tenant.Id);
        return (tenant.Id, await hub.Services.GetRequiredService<ContactBridge.Intake.IntakeSecrets>().RotateAsync(tenant.Id, default));
    }

    /// <summary>An interaction event as a contact center sends it (CloudEvents 1.0).</summary>
    public static JsonObject Event(string interaction, string type, JsonObject data, int seq) => new()
    {
        ["specversion"] = "1.0", ["id"] = $"{interaction}-{seq}", ["source"] = "/bench", ["type"] = ContactBridge.Intake.InteractionEvent.TypePrefix + type,
        ["subject"] = interaction, ["time"] = DateTimeOffset.UtcNow.ToString("O"), ["data"] = data,
    };

    /// <summary>A signed batch of events for the tenant's intake.</summary>
    public static HttpRequestMessage EventsRequest(string tenantId, string secret, JsonArray events)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(events.ToJsonString());
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenantId}/events") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/cloudevents-batch+json");
        request.Headers.TryAddWithoutValidation(ContactBridge.Intake.EventSignature.Header, $"t={t},v1={ContactBridge.Intake.IntakeSecrets.Sign(secret, t, body)}");
        return request;
    }
}
