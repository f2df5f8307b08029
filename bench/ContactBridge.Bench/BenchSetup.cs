using ContactBridge;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Linking;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

/// <summary>What every benchmark run needs: a tenant linked to the emulator org through the real code exchange.</summary>
internal static class BenchSetup
{
    public static async Task LinkAsync(HubServer hub, EmulatorServer emulator, string tenantId)
    {
        emulator.State.FindApp(WellKnown.ClientId)!.CallbackUrls.Add("http://127.0.0.1:5180/linking/callback");
        var linking = hub.Services.GetRequiredService<SalesforceLinkService>();
        await linking.SetSystemAppAsync(WellKnown.ClientId, WellKnown.ClientSecret, default);
        var authorize = await linking.StartWebLinkAsync(tenantId, "bench", SalesforceEnvironment.Production, null, AppConfiguration.System, null, default);
        var q = QueryHelpers.ParseQuery(authorize.Query);
        var integration = emulator.State.FindUser(WellKnown.IntegrationUsername)!.Value.User;
        var code = emulator.State.OAuth.IssueCode(WellKnown.DefaultOrgKey, integration.Id, WellKnown.ClientId, q["redirect_uri"]!, emulator.ProductionLoginUrl, q["code_challenge"], q["scope"]!);
        await linking.CompleteWebLinkAsync("bench", q["state"], code.Code, null, null, default);
    }
}
