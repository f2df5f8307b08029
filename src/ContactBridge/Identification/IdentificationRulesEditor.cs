using System.Globalization;
using ContactBridge.Logging;
using ContactBridge.Web;

namespace ContactBridge.Identification;

/// <summary>
/// The portal's identification rules editor (/tenants/{id}/identification): the objects searched in order
/// with their phone and e-mail fields, IVR rules, the several-matches rule and the default country, all
/// chosen from the linked org's describe. Add, remove and reorder post the form back unsaved, so every step
/// works with the keyboard alone and without script; only Save stores, after checking every choice.
/// </summary>
public static class IdentificationRulesEditor
{
    /// <summary>The objects a caller can be found in.</summary>
    public static readonly string[] Objects = ["Contact", "Lead", "Account"];

    public const int MaxObjects = 10;
    public const int MaxIvrRules = 200;

    /// <summary>The objects whose fields the page offers: the three that identify callers, and any other an IVR rule looks up (saved through the API).</summary>
    public static IReadOnlyList<string> DescribedObjects(IdentificationRules rules) =>
        Objects.Concat(rules.IvrRules.Select(r => r.Object).Where(LoggingEndpoints.IsApiName)).Distinct(StringComparer.Ordinal).ToList();

    public static void MapIdentificationRulesEditor(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("/tenants/{tenantId}").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery();
        portal.MapGet("/identification", ShowAsync);
        portal.MapPost("/identification", PostAsync);
        portal.MapPost("/identification/caller-index/reload", ReloadIndexAsync);
    }

    /// <summary>"Load it again now", on a set-aside caller index: once what set it aside is fixed, no need to wait for the next try.</summary>
    private static async Task<IResult> ReloadIndexAsync(HttpContext c, string tenantId, IFormCollection f, LoggingSettingsStore store, CallerIndexes indexes)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.NotFoundPage();
        var rules = (await store.GetAsync(tenantId, c.RequestAborted)).Identification;
        if (f["tenantId"].ToString() != tenantId)
            return await RenderAsync(c, tenant, rules, [], null, "This form was not made for this tenant, so nothing was done. Reload the page and try again.", false);
        return await indexes.RetryNowAsync(tenantId, c.RequestAborted)
            ? await RenderAsync(c, tenant, rules, [], "The caller index is being loaded again.", null, false)
            : await RenderAsync(c, tenant, rules, [], null, "The caller index is not set aside on this hub instance (it is ready or already loading), so there is nothing to load again.", false);
    }

    private static async Task<IResult> ShowAsync(HttpContext c, string tenantId, LoggingSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.NotFoundPage();
        var saved = await store.GetAsync(tenantId, c.RequestAborted);
        return await RenderAsync(c, tenant, saved.Identification, new Dictionary<string, string>(), null, null, false);
    }

    private static async Task<IResult> RenderAsync(HttpContext c, Tenants.Tenant tenant, IdentificationRules rules, Dictionary<string, string> errors, string? ok, string? error,
        bool unsaved, OrgFields? org = null)
    {
        org ??= await OrgFields.LoadAsync(c, tenant.Id, DescribedObjects(rules));
        return PortalPage.Render<IdentificationRulesPage>(new
        {
            Tenant = tenant, Rules = rules, Org = org, Errors = errors, Ok = ok, Error = error, Unsaved = unsaved,
            Index = c.RequestServices.GetRequiredService<CallerIndexes>().StatusOf(tenant.Id),
            c.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<CallerIndexOptions>>().Value.RetryDelay,
        }, errors.Count > 0 || error is not null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    private static async Task<IResult> PostAsync(HttpContext c, string tenantId, IFormCollection f, LoggingSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.NotFoundPage();
        var current = await store.GetAsync(tenantId, c.RequestAborted);
        if (f["tenantId"].ToString() != tenantId)
            return await RenderAsync(c, tenant, current.Identification, [], null, "This form was not made for this tenant, so nothing was saved. Reload the page and edit again.", false);
        var (draft, formErrors) = Read(f);
        if (formErrors.Count > 0)
            return await RenderAsync(c, tenant, current.Identification, formErrors, null, "The form could not be read, so nothing was saved. Reload the page and edit again.", false);
        var action = f["action"].ToString();
        var save = action is "save" or "";
        var org = await OrgFields.LoadAsync(c, tenantId, DescribedObjects(draft), fresh: save);
        if (!save)
        {
            draft = Apply(action, draft, f["newObject"].ToString(), org);
            return await RenderAsync(c, tenant, draft, [], null, null, true, org);
        }
        if (!org.Known) return await RenderAsync(c, tenant, draft, [], null, $"Nothing was saved. {org.Problem}", true, org);
        var errors = Check(draft, org);
        if (errors.Count > 0) return await RenderAsync(c, tenant, draft, errors, null, $"Nothing was saved: {string.Join(" ", errors.Values.Distinct())}", true, org);
        // Read again just before saving: another page may have saved the mode or the mapping while the org was being described.
        var settings = await store.GetAsync(tenantId, c.RequestAborted) with { Identification = draft };
        var problems = LoggingEndpoints.ShapeProblems(settings);
        if (problems.Count == 0) problems.AddRange(settings.Problems());
        if (problems.Count > 0) return await RenderAsync(c, tenant, draft, [], null, $"Nothing was saved: {string.Join(" ", problems)}", true, org);
        await store.SaveAsync(tenantId, settings, c.RequestAborted);
        return await RenderAsync(c, tenant, (await store.GetAsync(tenantId, c.RequestAborted)).Identification, [], "Identification rules saved.", null, false, org);
    }

    /// <summary>The rules as posted. Values are taken as they come (the checks say what is wrong); a form that cannot be the editor's gives errors.</summary>
    public static (IdentificationRules Rules, Dictionary<string, string> Errors) Read(IFormCollection f)
    {
        var errors = new Dictionary<string, string>();
        int Count(string name, int max)
        {
            if (int.TryParse(f[name].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= max) return n;
            errors[name] = $"{name} must be a number from 0 to {max}.";
            return 0;
        }
        static List<string> Values(Microsoft.Extensions.Primitives.StringValues v) => v.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).Distinct(StringComparer.Ordinal).ToList();
        var objects = Enumerable.Range(0, Count("objectCount", MaxObjects))
            .Select(i => new ObjectRule(f[$"o{i}.object"].ToString(), Values(f[$"o{i}.phone"]), Values(f[$"o{i}.email"]))).ToList();
        var ivr = Enumerable.Range(0, Count("ivrCount", MaxIvrRules)).Select(i =>
        {
            var target = f[$"v{i}.target"].ToString();
            var dot = target.IndexOf('.', StringComparison.Ordinal);
            return new IvrRule(f[$"v{i}.key"].ToString().Trim(), dot < 0 ? target : target[..dot], dot < 0 ? "" : target[(dot + 1)..]);
        }).ToList();
        return (new IdentificationRules
        {
            DefaultCountry = f["defaultCountry"].ToString().Trim().ToUpperInvariant(), WhenSeveral = f["whenSeveral"].ToString(), Objects = objects, IvrRules = ivr,
            ScreenPopUrl = f["screenPopUrl"].ToString().Trim() is { Length: > 0 } url ? url : null,
            ScreenPopUrlWhen = f["screenPopUrlWhen"].ToString() is { Length: > 0 } when ? when : "no_match",
            CallerIndex = f["callerIndex"].ToString() == "true",
        }, errors);
    }

    /// <summary>One editing step, unsaved: add, remove or move an object; add or remove an IVR rule.</summary>
    public static IdentificationRules Apply(string action, IdentificationRules rules, string newObject, OrgFields org)
    {
        var objects = rules.Objects.ToList();
        var ivr = rules.IvrRules.ToList();
        var (verb, index) = action.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
            && int.TryParse(action[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? (action[..colon], i) : (action, -1);
        switch (verb)
        {
            case "up" when index > 0 && index < objects.Count:
                (objects[index - 1], objects[index]) = (objects[index], objects[index - 1]);
                break;
            case "down" when index >= 0 && index < objects.Count - 1:
                (objects[index + 1], objects[index]) = (objects[index], objects[index + 1]);
                break;
            case "remove" when index >= 0 && index < objects.Count:
                objects.RemoveAt(index);
                break;
            case "add-object" when Objects.Contains(newObject) && objects.All(o => o.Object != newObject) && objects.Count < MaxObjects:
                // A new object starts with every phone and e-mail field the org has on it; the admin unticks what should not match.
                objects.Add(new ObjectRule(newObject, org.Choices(newObject, f => f.Type == "phone").Select(x => x.Name).ToList(),
                    org.Choices(newObject, f => f.Type == "email").Select(x => x.Name).ToList()));
                break;
            case "add-ivr" when ivr.Count < MaxIvrRules:
                ivr.Add(new IvrRule("", "", ""));
                break;
            case "remove-ivr" when index >= 0 && index < ivr.Count:
                ivr.RemoveAt(index);
                break;
        }
        return rules with { Objects = objects, IvrRules = ivr };
    }

    /// <summary>Every choice against the org's describe, keyed by the input it belongs to (its id), with the reason.</summary>
    public static Dictionary<string, string> Check(IdentificationRules rules, OrgFields org)
    {
        var errors = new Dictionary<string, string>();
        if (!PhoneNumbers.IsKnownCountry(rules.DefaultCountry))
            errors["defaultCountry"] = $"\"{rules.DefaultCountry}\" is not a country the phone library knows; choose one from the list.";
        if (rules.WhenSeveral is not ("screen_pop_search" or "most_recent")) errors["whenSeveral"] = "Choose what happens when several records match from the list.";
        if (ScreenPopTemplate.Problem(rules.ScreenPopUrl) is { } popProblem) errors["screenPopUrl"] = popProblem;
        if (rules.ScreenPopUrlWhen is not ("no_match" or "always")) errors["screenPopUrlWhen"] = "Choose when the custom screen pop is used from the list.";
        if (rules.Objects.Count == 0 && rules.IvrRules.Count == 0) errors["newObject"] = "Search at least one object, or add an IVR rule: otherwise no caller is ever identified.";
        for (var i = 0; i < rules.Objects.Count; i++)
        {
            var rule = rules.Objects[i];
            if (!Objects.Contains(rule.Object))
            {
                errors[$"o{i}"] = $"{rule.Object} cannot identify a caller; use {string.Join(", ", Objects)}.";
                continue;
            }
            if (rules.Objects.Take(i).Any(o => o.Object == rule.Object)) errors[$"o{i}"] = $"{rule.Object} is searched twice; remove one.";
            if (rule.PhoneFields.Count + rule.EmailFields.Count == 0) errors[$"o{i}"] = $"Choose at least one phone or e-mail field of {rule.Object}, or remove it.";
            string? Wrong(string field, string type, string what)
            {
                if (org.Field(rule.Object, field) is not { } f)
                    // Person Account fields exist only where Person Accounts are enabled; the default rules name them and they are skipped elsewhere.
                    return field.StartsWith("Person", StringComparison.Ordinal) && LoggingEndpoints.IsApiName(field) ? null : $"{rule.Object} has no field {field}.";
                return f.Type == type ? null : $"{rule.Object}.{field} is a {f.Type} field; only {what} fields can be matched here.";
            }
            var phone = rule.PhoneFields.Select(p => Wrong(p, "phone", "phone")).FirstOrDefault(p => p is not null);
            if (phone is not null) errors[$"o{i}-phone"] = phone;
            var email = rule.EmailFields.Select(p => Wrong(p, "email", "e-mail")).FirstOrDefault(p => p is not null);
            if (email is not null) errors[$"o{i}-email"] = email;
        }
        for (var i = 0; i < rules.IvrRules.Count; i++)
        {
            var rule = rules.IvrRules[i];
            if (!IvrRule.IsKey(rule.IvrKey))
                errors[$"v{i}-key"] = rule.IvrKey.Length == 0 ? "Give the IVR key the contact center sends (such as account_number)."
                    : $"\"{rule.IvrKey}\" cannot be an IVR key: use letters, digits, _ . or - (no spaces), at most 64.";
            else if (rules.IvrRules.Take(i).Any(r => r.IvrKey == rule.IvrKey)) errors[$"v{i}-key"] = $"The IVR key {rule.IvrKey} has two rules; keep one.";
            if (rule.Object.Length == 0 || !org.Shapes.ContainsKey(rule.Object)) errors[$"v{i}-target"] = "Choose the field the IVR value is looked up in.";
            else if (org.Field(rule.Object, rule.Field) is not { } f) errors[$"v{i}-target"] = $"{rule.Object} has no field {rule.Field}.";
            else if (!OrgFields.IvrTypes.Contains(f.Type)) errors[$"v{i}-target"] = $"{rule.Object}.{rule.Field} is a {f.Type} field; an IVR value can only be compared with a text, phone, e-mail or id field.";
        }
        return errors;
    }
}
