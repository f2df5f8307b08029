using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenter;
using ContactBridge.ContactCenterEmulator;
using ContactBridge.ContactCenterEmulator.Tenants;
using ContactBridge.Intake;

namespace ContactBridge.Tests.Support;

/// <summary>
/// The contact-center emulator next to a test hub, on the hub's clock (its timers run when a test ticks it): each
/// tenant connected both ways as an administrator would, with the hub's event secret and command secret.
/// </summary>
public sealed class TestContactCenter(ContactCenterEmulatorServer server, TestHub hub) : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly HttpClient _control = new() { BaseAddress = server.BaseUri };

    public ContactCenterEmulatorServer Server { get; } = server;

    /// <summary>What a hub needs to send commands to the emulator, which is on this machine.</summary>
    public static Dictionary<string, string?> HubSettings => new() { [$"{ContactCenterOptions.Section}:AllowPrivateNetwork"] = "true" };

    public static async Task<TestContactCenter> StartAsync(TestHub hub) =>
        new(await ContactCenterEmulatorServer.StartAsync(new ContactCenterEmulatorOptions { TimeProvider = hub.Clock, RunTimers = false, RandomSeed = 7 }, Ct), hub);

    /// <summary>Two agents with the support skill (Ada and Bob, matching Salesforce users by e-mail), wrap-up ended by the agent.</summary>
    public static List<AgentSeed> Agents(params string[] ids) => ids.Select(id => new AgentSeed
    {
        Id = id, Name = id == "ag-1" ? "Ada Agent" : id == "ag-2" ? "Bob Agent" : $"Agent {id}", Email = $"{id}@acme.example", Station = id == "ag-1" ? "4021" : null,
        Skills = new Dictionary<string, int> { ["support"] = 5 },
    }).ToList();

    /// <summary>Connects the hub's tenant and the emulator's: the hub makes both secrets, the emulator is given them.</summary>
    public async Task ConnectAsync(ContactBridge.Tenants.Tenant tenant, List<AgentSeed>? agents = null, string? recordingBaseUrl = null, bool transcribe = false)
    {
        var eventSecret = await hub.Services.GetRequiredService<IntakeSecrets>().RotateAsync(tenant.Id, Ct);
        var commandSecret = await hub.Services.GetRequiredService<ContactCenterConnections>().ConnectAsync(tenant.Id, Server.CommandUrlOf(tenant.Id).ToString(), true, Ct);
        var problems = Server.Center.PutTenant(new TenantSeed
        {
            Id = tenant.Id, HubEventsUrl = new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/events").ToString(), EventSecret = eventSecret, CommandSecret = commandSecret,
            Skills = [new SkillSeed { Id = "support", Name = "Support", Channel = "phone" }], Agents = agents ?? Agents("ag-1", "ag-2"), WrapUpSeconds = null, RecordingBaseUrl = recordingBaseUrl, TranscribeCalls = transcribe,
        });
        problems.ShouldBeEmpty();
        await FlushAsync(tenant.Id);
    }

    /// <summary>Waits until every event the emulator has made for the tenant is accepted by the hub (none refused).</summary>
    public async Task FlushAsync(string tenantId)
    {
        using var response = await _control.PostAsync($"_emulator/tenants/{tenantId}/events/flush?timeoutSeconds=30", null, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        var delivery = (await StateAsync(tenantId))["delivery"]!;
        delivery["rejected"]!.GetValue<long>().ShouldBe(0, delivery.ToJsonString());
    }

    public async Task<JsonObject> StateAsync(string tenantId) => (await _control.GetFromJsonAsync<JsonObject>($"_emulator/tenants/{tenantId}", Ct))!;

    /// <summary>A customer calls now; returns the contact (interaction) id.</summary>
    public async Task<string> CallAsync(string tenantId, string from, JsonObject? ivr = null)
    {
        using var response = await _control.PostAsJsonAsync($"_emulator/tenants/{tenantId}/contacts",
            new JsonObject { ["channel"] = "voice", ["skill"] = "support", ["from"] = from, ["name"] = "Grace Caller", ["ivr"] = ivr }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>();
    }

    public async Task ControlAsync(HttpMethod method, string path, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await _control.SendAsync(request, Ct);
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync(Ct));
    }

    public Task FaultsAsync(JsonObject faults) => ControlAsync(HttpMethod.Put, "_emulator/faults", faults);

    public async ValueTask DisposeAsync()
    {
        _control.Dispose();
        await Server.DisposeAsync();
    }
}
