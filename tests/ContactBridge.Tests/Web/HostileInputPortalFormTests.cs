using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ContactBridge.Intake;
using ContactBridge.Linking;
using ContactBridge.Logging;
using ContactBridge.Outbox;
using ContactBridge.RoutingMaps;
using ContactBridge.Tenants;
using ContactBridge.Tests.Support;
using static ContactBridge.Tests.Web.HostileHub;

namespace ContactBridge.Tests.Web;

/// <summary>
/// The portal's forms under hostile input: never a 5xx, the page shows what it echoes HTML-encoded, nothing refused is
/// stored, what is accepted is kept exactly, and another tenant's forms answer 404 without acting.
/// </summary>
public sealed class HostileInputPortalFormTests(HostileHub h) : IClassFixture<HostileHub>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sign_in_with_hostile_emails_and_passwords_is_refused_with_the_email_shown_encoded()
    {
        using var visitor = new PortalClient(h.Hub.BaseUri, h.Hub.Emulator.BaseUri);
        foreach (var (name, encoded) in FormValues())
        foreach (var field in new[] { "email", "password" })
        {
            var fields = field == "email" ? $"email={encoded}&password=whatever-it-is" : $"email=nobody%40hub.example&password={encoded}";
            var a = await h.PostFormAsync(visitor, "/login", fields);
            ShouldBeAPortalAnswer(a, $"{field} {name}");
            a.Status.ShouldBeOneOf([HttpStatusCode.Unauthorized, HttpStatusCode.BadRequest], $"{field} {name}: {a}");
            visitor.Cookies.GetCookies(h.Hub.BaseUri)["contactbridge.session"].ShouldBeNull($"{field} {name}");
        }
        var shown = await h.PostFormAsync(visitor, "/login", $"email={Uri.EscapeDataString(Img)}&password=x");
        shown.Text.ShouldShowText(Img);
        // Hostile values in the return address are never followed off the site, nor shown raw.
        var login = await h.PostFormAsync(visitor, $"/login?ReturnUrl={Uri.EscapeDataString("/\"><script>alert('cb')</script>")}", "email=nobody%40hub.example&password=x");
        ShouldBeAPortalAnswer(login, "ReturnUrl");
    }

    [Fact]
    public async Task A_form_without_its_antiforgery_token_or_in_the_wrong_encoding_is_refused_without_a_5xx()
    {
        var tenants = await h.Hub.Services.GetRequiredService<TenantStore>().ListAsync(Ct);
        var noToken = await h.PostFormAsync(h.Root, "/tenants", "name=Forged", token: false);
        ShouldBeAPortalAnswer(noToken, "no token");
        noToken.Status.ShouldBe(HttpStatusCode.BadRequest);
        // With the token in the header (as the portal's scripts send it) but a body that is not a form.
        var forms = new[]
        {
            "/login", "/tenants", $"/tenants/{h.Mine.Id}/admins", $"/tenants/{h.Mine.Id}/salesforce/link", $"/tenants/{h.Mine.Id}/salesforce/client-credentials",
            $"/tenants/{h.Mine.Id}/salesforce/custom-app", $"/tenants/{h.Mine.Id}/salesforce/api-version", "/system/salesforce-app", $"/tenants/{h.Mine.Id}/logging",
            $"/tenants/{h.Mine.Id}/routing-map/imports", $"/tenants/{h.Mine.Id}/routing-map/settings",
        };
        foreach (var form in forms)
        foreach (var (name, body, type) in new (string, byte[], string?)[]
                 {
                     ("JSON", Encoding.UTF8.GetBytes("{\"name\":\"x\"}"), "application/json"), ("no content type", Encoding.UTF8.GetBytes("name=x"), null),
                     ("multipart without a boundary", Encoding.UTF8.GetBytes("--x\r\n"), "multipart/form-data"),
                     ("broken multipart", Encoding.UTF8.GetBytes("--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx"), "multipart/form-data; boundary=b"),
                     ("invalid UTF-8 form", [.. "name="u8, 0xFF, 0xC3, 0x28], "application/x-www-form-urlencoded"),
                 })
        {
            var a = await h.SendAsync(h.Root, HttpMethod.Post, form, body, type);
            ShouldBeAPortalAnswer(a, $"{form} {name}");
            ((int)a.Status).ShouldBeInRange(200, 499, $"{form} {name}: {a}");
        }
        // Only the urlencoded form was read: its invalid UTF-8 as replacement characters (the form reader's choice), never as raw bytes.
        (await h.Hub.Services.GetRequiredService<TenantStore>().ListAsync(Ct)).ExceptBy(tenants.Select(t => t.Id), t => t.Id).Select(t => t.Name)
            .ShouldBe(["\uFFFD\uFFFD("]);
    }

    [Fact]
    public async Task New_tenants_with_hostile_names_are_refused_or_kept_exactly_and_shown_encoded()
    {
        var store = h.Hub.Services.GetRequiredService<TenantStore>();
        foreach (var (name, encoded) in FormValues().Append(("121 characters", new string('n', 121))))
        {
            var before = await store.ListAsync(Ct);
            var a = await h.PostFormAsync(h.Root, "/tenants", $"name={encoded}");
            ShouldBeAPortalAnswer(a, name);
            var after = await store.ListAsync(Ct);
            if (a.Status == HttpStatusCode.Redirect)
            {
                var created = after.ExceptBy(before.Select(t => t.Id), t => t.Id).ShouldHaveSingleItem(name);
                // Escapes of invalid UTF-8 are kept as typed by the form reader; every other value is kept exactly.
                if (Uri.EscapeDataString(WebUtility.UrlDecode(encoded)) == encoded) created.Name.ShouldBe(WebUtility.UrlDecode(encoded).Trim(), name);
                created.Name.ShouldNotContain('\0', name);
                created.Name.Any(char.IsControl).ShouldBeFalse(name);
                var page = await h.Root.GetAsync("/tenants");
                ShouldBeAPortalAnswer(new Answer(page.Status, "text/html", page.Html, null), name);
                page.Html.ShouldShowText(created.Name, name);
            }
            else
            {
                a.Status.ShouldBe(HttpStatusCode.BadRequest, $"{name}: {a}");
                if (!RefusedByTheFormReader(a)) a.Text.ShouldContain("id=\"notice\"", customMessage: name);
                after.Count.ShouldBe(before.Count, name);
            }
        }
        // A tenant administrator cannot create tenants at all.
        var count = (await store.ListAsync(Ct)).Count;
        var refused = await h.PostFormAsync(h.MineAdmin, "/tenants", "name=Sneaky");
        refused.Status.ShouldBe(HttpStatusCode.NotFound);
        (await store.ListAsync(Ct)).Count.ShouldBe(count);
    }

    [Fact]
    public async Task Tenant_admins_with_hostile_emails_or_passwords_are_refused_and_not_stored()
    {
        var users = h.Hub.Services.GetRequiredService<UserStore>();
        var n = 0;
        foreach (var (name, encoded) in FormValues())
        {
            n++;
            var email = WebUtility.UrlDecode(encoded);
            var a = await h.PostFormAsync(h.Root, $"/tenants/{h.Mine.Id}/admins", $"email={encoded}&password=long-enough-password");
            ShouldBeAPortalAnswer(a, $"email {name}");
            a.Status.ShouldBe(HttpStatusCode.BadRequest, $"email {name}: {a}");
            if (email.Length > 0) (await users.FindAsync(email, Ct)).ShouldBeNull(name);
            var b = await h.PostFormAsync(h.Root, $"/tenants/{h.Mine.Id}/admins", $"email=x{n}%40hub.example&password={encoded}");
            ShouldBeAPortalAnswer(b, $"password {name}");
            if (b.Status != HttpStatusCode.Redirect)
            {
                b.Status.ShouldBe(HttpStatusCode.BadRequest, $"password {name}: {b}");
                (await users.FindAsync($"x{n}@hub.example", Ct)).ShouldBeNull(name);
            }
        }
        var shown = await h.PostFormAsync(h.Root, $"/tenants/{h.Mine.Id}/admins", $"email={Uri.EscapeDataString(Img)}&password=long-enough-password");
        shown.Text.ShouldShowText(Img.ToLowerInvariant());
    }

    [Fact]
    public async Task Salesforce_link_forms_refuse_hostile_values_and_leave_the_link_as_it_was()
    {
        var links = h.Hub.Services.GetRequiredService<LinkStore>();
        var before = (await links.GetAsync(h.Mine.Id, Ct))!;
        var systemApp = await links.GetSystemAppAsync(Ct);
        var t = h.Mine.Id;
        var apiCalls = h.Hub.Emulator.State.Log.LastSequence;
        var tokenUrls = new[] { "file:///etc/passwd", "javascript:alert(1)", "ftp://127.0.0.1/token", "http://evil.example/token", "http://127.0.0.1:1/services/oauth2/token", "gopher://x" };
        foreach (var (name, encoded) in FormValues().Concat(tokenUrls.Select(u => (u, Uri.EscapeDataString(u)))))
        {
            var forms = new (string Path, string Fields)[]
            {
                ($"/tenants/{t}/salesforce/api-version", $"apiVersion={encoded}"),
                ($"/tenants/{t}/salesforce/link", $"environment={encoded}&appConfig=system&apiVersion=62.0"),
                ($"/tenants/{t}/salesforce/link", $"environment=my_domain&myDomainUrl={encoded}&appConfig=system&apiVersion=62.0"),
                ($"/tenants/{t}/salesforce/link", $"environment=production&appConfig={encoded}&apiVersion=62.0"),
                ($"/tenants/{t}/salesforce/link", $"environment=production&appConfig=system&apiVersion={encoded}"),
                ($"/tenants/{t}/salesforce/client-credentials", $"tokenUrl={encoded}&clientId=id&clientSecret=secret&apiVersion=62.0"),
                ($"/tenants/{t}/salesforce/client-credentials", $"clientId={encoded}&clientSecret={encoded}&apiVersion=62.0"),
                ($"/tenants/{t}/salesforce/client-credentials", $"clientId=id&clientSecret=secret&apiVersion={encoded}"),
                ("/system/salesforce-app", $"clientId={encoded}&clientSecret="),
                ($"/tenants/{t}/salesforce/custom-app", $"clientId=&clientSecret={encoded}"),
            };
            foreach (var (path, fields) in forms)
            {
                var a = await h.PostFormAsync(h.Root, path, fields);
                ShouldBeAPortalAnswer(a, $"{path} {name}");
                // My Domain and the API version link start an authorization (a redirect to Salesforce) only with values they accept.
                if (a.Status == HttpStatusCode.Redirect) a.Location!.ToString().ShouldNotContain(t + "/salesforce?done=", Case.Sensitive, $"{path} {name}: {a}");
                else a.Status.ShouldBe(HttpStatusCode.BadRequest, $"{path} {name}: {a}");
            }
        }
        var after = (await links.GetAsync(h.Mine.Id, Ct))!;
        (after.Status, after.ApiVersion, after.Flow, after.InstanceUrl, after.UserId).ShouldBe((before.Status, before.ApiVersion, before.Flow, before.InstanceUrl, before.UserId));
        (await links.GetSystemAppAsync(Ct))!.Value.ClientId.ShouldBe(systemApp!.Value.ClientId);
        (await links.GetTenantAppAsync(h.Mine.Id, Ct)).ShouldBeNull();
        h.Hub.Emulator.State.Log.Entries(afterSequence: apiCalls).Where(e => e.Path.Contains("/oauth2/token", StringComparison.Ordinal) && e.Status == 200)
            .ShouldBeEmpty("no hostile value got a token");
    }

    [Fact]
    public async Task A_custom_app_with_hostile_but_printable_values_is_kept_exactly_and_shown_encoded()
    {
        var links = h.Hub.Services.GetRequiredService<LinkStore>();
        var clientId = Img + " ' \\ % _ { } ?";
        var a = await h.PostFormAsync(h.Root, $"/tenants/{h.Theirs.Id}/salesforce/custom-app", $"clientId={Uri.EscapeDataString(clientId)}&clientSecret={Uri.EscapeDataString(Script)}");
        a.Status.ShouldBe(HttpStatusCode.Redirect, a.ToString());
        (await links.GetTenantAppAsync(h.Theirs.Id, Ct))!.Value.ClientId.ShouldBe(clientId);
        var page = await h.Root.GetAsync($"/tenants/{h.Theirs.Id}/salesforce");
        ShouldBeAPortalAnswer(new Answer(page.Status, "text/html", page.Html, null), "custom app page");
        page.Html.ShouldShowText(clientId);
        page.Html.ShouldNotShowText(Script, "the secret is never shown");
    }

    [Fact]
    public async Task Logging_settings_form_refuses_hostile_values_and_keeps_the_settings()
    {
        var store = h.Hub.Services.GetRequiredService<LoggingSettingsStore>();
        var before = JsonSerializer.Serialize(await store.GetAsync(h.Mine.Id, Ct), LoggingSettings.Json);
        foreach (var (name, encoded) in FormValues())
        {
            foreach (var fields in new[] { $"mode={encoded}&updatePolicy=none", $"mode=sales&updatePolicy={encoded}" })
            {
                var a = await h.PostFormAsync(h.MineAdmin, $"/tenants/{h.Mine.Id}/logging", fields);
                ShouldBeAPortalAnswer(a, name);
                a.Status.ShouldBe(HttpStatusCode.BadRequest, $"{name}: {a}");
                if (!RefusedByTheFormReader(a)) a.Text.ShouldContain("id=\"notice\"", customMessage: name);
                JsonSerializer.Serialize(await store.GetAsync(h.Mine.Id, Ct), LoggingSettings.Json).ShouldBe(before, name);
            }
        }
    }

    /// <summary>A valid post of an editor, with one field's value replaced by a hostile one.</summary>
    private static string WithHostile(string valid, string field, string encoded) =>
        string.Join('&', valid.Split('&').Select(pair => pair.StartsWith(field + "=", StringComparison.Ordinal) ? $"{field}={encoded}" : pair));

    [Fact]
    public async Task Identification_rules_editor_refuses_hostile_values_in_every_field_and_keeps_the_rules()
    {
        var store = h.Hub.Services.GetRequiredService<LoggingSettingsStore>();
        var before = JsonSerializer.Serialize(await store.GetAsync(h.Mine.Id, Ct), LoggingSettings.Json);
        var valid = $"tenantId={h.Mine.Id}&objectCount=1&o0.object=Contact&o0.phone=MobilePhone&o0.email=Email&ivrCount=1&v0.key=acct&v0.target=Account.AccountNumber" +
                    "&whenSeveral=most_recent&defaultCountry=GB&action=save";
        string[] fields = ["tenantId", "objectCount", "o0.object", "o0.phone", "o0.email", "ivrCount", "v0.key", "v0.target", "whenSeveral", "defaultCountry", "action"];
        foreach (var (name, encoded) in FormValues())
        foreach (var field in fields)
        {
            var what = $"{field} {name}";
            var a = await h.PostFormAsync(h.MineAdmin, $"/tenants/{h.Mine.Id}/identification", WithHostile(valid, field, encoded));
            ShouldBeAPortalAnswer(a, what);
            var saved = JsonSerializer.Serialize(await store.GetAsync(h.Mine.Id, Ct), LoggingSettings.Json);
            if (a.Status == HttpStatusCode.OK)
            {
                // Only "nothing" can be taken: an unticked box, or no action (Save, as Enter in a field does); anything else is an unsaved step.
                if (a.Text.Contains("Identification rules saved.", StringComparison.Ordinal))
                {
                    name.ShouldBe("empty", what);
                    await store.SaveAsync(h.Mine.Id, JsonSerializer.Deserialize<LoggingSettings>(before, LoggingSettings.Json)!, Ct);
                }
                else
                {
                    field.ShouldBe("action", what);
                    saved.ShouldBe(before, what);
                }
                continue;
            }
            a.Status.ShouldBe(HttpStatusCode.BadRequest, $"{what}: {a}");
            if (!RefusedByTheFormReader(a)) a.Text.ShouldContain("id=\"notice\"", customMessage: what);
            saved.ShouldBe(before, what);
        }
    }

    [Fact]
    public async Task Field_mapping_editor_refuses_hostile_values_keeps_templates_exactly_and_shows_them_encoded()
    {
        var store = h.Hub.Services.GetRequiredService<LoggingSettingsStore>();
        var before = JsonSerializer.Serialize(await store.GetAsync(h.Mine.Id, Ct), LoggingSettings.Json);
        var valid = $"tenantId={h.Mine.Id}&scope=&rowCount=1&r0.object=Task&r0.field=Subject&r0.template=%7Bchannel%7D&sample=sample&action=save";
        string[] fields = ["tenantId", "scope", "rowCount", "r0.object", "r0.field", "r0.template", "sample", "action"];
        foreach (var (name, encoded) in FormValues())
        foreach (var field in fields)
        {
            var what = $"{field} {name}";
            var a = await h.PostFormAsync(h.MineAdmin, $"/tenants/{h.Mine.Id}/field-mapping", WithHostile(valid, field, encoded));
            ShouldBeAPortalAnswer(a, what);
            var saved = await store.GetAsync(h.Mine.Id, Ct);
            if (a.Status == HttpStatusCode.OK)
            {
                if (a.Text.Contains("Field mapping saved.", StringComparison.Ordinal))
                {
                    // A template is text: what was typed is kept exactly, and shown encoded. The preview's sample falls back to the built-in one.
                    var expected = field == "r0.template" ? Uri.UnescapeDataString(encoded) : "{channel}";
                    saved.FieldMapping.ShouldHaveSingleItem().Value.ShouldHaveSingleItem().ShouldBe(new KeyValuePair<string, string>("Subject", expected), what);
                    if (field == "r0.template") a.Text.ShouldShowText(expected, what);
                    await store.SaveAsync(h.Mine.Id, JsonSerializer.Deserialize<LoggingSettings>(before, LoggingSettings.Json)!, Ct);
                }
                else
                {
                    field.ShouldBe("action", what);
                    JsonSerializer.Serialize(saved, LoggingSettings.Json).ShouldBe(before, what);
                }
                continue;
            }
            a.Status.ShouldBe(HttpStatusCode.BadRequest, $"{what}: {a}");
            if (!RefusedByTheFormReader(a)) a.Text.ShouldContain("id=\"notice\"", customMessage: what);
            JsonSerializer.Serialize(saved, LoggingSettings.Json).ShouldBe(before, what);
        }
        // The live preview echoes templates too: encoded, for any text.
        foreach (var (name, encoded) in FormValues())
        {
            var a = await h.PostFormAsync(h.MineAdmin, $"/tenants/{h.Mine.Id}/field-mapping/preview", WithHostile(valid, "r0.template", encoded));
            ShouldBeAPortalAnswer(a, $"preview {name}");
        }
    }

    private static MultipartFormDataContent Upload(byte[]? csv, string callCenter = "04vE0000000000BIAQ", string source = "csv", string matchBy = "email",
        string existing = "skip", string? token = null)
    {
        var form = new MultipartFormDataContent("----cb-boundary");
        if (token is not null) form.Add(new StringContent(token), "__RequestVerificationToken");
        form.Add(new StringContent(source), "source");
        form.Add(new StringContent(callCenter), "callCenterId");
        form.Add(new StringContent(matchBy), "matchBy");
        form.Add(new StringContent(existing), "existing");
        form.Add(new StringContent("true"), "dryRun");
        if (csv is not null)
        {
            var file = new ByteArrayContent(csv);
            file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            form.Add(file, "file", "users.csv");
        }
        return form;
    }

    [Fact]
    public async Task Routing_map_upload_refuses_hostile_csv_files_and_forms_and_stores_no_import()
    {
        var store = h.Hub.Services.GetRequiredService<RoutingMapStore>();
        var path = new Uri(h.Hub.BaseUri, $"/tenants/{h.Mine.Id}/routing-map/imports");
        var token = await h.TokenAsync(h.MineAdmin);
        var utf8 = Encoding.UTF8;
        var cases = new List<(string Name, MultipartFormDataContent Form)>
        {
            ("no file", Upload(null, token: token)),
            ("empty file", Upload([], token: token)),
            ("ragged rows", Upload(utf8.GetBytes("ExternalId,Email\nt-1,a@acme.example,extra\nt-2\n"), token: token)),
            ("unclosed quote", Upload(utf8.GetBytes("ExternalId,Email\n\"t-1,a@acme.example\n"), token: token)),
            ("invalid UTF-8", Upload([.. "ExternalId,Email\nt-1,"u8, 0xFF, 0xC3, 0x28, .. "@acme.example\n"u8], token: token)),
            ("UTF-16", Upload([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("ExternalId,Email\nt-1,a@acme.example\n")], token: token)),
            ("no columns", Upload(utf8.GetBytes("Foo\n=1+1\n"), token: token)),
            ("over 20 MiB", Upload(utf8.GetBytes("ExternalId,Email\n" + new string('x', RoutingMapEndpoints.MaxCsvBytes + 1)), token: token)),
            ("hostile match field", Upload(utf8.GetBytes("ExternalId,Email\nt-1,a@acme.example\n"), matchBy: Script, token: token)),
            ("hostile existing", Upload(utf8.GetBytes("ExternalId,Email\nt-1,a@acme.example\n"), existing: "' OR 1=1", token: token)),
            ("hostile source", Upload(utf8.GetBytes("ExternalId,Email\nt-1,a@acme.example\n"), source: Img, token: token)),
            ("blank call center", Upload(utf8.GetBytes("ExternalId,Email\nt-1,a@acme.example\n"), callCenter: " ", token: token)),
            ("seen users, none seen", Upload(null, source: "seen_users", token: token)),
        };
        foreach (var (name, form) in cases)
        {
            using (form)
            using (var response = await h.MineAdmin.Http.PostAsync(path, form, Ct))
            {
                var a = await ReadAsync(response);
                ShouldBeAPortalAnswer(a, name);
                ((int)a.Status).ShouldBeInRange(400, 499, $"{name}: {a}");
                a.Text.ShouldContain("id=\"notice\"", customMessage: name);
            }
            (await store.ListAsync(h.Mine.Id, 100, Ct)).ShouldBeEmpty(name);
        }
        // A form with more fields than the hub reads, or a field too long, is refused whole.
        var fields = string.Join("&", Enumerable.Range(0, 1100).Select(i => $"f{i}=1"));
        var many = await h.SendAsync(h.MineAdmin, HttpMethod.Post, path.PathAndQuery, Encoding.ASCII.GetBytes($"__RequestVerificationToken={Uri.EscapeDataString(token)}&source=seen_users&{fields}"),
            "application/x-www-form-urlencoded", csrf: true);
        ShouldBeAPortalAnswer(many, "too many fields");
        ((int)many.Status).ShouldBeInRange(400, 499, many.ToString());
        (await store.ListAsync(h.Mine.Id, 100, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Routing_map_settings_form_refuses_hostile_values_and_keeps_the_settings()
    {
        var store = h.Hub.Services.GetRequiredService<RoutingMapStore>();
        var before = JsonSerializer.Serialize(await store.GetSettingsAsync(h.Mine.Id, Ct), RoutingMapStore.Json);
        foreach (var (name, encoded) in FormValues())
        foreach (var fields in new[] { $"keepMapped=true&callCenterId={encoded}&matchBy=email", $"keepMapped=true&callCenterId=04vE0000000000BIAQ&matchBy={encoded}" })
        {
            if (fields.Contains("callCenterId=&", StringComparison.Ordinal) || fields.Contains("matchBy=&", StringComparison.Ordinal) || fields.EndsWith("matchBy=", StringComparison.Ordinal)) continue;
            var a = await h.PostFormAsync(h.MineAdmin, $"/tenants/{h.Mine.Id}/routing-map/settings", fields);
            ShouldBeAPortalAnswer(a, $"{fields[..Math.Min(80, fields.Length)]} ({name})");
            a.Status.ShouldBe(HttpStatusCode.BadRequest, $"{name}: {a}");
            if (!RefusedByTheFormReader(a)) a.Text.ShouldContain("id=\"notice\"", customMessage: name);
            JsonSerializer.Serialize(await store.GetSettingsAsync(h.Mine.Id, Ct), RoutingMapStore.Json).ShouldBe(before, name);
        }
    }

    [Fact]
    public async Task Dead_letter_and_set_aside_forms_with_hostile_or_foreign_ids_act_on_nothing()
    {
        var outbox = h.Hub.Services.GetRequiredService<OutboxStore>();
        var inbox = h.Hub.Services.GetRequiredService<InboxStore>();
        var mine = h.Mine.Id;
        var theirs = h.Theirs.Id;
        var posts = new List<string>();
        foreach (var id in new[] { "x", "%27%20OR%201%3D1%20--", "%25", "%ff", "%ED%A0%80", "abc", "-1", "99999999999999999999", h.TheirDeadLetter, h.TheirSetAside.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        foreach (var action in new[] { "replay", "discard" })
        {
            posts.Add($"/tenants/{mine}/dead-letters/{id}/{action}");
            posts.Add($"/tenants/{mine}/set-aside-events/{id}/{action}");
        }
        foreach (var action in new[] { "replay", "discard" })
        {
            posts.Add($"/tenants/{theirs}/dead-letters/{h.TheirDeadLetter}/{action}");
            posts.Add($"/tenants/{theirs}/set-aside-events/{h.TheirSetAside}/{action}");
        }
        foreach (var p in posts)
        {
            var a = await h.PostFormAsync(h.MineAdmin, p, "x=1");
            ShouldBeAPortalAnswer(a, p);
            if (p.Contains(theirs, StringComparison.Ordinal)) a.Status.ShouldBe(HttpStatusCode.NotFound, $"{p}: {a}");
            else a.Status.ShouldBeOneOf([HttpStatusCode.NotFound, HttpStatusCode.Redirect, HttpStatusCode.BadRequest], $"{p}: {a}");
        }
        (await outbox.ForTenantAsync(theirs, OutboxState.Dead, 10, Ct)).Select(d => d.Id).ShouldBe([h.TheirDeadLetter]);
        (await inbox.QuarantinedAsync(theirs, 10, Ct)).Select(q => q.Seq).ShouldBe([h.TheirSetAside]);
    }

    [Fact]
    public async Task A_tenant_admin_sees_404_pages_for_another_tenant_and_its_forms_change_nothing()
    {
        var theirs = h.Theirs.Id;
        foreach (var p in new[]
                 {
                     $"/tenants/{theirs}/salesforce", $"/tenants/{theirs}/logging", $"/tenants/{theirs}/activity", $"/tenants/{theirs}/routing-map",
                     $"/tenants/{theirs}/routing-map/imports/{h.TheirImport}", $"/tenants/{h.Mine.Id}/routing-map/imports/{h.TheirImport}", "/system/salesforce-app",
                     $"/tenants/{h.Theirs.Slug}/logging", $"/tenants/{theirs}", $"/tenants/{h.Theirs.Slug}", $"/tenants/{theirs}/interactions/x", $"/tenants/{theirs}/workforce",
                 })
        {
            var page = await h.MineAdmin.GetAsync(p);
            page.Status.ShouldBe(HttpStatusCode.NotFound, p);
            page.Html.ShouldNotContain("Theirs", customMessage: p);
        }
        var store = h.Hub.Services.GetRequiredService<LoggingSettingsStore>();
        var before = JsonSerializer.Serialize(await store.GetAsync(theirs, Ct), LoggingSettings.Json);
        var maps = h.Hub.Services.GetRequiredService<RoutingMapStore>();
        var imports = (await maps.ListAsync(theirs, 100, Ct)).Count;
        foreach (var (p, fields) in new[]
                 {
                     ($"/tenants/{theirs}/logging", "mode=manual&updatePolicy=none&defaultCountry=US&whenSeveral=most_recent"),
                     ($"/tenants/{theirs}/routing-map/settings", "keepMapped=true&callCenterId=04vE0000000000BIAQ&matchBy=email"),
                     ($"/tenants/{theirs}/routing-map/imports", "source=seen_users&callCenterId=04vE0000000000BIAQ&matchBy=email"),
                     ($"/tenants/{theirs}/admins", "email=intruder%40hub.example&password=long-enough-password"),
                     ("/system/salesforce-app", "clientId=mine&clientSecret=mine"),
                     ($"/tenants/{theirs}/workforce/historical", "enabled=true&group=default"),
                     ($"/tenants/{theirs}/workforce/realtime", "enabled=false&group=default"),
                     ($"/tenants/{theirs}/identification/caller-index/reload", $"tenantId={theirs}"),
                 })
        {
            var a = await h.PostFormAsync(h.MineAdmin, p, fields);
            a.Status.ShouldBe(HttpStatusCode.NotFound, $"{p}: {a}");
        }
        JsonSerializer.Serialize(await store.GetAsync(theirs, Ct), LoggingSettings.Json).ShouldBe(before);
        (await maps.GetSettingsAsync(theirs, Ct)).KeepMapped.ShouldBeFalse();
        (await maps.ListAsync(theirs, 100, Ct)).Count.ShouldBe(imports);
        (await h.Hub.Services.GetRequiredService<UserStore>().FindAsync("intruder@hub.example", Ct)).ShouldBeNull();
        (await h.Hub.Services.GetRequiredService<LinkStore>().GetSystemAppAsync(Ct))!.Value.ClientId.ShouldNotBe("mine");
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_nul_sent_in_a_multipart_form_is_refused_before_it_reaches_the_database(string database)
    {
        // A urlencoded %00 never passes the form reader; multipart carries the byte as it is.
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var tenant = await hub.CreateTenantAsync("Acme");
        using var root = await hub.SignInAsync();
        var page = await root.GetAsync("/tenants");
        var token = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(page.Html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value);
        async Task<Answer> PostAsync(PortalClient portal, string path, params (string Name, string Value)[] fields)
        {
            using var form = new MultipartFormDataContent();
            form.Add(new StringContent(token), "__RequestVerificationToken");
            foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
            using var response = await portal.Http.PostAsync(new Uri(hub.BaseUri, path), form, Ct);
            return await ReadAsync(response);
        }
        var tenants = await PostAsync(root, "/tenants", ("name", "Evil\0Corp"));
        tenants.Status.ShouldBe(HttpStatusCode.BadRequest, tenants.ToString());
        (await hub.Services.GetRequiredService<TenantStore>().ListAsync(Ct)).Select(t => t.Name).ShouldBe(["Acme"]);
        var admin = await PostAsync(root, $"/tenants/{tenant.Id}/admins", ("email", "evil\0@hub.example"), ("password", "long-enough-password"));
        admin.Status.ShouldBe(HttpStatusCode.BadRequest, admin.ToString());
        var app = await PostAsync(root, $"/tenants/{tenant.Id}/salesforce/custom-app", ("clientId", "key\0"), ("clientSecret", "secret"));
        app.Status.ShouldBe(HttpStatusCode.BadRequest, app.ToString());
        (await hub.Services.GetRequiredService<LinkStore>().GetTenantAppAsync(tenant.Id, Ct)).ShouldBeNull();
        var system = await PostAsync(root, "/system/salesforce-app", ("clientId", "key"), ("clientSecret", "sec\0ret"));
        system.Status.ShouldBe(HttpStatusCode.BadRequest, system.ToString());
        (await hub.Services.GetRequiredService<LinkStore>().GetSystemAppAsync(Ct))!.Value.ClientId.ShouldBe(ContactBridge.Emulator.Org.WellKnown.ClientId);

        using var visitor = new PortalClient(hub.BaseUri, hub.Emulator.BaseUri);
        var login = await visitor.GetAsync("/login");
        token = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(login.Html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value);
        var signIn = await PostAsync(visitor, "/login", ("email", TestHub.AdminEmail + "\0"), ("password", TestHub.Password));
        signIn.Status.ShouldBe(HttpStatusCode.Unauthorized, signIn.ToString());
        signIn.Text.ShouldContain("Wrong e-mail or password.");
    }
}
