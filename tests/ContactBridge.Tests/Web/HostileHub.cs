using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Intake;
using ContactBridge.Logging;
using ContactBridge.Outbox;
using ContactBridge.RoutingMaps;
using ContactBridge.Tenants;
using ContactBridge.Tests.Support;
using Dapper;

namespace ContactBridge.Tests.Web;

/// <summary>
/// One hub shared by a class of hostile-input tests: two linked tenants ("Mine", "Theirs"), a tenant administrator of
/// Mine, and in Theirs an interaction, a dead letter, a set-aside event and a routing-map import for Mine to reach for.
/// Tests refuse input, so they leave the hub as they found it; the few that accept something say so.
/// </summary>
public sealed partial class HostileHub : IAsyncLifetime
{
    public const string MineAdminEmail = "mine-admin@hub.example";

    public TestHub Hub { get; private set; } = null!;
    public Tenant Mine { get; private set; } = null!;
    public Tenant Theirs { get; private set; } = null!;
    public PortalClient Root { get; private set; } = null!;
    public PortalClient MineAdmin { get; private set; } = null!;
    public EventSender MineSender { get; private set; } = null!;
    public string TheirDeadLetter { get; private set; } = "";
    public long TheirSetAside { get; private set; }
    public string TheirImport { get; private set; } = "";
    public const string TheirInteraction = "call-tx-9";
    public string CallCenterId { get; private set; } = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Hub = await TestHub.StartAsync(seed: ContactBridge.Tests.RoutingMaps.RoutingMapImportTests.SeedWithAgents(2));
        CallCenterId = Hub.Records("CallCenter").Single().Id;
        Mine = await Hub.LinkedTenantAsync("Mine");
        Theirs = await Hub.LinkedTenantAsync("Theirs");
        await Hub.CreateTenantAdminAsync(MineAdminEmail, Mine);
        Root = await Hub.SignInAsync();
        MineAdmin = await Hub.SignInAsync(MineAdminEmail);
        MineSender = await EventSender.ForAsync(Hub, Mine.Id);

        // Theirs: a write Salesforce refuses (a restricted picklist given free text) becomes a dead letter, and an
        // event an older version stored that cannot be folded is set aside.
        var mapping = LogTemplates.Defaults();
        mapping["Task"]["CallType"] = "{channel}";
        await Hub.Services.GetRequiredService<LoggingSettingsStore>().SaveAsync(Theirs.Id, new LoggingSettings { FieldMapping = mapping }, Ct);
        var inbox = Hub.Services.GetRequiredService<InboxStore>();
        await inbox.AppendAsync(Theirs.Id, [new InteractionEvent("evt-theirs-poison", "/test", InteractionEvent.TypePrefix + "note_added", TheirInteraction, Hub.Clock.GetUtcNow(), [])], Ct);
        await using (var c = await Hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(Ct))
            await c.ExecuteAsync("UPDATE inbox_events SET data = '{\"note\":\"a string\"}' WHERE event_id = 'evt-theirs-poison'");
        using (var theirs = await EventSender.ForAsync(Hub, Theirs.Id)) await theirs.AcceptAsync(theirs.Interaction(TheirInteraction, phone: "+1 415 555 0190"));
        await Hub.RunPipelineAsync();
        TheirDeadLetter = (await Hub.Services.GetRequiredService<OutboxStore>().ForTenantAsync(Theirs.Id, OutboxState.Dead, 10, Ct)).ShouldHaveSingleItem().Id;
        TheirSetAside = (await inbox.QuarantinedAsync(Theirs.Id, 10, Ct)).ShouldHaveSingleItem().Seq;

        var (status, body) = await Root.SendJsonAsync(HttpMethod.Post, $"/api/v1/tenants/{Theirs.Id}/routing-map/imports",
            """{"callCenterId":"04vE0000000000BIAQ","matchBy":"email","dryRun":true,"csv":"ExternalId,Email\nt-1,agent@acme.example\n"}""");
        status.ShouldBe(HttpStatusCode.Accepted, body?.ToJsonString());
        TheirImport = body!["id"]!.GetValue<string>();
        await Hub.Services.GetRequiredService<RoutingMapImporter>().WhenFinishedAsync(TheirImport);
    }

    public async ValueTask DisposeAsync()
    {
        MineSender?.Dispose();
        Root?.Dispose();
        MineAdmin?.Dispose();
        if (Hub is not null) await Hub.DisposeAsync();
    }

    /// <summary>What a hub answered: status, media type, the body as text and (when JSON) parsed.</summary>
    public sealed record Answer(HttpStatusCode Status, string? MediaType, string Text, JsonObject? Json, Uri? Location = null)
    {
        public override string ToString() => $"{(int)Status} {MediaType}: {(Text.Length > 600 ? Text[..600] + "…" : Text)}";
    }

    private readonly Dictionary<PortalClient, string> _tokens = [];

    /// <summary>The antiforgery request token of the portal client's session, read from a page as a browser would.</summary>
    public async Task<string> TokenAsync(PortalClient portal)
    {
        if (_tokens.TryGetValue(portal, out var token)) return token;
        var page = await portal.GetAsync("/");
        if (page.Location is { } home) page = await portal.GetAsync(home.ToString());
        token = WebUtility.HtmlDecode(AntiforgeryField().Match(page.Html).Groups[1].Value);
        token.ShouldNotBeNullOrEmpty();
        return _tokens[portal] = token;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>Any bytes with any content type, with the session cookie and (for unsafe methods) the X-CSRF-TOKEN header.</summary>
    public async Task<Answer> SendAsync(PortalClient portal, HttpMethod method, string pathAndQuery, byte[]? body = null, string? contentType = "application/json",
        bool csrf = true)
    {
        using var request = new HttpRequestMessage(method, new Uri(Hub.BaseUri, pathAndQuery));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        if (csrf && method != HttpMethod.Get) request.Headers.Add("X-CSRF-TOKEN", await TokenAsync(portal));
        using var response = await portal.Http.SendAsync(request, Ct);
        return await ReadAsync(response);
    }

    public static async Task<Answer> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        JsonObject? json = null;
        if (text.TrimStart().StartsWith('{'))
        {
            try
            {
                json = JsonNode.Parse(text) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                // Not JSON after all: the assertions name the media type and show the text.
            }
        }
        return new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text, json, response.Headers.Location);
    }

    /// <summary>A form posted as its raw application/x-www-form-urlencoded text (so broken escapes reach the hub as they are), with this session's antiforgery token.</summary>
    public async Task<Answer> PostFormAsync(PortalClient portal, string path, string encodedFields, bool token = true)
    {
        var body = token ? $"__RequestVerificationToken={Uri.EscapeDataString(await TokenAsync(portal))}&{encodedFields}" : encodedFields;
        return await SendAsync(portal, HttpMethod.Post, path, Encoding.ASCII.GetBytes(body), "application/x-www-form-urlencoded", csrf: false);
    }

    /// <summary>An API answer that may refuse, but never with a 5xx, and every refusal a problem that says what is wrong.</summary>
    public static void ShouldBeAnApiAnswer(Answer a, string what)
    {
        ((int)a.Status).ShouldBeLessThan(500, $"{what}: {a}");
        if ((int)a.Status < 400) return;
        a.MediaType.ShouldBe("application/problem+json", $"{what}: {a}");
        a.Json.ShouldNotBeNull(what);
        a.Json["detail"]?.GetValue<string>().ShouldNotBeNullOrWhiteSpace($"{what}: {a}");
    }

    public const string Script = "<script>alert('cb')</script>";
    public const string Img = "\"><img src=x onerror=alert(1)>";

    /// <summary>
    /// ASP.NET Core's form reader refuses a form with a %00 (or past its limits) before any page sees it: a bare 400
    /// problem. Nothing is read, so nothing can be stored.
    /// </summary>
    public static bool RefusedByTheFormReader(Answer a) => a.Status == HttpStatusCode.BadRequest && a.MediaType == "application/problem+json";

    /// <summary>A portal answer: never a 5xx, and no markup from the request ever comes back unencoded.</summary>
    public static void ShouldBeAPortalAnswer(Answer a, string what)
    {
        ((int)a.Status).ShouldBeLessThan(500, $"{what}: {a}");
        a.Text.ShouldNotContain(Script, customMessage: what);
        a.Text.ShouldNotContain("<img src=x onerror", customMessage: what);
    }

    /// <summary>Hostile text, as it would be typed or sent: (a name for failure messages, the value).</summary>
    public static readonly (string Name, string Value)[] Texts =
    [
        ("empty", ""), ("blank", "   "), ("NUL", "a\0b"), ("control characters", "\u0001\u0008\u001b\u007f"), ("CR LF", "x\r\nSet-Cookie: cb=1"),
        ("SOQL quote", "' OR Name != '' --"), ("backslash", "\\"), ("SOQL/SOSL metacharacters", "' \\ % _ { } ? * ( ) ~ ^ : ! & |"),
        ("SOSL braces", "} RETURNING User(Id) FIND {x"), ("script", Script), ("attribute breakout", Img), ("template", "{!$Api.Session_ID} {{x}} ${x}"),
        ("formula", "=HYPERLINK(\"http://evil.example\",\"x\")"), ("path", "../../etc/passwd"), ("percent escapes", "%00%ff%2e%2e%2f"),
        ("right-to-left override", "\u202egnp.exe"), ("emoji", "😀👩🏽‍💻"), ("long", new string('x', 70_000)),
    ];

    /// <summary>Bytes a form field can carry that no string can: escapes of invalid UTF-8 and of a lone surrogate.</summary>
    public static readonly (string Name, string Encoded)[] RawFormValues =
    [
        ("invalid UTF-8", "%FF%FE%C3%28"), ("encoded lone surrogate", "%ED%A0%80"), ("broken escape", "%E2%82"), ("bare percent", "100%"),
        ("encoded NUL", "%00"),
    ];

    /// <summary>Every hostile text, URL-encoded for a form, then the raw ones.</summary>
    public static IEnumerable<(string Name, string Encoded)> FormValues() =>
        Texts.Select(t => (t.Name, Uri.EscapeDataString(t.Value))).Concat(RawFormValues);
}
