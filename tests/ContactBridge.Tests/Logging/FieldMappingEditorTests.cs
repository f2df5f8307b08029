using System.Net;
using System.Text.Json;
using ContactBridge.Emulator.Org;
using ContactBridge.Logging;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Logging;

/// <summary>The field mapping editor, as a browser posts it: fields from the describe, checks on Save, channel overrides, and the preview.</summary>
public sealed class FieldMappingEditorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The test org, with custom Task fields: a long text, a short text, and a number.</summary>
    private static SeedFile Seed()
    {
        var seed = TestHub.Seed();
        seed.Orgs[0].CustomFields["Task"].AddRange(
        [
            new SeedField { Name = "Call_Notes__c", Type = "textarea", Length = 4000, Label = "Call Notes" },
            new SeedField { Name = "Short__c", Type = "string", Length = 20, Label = "Short" },
            new SeedField { Name = "Score__c", Type = "double", Label = "Score" },
        ]);
        return seed;
    }

    private static async Task<LoggingSettings> SavedAsync(TestHub hub, string tenantId) => await hub.Services.GetRequiredService<LoggingSettingsStore>().GetAsync(tenantId, Ct);

    private static string Json(LoggingSettings s) => JsonSerializer.Serialize(s, LoggingSettings.Json);

    /// <summary>The row of the page's form holding this object's field.</summary>
    private static int RowOf(string html, string obj, string field)
    {
        var rows = int.Parse(html.AttributeAt("input[name=rowCount]", "value")!, System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < rows; i++)
            if (html.AttributeAt($"input[name='r{i}.object']", "value") == obj && html.AttributeAt($"#r{i}-field option[selected]", "value") == field) return i;
        throw new ShouldAssertException($"No row maps {obj}.{field}");
    }

    [Fact]
    public async Task The_editor_offers_writable_text_fields_and_a_mapping_saved_in_it_is_written()
    {
        await using var hub = await TestHub.StartAsync(seed: Seed());
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/field-mapping");
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        var subject = RowOf(page.Html, "Task", "Subject");
        var offered = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(page.Html).QuerySelectorAll($"#r{subject}-field option").Select(o => o.GetAttribute("value")).ToList();
        offered.ShouldContain("Call_Notes__c");
        offered.ShouldContain("Description");
        offered.ShouldNotContain("Score__c", "a number cannot take a template");
        offered.ShouldNotContain("CallDurationInSeconds");
        offered.ShouldNotContain("IsClosed", "read-only");
        offered.ShouldNotContain("ContactBridge_Key__c", "the hub's own key");

        // Add a Task field (unsaved), pick Call Notes, insert a placeholder with the picker (without script: the server appends it), then save.
        page = await portal.SubmitFormAsync(page, "mapping-form", "#add-Task");
        page.Html.ShouldShowText("Not saved yet");
        var added = int.Parse(page.Html.AttributeAt("input[name=rowCount]", "value")!, System.Globalization.CultureInfo.InvariantCulture) - 1;
        page.Html.AttributeAt($"input[name='r{added}.object']", "value").ShouldBe("Task");
        page = await portal.SubmitFormAsync(page, "mapping-form", $"button[value='insert:{added}']", f => f.Set($"#r{added}-field", "Call_Notes__c")
            .Set($"#r{added}-template", "Queue ").Set($"#r{added}-placeholder", "queue"));
        page.Html.TextAt($"#r{added}-template").ShouldBe("Queue {queue}");
        page = await portal.SubmitFormAsync(page, "mapping-form", "#save-mapping", f => f.Set($"#r{added}-template", "Queue {queue}, agent {agent.name}"));
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        page.Html.TextAt("#notice").ShouldBe("Field mapping saved.");
        var saved = await SavedAsync(hub, tenant.Id);
        saved.FieldMapping["Task"]["Call_Notes__c"].ShouldBe("Queue {queue}, agent {agent.name}");
        saved.FieldMapping["Task"]["Subject"].ShouldBe(LogTemplates.Defaults()["Task"]["Subject"], "rows not touched stay");
        saved.FieldMapping.Keys.Order(StringComparer.Ordinal).ShouldBe(["Case", "Contact", "Lead", "Task"]);

        // Removing a row removes the field from the mapping.
        var reloaded = await portal.GetAsync($"/tenants/{tenant.Id}/field-mapping");
        reloaded.Html.TextAt($"#r{RowOf(reloaded.Html, "Task", "Call_Notes__c")}-template").ShouldBe("Queue {queue}, agent {agent.name}");
        var caseRow = RowOf(reloaded.Html, "Case", "Description");
        var removed = await portal.SubmitFormAsync(reloaded, "mapping-form", $"button[value='remove:{caseRow}']");
        removed = await portal.SubmitFormAsync(removed, "mapping-form", "#save-mapping");
        removed.Status.ShouldBe(HttpStatusCode.OK, removed.Html);
        (await SavedAsync(hub, tenant.Id)).FieldMapping["Case"].Keys.ShouldBe(["Subject"]);

        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-notes", phone: "+1 415 555 7171"));
        await hub.RunPipelineAsync();
        hub.Records("Task").ShouldHaveSingleItem().GetString("Call_Notes__c").ShouldBe("Queue Support, agent Ada Agent");
    }

    [Fact]
    public async Task A_channel_override_is_edited_on_its_own_page_and_the_preview_shows_what_it_inherits()
    {
        await using var hub = await TestHub.StartAsync(seed: Seed());
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/field-mapping?channel=web_chat");
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        page.Html.AttributeAt("input[name=rowCount]", "value").ShouldBe("0");
        page.Html.TextAt("#preview tr[data-field='Task.Description'] .inherited").ShouldBe("(all channels)");
        page = await portal.SubmitFormAsync(page, "mapping-form", "#add-Task");
        page = await portal.SubmitFormAsync(page, "mapping-form", "#save-mapping", f => f.Set("#r0-field", "Subject").Set("#r0-template", "Chat {interaction.id}"));
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        var saved = await SavedAsync(hub, tenant.Id);
        saved.ChannelFieldMapping["web_chat"]["Task"]["Subject"].ShouldBe("Chat {interaction.id}");
        saved.FieldMapping["Task"]["Subject"].ShouldBe(LogTemplates.Defaults()["Task"]["Subject"]);
        // The preview renders the override against a sample chat, and still the inherited description.
        page.Html.TextAt("#preview tr[data-field='Task.Subject'] pre").ShouldBe("Chat SAMPLE-0001");
        page.Html.TextAt("#preview tr[data-field='Task.Subject'] .inherited").ShouldBe("");
        page.Html.TextAt("#preview tr[data-field='Task.Description'] pre")!.ShouldContain("Hello, where is my parcel?");

        // Removing the last override removes the channel.
        page = await portal.SubmitFormAsync(page, "mapping-form", "button[value='remove:0']");
        page = await portal.SubmitFormAsync(page, "mapping-form", "#save-mapping");
        (await SavedAsync(hub, tenant.Id)).ChannelFieldMapping.ShouldNotContainKey("web_chat");
        (await portal.GetAsync($"/tenants/{tenant.Id}/field-mapping?channel=fax")).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_mappings_are_refused_inline_with_the_reason_and_the_saved_mapping_stays()
    {
        await using var hub = await TestHub.StartAsync(seed: Seed());
        var tenant = await hub.LinkedTenantAsync();
        var other = await hub.CreateTenantAsync("Other Co");
        using var portal = await hub.SignInAsync();
        var before = Json(await SavedAsync(hub, tenant.Id));
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/field-mapping");
        var row = RowOf(page.Html, "Task", "Subject");
        var field = $"#r{row}-field";
        var template = $"#r{row}-template";
        var cases = new (string Name, Action<AngleSharp.Html.Dom.IHtmlFormElement> Edit, string Input, string Message)[]
        {
            ("a field not in the describe", f => f.Set(field, "Shoe__c"), $"r{row}-field", "Task has no field Shoe__c."),
            ("a number field", f => f.Set(field, "Score__c"), $"r{row}-field", "Task.Score__c is a double field; only text fields can take a template."),
            ("a read-only field", f => f.Set(field, "IsClosed"), $"r{row}-field", "Task.IsClosed is read-only for the linked user."),
            ("the hub's key", f => f.Set(field, "ContactBridge_Key__c"), $"r{row}-field", "ContactBridge_Key__c is the hub's own key on Task; it cannot be mapped."),
            ("a field mapped twice", f => f.Set(field, "Description"), $"r{RowOf(page.Html, "Task", "Description")}-field", "Task.Description is mapped twice; keep one row."),
            ("an unknown placeholder", f => f.Set(template, "{channel} {nonsense}"), $"r{row}-template", "Unknown placeholder {nonsense}: pick placeholders from the list."),
            ("fixed text too long", f => f.Set(field, "Short__c").Set(template, new string('z', 30)), $"r{row}-template", "The text is 30 characters; Task.Short__c holds 20."),
            ("an empty template", f => f.Set(template, "  "), $"r{row}-template", "Write a template for Task.Subject, or remove the row."),
            ("a control character", f => f.Set(template, "a\u0001b"), $"r{row}-template", "The template holds a control character; only line breaks and tabs may be typed."),
        };
        foreach (var (name, edit, input, message) in cases)
        {
            var refused = await portal.SubmitFormAsync(page, "mapping-form", "#save-mapping", edit);
            refused.Status.ShouldBe(HttpStatusCode.BadRequest, name);
            refused.Html.TextAt($"#{input}-error").ShouldBe(message, name);
            refused.Html.AttributeAt($"#{input}", "aria-invalid").ShouldBe("true", name);
            refused.Html.ShouldShowText("Nothing was saved");
            Json(await SavedAsync(hub, tenant.Id)).ShouldBe(before, name);
        }
        var tampered = await portal.SubmitFormAsync(page, "mapping-form", "#save-mapping", f => f.Set("input[name=tenantId]", other.Id).Set(template, "Other {channel}"));
        tampered.Status.ShouldBe(HttpStatusCode.BadRequest);
        tampered.Html.ShouldShowText("This form was not made for this tenant, so nothing was saved.");
        Json(await SavedAsync(hub, tenant.Id)).ShouldBe(before);
        Json(await SavedAsync(hub, other.Id)).ShouldBe(Json(new LoggingSettings()));
        // Another tenant's editor answers 404 to a tenant admin.
        await hub.CreateTenantAdminAsync("mine@acme.example", tenant);
        using var mine = await hub.SignInAsync("mine@acme.example");
        (await mine.GetAsync($"/tenants/{other.Id}/field-mapping")).Status.ShouldBe(HttpStatusCode.NotFound);
        (await mine.GetAsync($"/tenants/{other.Id}/identification")).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_preview_renders_a_recent_interaction_and_shows_where_a_value_is_cut()
    {
        await using var hub = await TestHub.StartAsync(seed: Seed());
        var tenant = await hub.LinkedTenantAsync();
        using (var sender = await EventSender.ForAsync(hub, tenant.Id))
        {
            await sender.AcceptAsync(sender.Interaction("call-recent", phone: "+1 415 555 7272", name: "Recent Caller"));
            await hub.RunPipelineAsync();
        }
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/field-mapping?sample=call-recent");
        page.Html.AttributeAt("#sample option[selected]", "value").ShouldBe("call-recent");
        page = await portal.SubmitFormAsync(page, "mapping-form", "#add-Task");
        var added = int.Parse(page.Html.AttributeAt("input[name=rowCount]", "value")!, System.Globalization.CultureInfo.InvariantCulture) - 1;
        page = await portal.SubmitFormAsync(page, "mapping-form", "#preview-button", f => f.Set($"#r{added}-field", "Short__c").Set($"#r{added}-template", "{caller.name} called {queue}"));
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        var cut = "#preview tr[data-field='Task.Short__c']";
        page.Html.AttributeAt(cut, "class").ShouldBe("cut");
        // The field holds 20: 19 characters and a short cut mark ("…") are written; what is left out is struck through.
        page.Html.TextAt($"{cut} pre").ShouldBe("Recent Caller called Support");
        page.Html.TextAt($"{cut} del").ShouldBe("d Support");
        page.Html.TextAt($"{cut} .length")!.ShouldStartWith("28 characters; the field holds 20: cut after 19");
        page.Html.TextAt("#preview-sample")!.ShouldContain("call-recent");

        // The live preview (the page's script posts the form as typed) answers the same fragment, for this tenant only.
        var token = page.Html.AttributeAt("input[name=__RequestVerificationToken]", "value")!;
        var fields = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["tenantId"] = tenant.Id, ["scope"] = "", ["rowCount"] = "1", ["r0.object"] = "Task", ["r0.field"] = "Subject",
            ["r0.template"] = "Hi {caller.name}", ["sample"] = "call-recent",
        };
        var live = await portal.PostAsync($"/tenants/{tenant.Id}/field-mapping/preview", fields);
        live.Status.ShouldBe(HttpStatusCode.OK, live.Html);
        live.Html.ShouldNotContain("<html");
        live.Html.TextAt("tr[data-field='Task.Subject'] pre").ShouldBe("Hi Recent Caller");
        fields["tenantId"] = (await hub.CreateTenantAsync("Other Co")).Id;
        (await portal.PostAsync($"/tenants/{tenant.Id}/field-mapping/preview", fields)).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Saving_keeps_what_the_editor_does_not_show_and_a_channel_may_blank_a_field()
    {
        await using var hub = await TestHub.StartAsync(seed: Seed());
        var tenant = await hub.LinkedTenantAsync();
        var store = hub.Services.GetRequiredService<LoggingSettingsStore>();
        // Saved through the API: an Account mapping (not an object the editor shows) and a voice override.
        var api = new LoggingSettings
        {
            FieldMapping = new(LogTemplates.Defaults()) { ["Account"] = new() { ["Description"] = "Caller of {channel}" } },
            ChannelFieldMapping = new() { ["voice"] = new() { ["Task"] = new() { ["Subject"] = "Voice {interaction.id}" } } },
        };
        await store.SaveAsync(tenant.Id, api, Ct);
        using var portal = await hub.SignInAsync();

        // The all-channel page saves its Task subject; the Account mapping and the voice override stay.
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/field-mapping");
        page = await portal.SubmitFormAsync(page, "mapping-form", "#save-mapping", f => f.Set($"#r{RowOf(page.Html, "Task", "Subject")}-template", "All {channel}"));
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        var saved = await SavedAsync(hub, tenant.Id);
        saved.FieldMapping["Task"]["Subject"].ShouldBe("All {channel}");
        saved.FieldMapping["Account"]["Description"].ShouldBe("Caller of {channel}");
        saved.ChannelFieldMapping["voice"]["Task"]["Subject"].ShouldBe("Voice {interaction.id}");

        // A chat override may be empty: chats then leave the description blank. On all channels an empty template is refused.
        var chat = await portal.GetAsync($"/tenants/{tenant.Id}/field-mapping?channel=web_chat");
        chat = await portal.SubmitFormAsync(chat, "mapping-form", "#add-Task");
        chat = await portal.SubmitFormAsync(chat, "mapping-form", "#save-mapping", f => f.Set("#r0-field", "Description").Set("#r0-template", ""));
        chat.Status.ShouldBe(HttpStatusCode.OK, chat.Html);
        (await SavedAsync(hub, tenant.Id)).ChannelFieldMapping["web_chat"]["Task"]["Description"].ShouldBe("");
        (await SavedAsync(hub, tenant.Id)).ChannelFieldMapping["voice"]["Task"]["Subject"].ShouldBe("Voice {interaction.id}");

        // A template too big to render is refused and not previewed; the page still answers at once.
        var big = string.Concat(Enumerable.Repeat("{summary}", FieldMappingEditor.MaxPlaceholders + 1));
        var refused = await portal.SubmitFormAsync(page, "mapping-form", "#save-mapping", f => f.Set($"#r{RowOf(page.Html, "Task", "Subject")}-template", big));
        refused.Status.ShouldBe(HttpStatusCode.BadRequest);
        refused.Html.TextAt($"#r{RowOf(page.Html, "Task", "Subject")}-template-error").ShouldBe($"The template holds {FieldMappingEditor.MaxPlaceholders + 1} placeholders; use at most {FieldMappingEditor.MaxPlaceholders}.");
        refused.Html.TextAt("#preview tr[data-field='Task.Subject'] .field-error")!.ShouldStartWith("Not previewed");

        // Without the antiforgery token, nothing is saved or previewed.
        var before = Json(await SavedAsync(hub, tenant.Id));
        foreach (var path in new[] { "field-mapping", "field-mapping/preview", "identification" })
        {
            var forged = await portal.PostAsync($"/tenants/{tenant.Id}/{path}", new Dictionary<string, string>
            {
                ["tenantId"] = tenant.Id, ["scope"] = "", ["rowCount"] = "0", ["objectCount"] = "0", ["ivrCount"] = "0", ["action"] = "save",
            });
            forged.Status.ShouldBe(HttpStatusCode.BadRequest, path);
        }
        Json(await SavedAsync(hub, tenant.Id)).ShouldBe(before);
    }
}
