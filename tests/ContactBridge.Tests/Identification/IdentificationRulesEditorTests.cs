using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Identification;
using ContactBridge.Logging;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Identification;

/// <summary>The identification rules editor, as a browser posts it: choices come from the org's describe, steps are unsaved until Save, and bad choices are refused inline.</summary>
public sealed class IdentificationRulesEditorTests
{
    private static readonly string[] ContactPhones = ["Phone", "MobilePhone", "HomePhone", "OtherPhone", "AssistantPhone"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The test org, with custom fields on Contact: a phone, an e-mail and a text field.</summary>
    private static SeedFile Seed()
    {
        var seed = TestHub.Seed();
        seed.Orgs[0].CustomFields["Contact"].AddRange(
        [
            new SeedField { Name = "Pager_Phone__c", Type = "phone", Label = "Pager Phone" },
            new SeedField { Name = "Work_Email__c", Type = "email", Label = "Work Email" },
            new SeedField { Name = "Nickname__c", Type = "string", Length = 40, Label = "Nickname" },
        ]);
        return seed;
    }

    private static Task<IdentificationRules> SavedAsync(TestHub hub, string tenantId) =>
        hub.Services.GetRequiredService<LoggingSettingsStore>().GetAsync(tenantId, Ct).ContinueWith(t => t.Result.Identification, Ct, TaskContinuationOptions.None, TaskScheduler.Default);

    private static string Json(IdentificationRules rules) => JsonSerializer.Serialize(rules, LoggingSettings.Json);

    [Fact]
    public async Task The_editor_offers_only_the_orgs_fields_of_the_right_type_custom_fields_included()
    {
        await using var hub = await TestHub.StartAsync(seed: Seed());
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/identification");
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        // Contact is searched first by default: its phone choices are the org's phone fields, the custom one included; no text field.
        page.Html.ShouldContain("id=\"o0-phone-Pager_Phone__c\"");
        page.Html.ShouldContain("Pager Phone (Pager_Phone__c)");
        page.Html.ShouldContain("id=\"o0-phone-MobilePhone\"");
        page.Html.ShouldNotContain("o0-phone-Nickname__c");
        page.Html.ShouldNotContain("o0-phone-Email\"");
        page.Html.ShouldContain("id=\"o0-email-Work_Email__c\"");
        page.Html.ShouldNotContain("o0-email-Phone\"");
        // The saved rules are ticked; a field not ticked is offered unticked.
        page.Html.ShouldMatch("id=\"o0-phone-MobilePhone\"[^>]*checked");
        page.Html.ShouldNotMatch("id=\"o0-phone-Pager_Phone__c\"[^>]*checked");
        // Every object can be identified by now, so none is left to add; the country list comes from the phone library.
        page.Html.ShouldNotContain("id=\"newObject\"");
        page.Html.ShouldContain("<option value=\"NG\">NG</option>");
    }

    [Fact]
    public async Task Objects_are_reordered_removed_and_added_unsaved_then_saved_and_they_take_effect()
    {
        await using var hub = await TestHub.StartAsync(seed: Seed());
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        var before = Json(await SavedAsync(hub, tenant.Id));
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/identification");

        // Move Lead above Contact, then remove Account: each step comes back unsaved.
        page = await portal.SubmitFormAsync(page, "rules-form", "button[value='up:1']");
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        page.Html.ShouldShowText("Not saved yet");
        page.Html.IndexOf("<legend>Lead</legend>", StringComparison.Ordinal).ShouldBeLessThan(page.Html.IndexOf("<legend>Contact</legend>", StringComparison.Ordinal));
        page = await portal.SubmitFormAsync(page, "rules-form", "button[value='remove:2']");
        page.Html.ShouldNotContain("<legend>Account</legend>");
        Json(await SavedAsync(hub, tenant.Id)).ShouldBe(before, "steps are not saved");

        // Account can be added back; it comes with every phone and e-mail field the org has on it.
        page = await portal.SubmitFormAsync(page, "rules-form", "#add-object", f => f.Set("#newObject", "Account"));
        page.Html.ShouldContain("<legend>Account</legend>");
        page.Html.ShouldMatch("id=\"o2-phone-Phone\"[^>]*checked");
        page = await portal.SubmitFormAsync(page, "rules-form", "button[value='remove:2']");

        // Contact (now second) matches only the custom pager number; an IVR rule looks the account number up first.
        page = await portal.SubmitFormAsync(page, "rules-form", "#add-ivr");
        // A custom screen pop that is neither a Salesforce path nor https is refused, with what it may be.
        var refused = await portal.SubmitFormAsync(page, "rules-form", "#save-rules", f => f.Set("#screenPopUrl", "javascript:alert(1)//{caller.phone}"));
        refused.Html.ShouldShowText("The screen pop URL is a Salesforce path (starting with /, such as /apex/CallerLookup?ani={caller.phone}) or an https:// address.");
        refused = await portal.SubmitFormAsync(page, "rules-form", "#save-rules", f => f.Set("#screenPopUrl", "/apex/Lookup?x={caller.secret}"));
        refused.Html.ShouldShowText("Unknown placeholder(s): {caller.secret}.");
        page = await portal.SubmitFormAsync(page, "rules-form", "#save-rules", f =>
        {
            foreach (var box in ContactPhones) f.Check($"#o1-phone-{box}", false);
            f.Check("#o1-phone-Pager_Phone__c").Check("#o1-email-Email", false).Check("#o1-email-Work_Email__c");
            f.Set("#v0-key", "account_number").Set("#v0-target", "Account.AccountNumber").Set("#whenSeveral", "most_recent").Set("#defaultCountry", "NG");
            f.Set("#screenPopUrl", "https://crm.example/lookup?ani={caller.phone}&acct={ivr.account_number}").Set("#screenPopUrlWhen", "no_match");
        });
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        page.Html.ShouldShowText("Identification rules saved.");
        var saved = await SavedAsync(hub, tenant.Id);
        saved.Objects.Select(o => o.Object).ShouldBe(["Lead", "Contact"]);
        saved.Objects[1].PhoneFields.ShouldBe(["Pager_Phone__c"]);
        saved.Objects[1].EmailFields.ShouldBe(["Work_Email__c"]);
        saved.IvrRules.ShouldHaveSingleItem().ShouldBe(new IvrRule("account_number", "Account", "AccountNumber"));
        (saved.WhenSeveral, saved.DefaultCountry).ShouldBe(("most_recent", "NG"));
        (saved.ScreenPopUrl, saved.ScreenPopUrlWhen).ShouldBe(("https://crm.example/lookup?ani={caller.phone}&acct={ivr.account_number}", "no_match"));

        // Reloaded, the page shows what was saved.
        var again = await portal.GetAsync($"/tenants/{tenant.Id}/identification");
        again.Html.ShouldMatch("id=\"o1-phone-Pager_Phone__c\"[^>]*checked");
        again.Html.ShouldNotMatch("id=\"o1-phone-Phone\"[^>]*checked");
        again.Html.ShouldContain("value=\"account_number\"");
        again.Html.ShouldContain("<option value=\"Account.AccountNumber\" selected");

        // The hub now identifies by the pager number only: a caller on a contact's office number is not found, one on its pager is.
        hub.CreateRecord("Contact", new JsonObject { ["LastName"] = "Office", ["Phone"] = "+234 803 555 0101", ["Pager_Phone__c"] = "+234 803 555 0202" });
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync([.. sender.Interaction("call-office", phone: "0803 555 0101"), .. sender.Interaction("call-pager", phone: "0803 555 0202")]);
        await hub.RunPipelineAsync();
        var interactions = hub.Services.GetRequiredService<ContactBridge.Interactions.InteractionStore>();
        (await interactions.GetAsync(tenant.Id, "call-office", Ct))!.ParsedIdentification!.Outcome.ShouldBe(IdentificationResult.None);
        var pager = (await interactions.GetAsync(tenant.Id, "call-pager", Ct))!.ParsedIdentification!;
        pager.Outcome.ShouldBe(IdentificationResult.One);
        pager.Matches[0].Object.ShouldBe("Contact");
    }

    [Fact]
    public async Task Bad_choices_are_refused_inline_with_the_reason_and_the_saved_rules_stay()
    {
        await using var hub = await TestHub.StartAsync(seed: Seed());
        var tenant = await hub.LinkedTenantAsync();
        var other = await hub.CreateTenantAsync("Other Co");
        using var portal = await hub.SignInAsync();
        var before = Json(await SavedAsync(hub, tenant.Id));
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/identification");
        page = await portal.SubmitFormAsync(page, "rules-form", "#add-ivr");

        var cases = new (string Name, Action<AngleSharp.Html.Dom.IHtmlFormElement> Edit, string Input, string Message)[]
        {
            ("a field not in the describe", f => f.Set("#v0-key", "acct").Set("#v0-target", "Account.AccountNumber").Check("#o0-phone-Phone").Set("#o0-phone-Phone", "Pager"),
                "o0-phone", "Contact has no field Pager."),
            ("a text field as a phone field", f => f.Set("#v0-key", "acct").Set("#v0-target", "Account.AccountNumber").Set("#o0-phone-Phone", "Nickname__c"),
                "o0-phone", "Contact.Nickname__c is a string field; only phone fields can be matched here."),
            ("an IVR key with spaces", f => f.Set("#v0-key", "account number").Set("#v0-target", "Account.AccountNumber"),
                "v0-key", "\"account number\" cannot be an IVR key: use letters, digits, _ . or - (no spaces), at most 64."),
            ("an IVR field the org lacks", f => f.Set("#v0-key", "acct").Set("#v0-target", "Account.Nope"), "v0-target", "Account has no field Nope."),
            ("an IVR rule without a field", f => f.Set("#v0-key", "acct"), "v0-target", "Choose the field the IVR value is looked up in."),
            ("an object that cannot identify a caller", f => f.Set("#v0-key", "acct").Set("#v0-target", "Account.AccountNumber").Set("input[name='o2.object']", "Opportunity"),
                "o2", "Opportunity cannot identify a caller; use Contact, Lead, Account."),
            ("a country the phone library does not know", f => f.Set("#v0-key", "acct").Set("#v0-target", "Account.AccountNumber").Set("#defaultCountry", "UK"),
                "defaultCountry", "\"UK\" is not a country the phone library knows; choose one from the list."),
        };
        foreach (var (name, edit, input, message) in cases)
        {
            var refused = await portal.SubmitFormAsync(page, "rules-form", "#save-rules", edit);
            refused.Status.ShouldBe(HttpStatusCode.BadRequest, name);
            refused.Html.TextAt($"#{input}-error").ShouldBe(message, name);
            refused.Html.AttributeAt($"#{input}", "aria-describedby").ShouldBe($"{input}-error", name);
            refused.Html.ShouldShowText("Nothing was saved");
            Json(await SavedAsync(hub, tenant.Id)).ShouldBe(before, name);
        }

        // A form made for one tenant and posted to another's address (or the reverse) saves nothing.
        var tampered = await portal.SubmitFormAsync(page, "rules-form", "#save-rules", f => f.Set("#v0-key", "acct").Set("#v0-target", "Account.AccountNumber").Set("input[name=tenantId]", other.Id));
        tampered.Status.ShouldBe(HttpStatusCode.BadRequest);
        tampered.Html.ShouldShowText("This form was not made for this tenant, so nothing was saved.");
        Json(await SavedAsync(hub, tenant.Id)).ShouldBe(before);
        Json(await SavedAsync(hub, other.Id)).ShouldBe(Json(new IdentificationRules()));

        // The store refuses a country the library does not know whatever the caller; any case of a known one is kept upper case.
        var store = hub.Services.GetRequiredService<LoggingSettingsStore>();
        await Should.ThrowAsync<ArgumentException>(() => store.SaveAsync(tenant.Id, new LoggingSettings { Identification = new() { DefaultCountry = "XX" } }, Ct));
        var lower = await portal.SubmitFormAsync(page, "rules-form", "#save-rules", f => f.Set("#v0-key", "acct").Set("#v0-target", "Account.AccountNumber").Set("#defaultCountry", "ar"));
        lower.Status.ShouldBe(HttpStatusCode.OK, lower.Html);
        (await SavedAsync(hub, tenant.Id)).DefaultCountry.ShouldBe("AR");
    }

    [Fact]
    public async Task An_unlinked_tenant_sees_its_saved_rules_and_is_told_to_link_before_editing()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Not Linked Yet");
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/identification");
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        page.Html.ShouldShowText("This tenant is not linked to Salesforce, so the org's fields cannot be offered.");
        page.Html.ShouldContain("<fieldset class=\"editor\" disabled");
        page.Html.ShouldMatch("id=\"o0-phone-MobilePhone\"[^>]*checked");
        page.Html.ShouldContain("<legend>Lead</legend>");

        // A post anyway (the page's fieldset is disabled, so only a hand-made one) is refused and saves nothing.
        var posted = await portal.PostAsync($"/tenants/{tenant.Id}/identification", new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = page.Html.AttributeAt("input[name=__RequestVerificationToken]", "value")!, ["tenantId"] = tenant.Id, ["objectCount"] = "1",
            ["o0.object"] = "Contact", ["o0.phone"] = "Phone", ["ivrCount"] = "0", ["whenSeveral"] = "most_recent", ["defaultCountry"] = "US", ["action"] = "save",
        });
        posted.Status.ShouldBe(HttpStatusCode.BadRequest, posted.Html);
        posted.Html.ShouldShowText("Nothing was saved. This tenant is not linked to Salesforce");
        Json(await SavedAsync(hub, tenant.Id)).ShouldBe(Json(new IdentificationRules()));
    }

    [Fact]
    public async Task Rules_saved_through_the_api_are_shown_as_they_are_and_kept_by_each_step()
    {
        await using var hub = await TestHub.StartAsync(seed: Seed());
        var tenant = await hub.LinkedTenantAsync();
        var store = hub.Services.GetRequiredService<LoggingSettingsStore>();
        // A lower-case country and an IVR rule on Case, as the API takes them.
        await store.SaveAsync(tenant.Id, new LoggingSettings
        {
            Identification = new IdentificationRules { DefaultCountry = "gb", IvrRules = [new IvrRule("case_number", "Case", "CaseNumber")] },
        }, Ct);
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/identification");
        page.Html.AttributeAt("#defaultCountry option[selected]", "value").ShouldBe("GB");
        page.Html.AttributeAt("#v0-target option[selected]", "value").ShouldBe("Case.CaseNumber");

        // A step and a save leave both as they were.
        page = await portal.SubmitFormAsync(page, "rules-form", "button[value='down:0']");
        page.Html.AttributeAt("#v0-target option[selected]", "value").ShouldBe("Case.CaseNumber");
        page = await portal.SubmitFormAsync(page, "rules-form", "#save-rules");
        page.Status.ShouldBe(HttpStatusCode.OK, page.Html);
        var saved = await SavedAsync(hub, tenant.Id);
        saved.DefaultCountry.ShouldBe("GB");
        saved.IvrRules.ShouldBe([new IvrRule("case_number", "Case", "CaseNumber")]);
        saved.Objects.Select(o => o.Object).ShouldBe(["Lead", "Contact", "Account"]);

        // The API refuses an IVR key the editor refuses.
        await Should.ThrowAsync<ArgumentException>(() => store.SaveAsync(tenant.Id, new LoggingSettings
        {
            Identification = new IdentificationRules { IvrRules = [new IvrRule("account number", "Account", "AccountNumber")] },
        }, Ct));
    }
}
