using System.Globalization;
using ContactBridge.Interactions;
using ContactBridge.Tenants;
using ContactBridge.Web;

namespace ContactBridge.Logging;

/// <summary>One mapped field in the editor: which field of which object gets which template.</summary>
public sealed record MappingRow(string Object, string Field, string Template);

/// <summary>One mapped field rendered against an interaction: the value, and the field's length when the org gave it.</summary>
public sealed record PreviewRow(string Object, string Field, string Label, string Value, int MaxLength, bool Inherited)
{
    /// <summary>How long the rendered value is; <see cref="Value"/> holds at most <see cref="FieldMappingEditor.MaxPreviewLength"/> of it.</summary>
    public int FullLength { get; init; } = Value.Length;

    /// <summary>Why the template was not rendered (too long, too many placeholders), if it was not.</summary>
    public string? NotRendered { get; init; }

    /// <summary>How much of the value is written before the cut note (the whole value when it fits).</summary>
    public int Kept => LogTemplates.KeptLength(Value, MaxLength);

    public bool Cut => Kept < Value.Length;
}

/// <summary>What the preview renders against: a recent interaction of the tenant, or the built-in sample.</summary>
public sealed record PreviewSample(string Id, string Label);

/// <summary>
/// The portal's field mapping editor (/tenants/{id}/field-mapping[?channel=…]): per object, the fields
/// written and their templates, for all channels or one channel's overrides. Fields come from the org's
/// describe (writable text fields only); templates get a placeholder picker; a live preview renders
/// every mapped field against a sample or a recent interaction and shows where a value would be cut.
/// </summary>
public static class FieldMappingEditor
{
    public static readonly string[] Objects = ["Lead", "Contact", "Case", "Task"];

    public const string BuiltInSample = "sample";
    public const int MaxRows = 200;
    public const int MaxTemplateLength = 32_000;
    public const int MaxPlaceholders = 50;

    /// <summary>The most of a rendered value the preview shows: enough to see any field's cut, never a page of megabytes.</summary>
    public const int MaxPreviewLength = 40_000;

    public static void MapFieldMappingEditor(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("/tenants/{tenantId}").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery();
        portal.MapGet("/field-mapping", ShowAsync);
        portal.MapPost("/field-mapping", PostAsync);
        portal.MapPost("/field-mapping/preview", PreviewAsync);
    }

    /// <summary>The editor's state for one request: whose, which scope, the rows, and what the page says about them.</summary>
    private sealed record Draft(Tenant Tenant, string? Channel, List<MappingRow> Rows, string Sample);

    private static List<MappingRow> RowsOf(LoggingSettings settings, string? channel)
    {
        var mapping = channel is null ? settings.FieldMapping : settings.ChannelFieldMapping.GetValueOrDefault(channel) ?? [];
        return Objects.SelectMany(o => (mapping.GetValueOrDefault(o) ?? []).Select(f => new MappingRow(o, f.Key, f.Value))).ToList();
    }

    private static async Task<IResult> ShowAsync(HttpContext c, string tenantId, string? channel, string? sample, LoggingSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.NotFoundPage();
        if (channel is { Length: 0 }) channel = null;
        if (channel is not null && !LoggingSettings.Channels.Contains(channel))
            return PortalPage.Message("No such channel", $"There is no channel \"{channel}\"; choose one of {string.Join(", ", LoggingSettings.Channels)}.", 404, backTo: $"/tenants/{tenantId}/field-mapping");
        var saved = await store.GetAsync(tenantId, c.RequestAborted);
        return await RenderAsync(c, new Draft(tenant, channel, RowsOf(saved, channel), sample ?? BuiltInSample), saved, [], null, null, false);
    }

    private static async Task<IResult> RenderAsync(HttpContext c, Draft d, LoggingSettings saved, Dictionary<string, string> errors, string? ok, string? error, bool unsaved,
        OrgFields? org = null)
    {
        org ??= await OrgFields.LoadAsync(c, d.Tenant.Id, Objects);
        var (samples, state) = await SamplesAsync(c, d);
        return PortalPage.Render<FieldMappingPage>(new
        {
            d.Tenant, d.Channel, d.Rows, Org = org, Errors = errors, Ok = ok, Error = error, Unsaved = unsaved, KeyField = saved.KeyField,
            Samples = samples, Sample = state.InteractionId == SampleId ? BuiltInSample : state.InteractionId,
            Preview = Preview(d, saved, org, state),
        }, errors.Count > 0 || error is not null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    private static async Task<IResult> PostAsync(HttpContext c, string tenantId, IFormCollection f, LoggingSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.NotFoundPage();
        var saved = await store.GetAsync(tenantId, c.RequestAborted);
        var (draft, formError) = Read(tenant, f);
        if (formError is not null || f["tenantId"].ToString() != tenantId)
        {
            var shown = new Draft(tenant, draft.Channel, RowsOf(saved, draft.Channel), BuiltInSample);
            return await RenderAsync(c, shown, saved, [], null, formError ?? "This form was not made for this tenant, so nothing was saved. Reload the page and edit again.", false);
        }
        var action = f["action"].ToString();
        var save = action is "save" or "";
        var org = await OrgFields.LoadAsync(c, tenantId, Objects, fresh: save);
        if (!save) return await RenderAsync(c, Apply(action, draft, f, org, saved.KeyField), saved, [], null, null, true, org);
        if (!org.Known) return await RenderAsync(c, draft, saved, [], null, $"Nothing was saved. {org.Problem}", true, org);
        var errors = Check(draft.Rows, org, saved.KeyField, emptyAllowed: draft.Channel is not null);
        if (errors.Count > 0) return await RenderAsync(c, draft, saved, errors, null, $"Nothing was saved: {string.Join(" ", errors.Values.Distinct())}", true, org);
        // Read again just before saving: another page may have saved while the org was being described.
        saved = await store.GetAsync(tenantId, c.RequestAborted);
        var mapping = Objects.Where(o => draft.Rows.Any(r => r.Object == o))
            .ToDictionary(o => o, o => draft.Rows.Where(r => r.Object == o).ToDictionary(r => r.Field, r => r.Template, StringComparer.Ordinal), StringComparer.Ordinal);
        // Objects the editor does not show (mapped through the API) stay as they were.
        void KeepOthers(Dictionary<string, Dictionary<string, string>>? before)
        {
            foreach (var (obj, fields) in before ?? [])
                if (!Objects.Contains(obj)) mapping[obj] = fields;
        }
        LoggingSettings settings;
        if (draft.Channel is null)
        {
            KeepOthers(saved.FieldMapping);
            settings = saved with { FieldMapping = mapping };
        }
        else
        {
            KeepOthers(saved.ChannelFieldMapping.GetValueOrDefault(draft.Channel));
            var channels = new Dictionary<string, Dictionary<string, Dictionary<string, string>>>(saved.ChannelFieldMapping, StringComparer.Ordinal);
            if (mapping.Count == 0) channels.Remove(draft.Channel);
            else channels[draft.Channel] = mapping;
            settings = saved with { ChannelFieldMapping = channels };
        }
        var problems = LoggingEndpoints.ShapeProblems(settings);
        if (problems.Count == 0) problems.AddRange(settings.Problems());
        if (problems.Count > 0) return await RenderAsync(c, draft, saved, [], null, $"Nothing was saved: {string.Join(" ", problems)}", true, org);
        await store.SaveAsync(tenantId, settings, c.RequestAborted);
        var now = await store.GetAsync(tenantId, c.RequestAborted);
        return await RenderAsync(c, draft with { Rows = RowsOf(now, draft.Channel) }, now, [], "Field mapping saved.", null, false, org);
    }

    /// <summary>The live preview, for the page's script: the mapping as typed, rendered against the chosen interaction.</summary>
    private static async Task<IResult> PreviewAsync(HttpContext c, string tenantId, IFormCollection f, LoggingSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant || f["tenantId"].ToString() != tenantId) return TenantAccess.NotFoundPage();
        var (draft, formError) = Read(tenant, f);
        if (formError is not null) return PortalPage.Render<FieldMappingPreview>(new { Rows = Array.Empty<PreviewRow>(), Error = formError }, StatusCodes.Status400BadRequest);
        var saved = await store.GetAsync(tenantId, c.RequestAborted);
        var org = await OrgFields.LoadAsync(c, tenantId, Objects);
        var (samples, state) = await SamplesAsync(c, draft);
        return PortalPage.Render<FieldMappingPreview>(new
        {
            Rows = Preview(draft, saved, org, state), SampleLabel = samples.FirstOrDefault(s => s.Id == draft.Sample)?.Label ?? samples[0].Label,
        });
    }

    private static (Draft Draft, string? Error) Read(Tenant tenant, IFormCollection f)
    {
        var scope = f["scope"].ToString();
        var channel = scope.Length == 0 ? null : scope;
        var sample = f["sample"].ToString() is { Length: > 0 and <= 300 } s ? s : BuiltInSample;
        if (channel is not null && !LoggingSettings.Channels.Contains(channel))
            return (new Draft(tenant, null, [], sample), $"There is no channel \"{channel}\", so nothing was saved. Reload the page and edit again.");
        if (!int.TryParse(f["rowCount"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > MaxRows)
            return (new Draft(tenant, channel, [], sample), $"The form could not be read (rowCount must be 0 to {MaxRows}), so nothing was saved. Reload the page and edit again.");
        var rows = Enumerable.Range(0, count).Select(i => new MappingRow(f[$"r{i}.object"].ToString(), f[$"r{i}.field"].ToString(), f[$"r{i}.template"].ToString())).ToList();
        return (new Draft(tenant, channel, rows, sample), null);
    }

    /// <summary>One editing step, unsaved: add a row to an object, remove a row, or insert a placeholder (what the picker does without script).</summary>
    private static Draft Apply(string action, Draft d, IFormCollection f, OrgFields org, string keyField)
    {
        var rows = d.Rows.ToList();
        var colon = action.IndexOf(':', StringComparison.Ordinal);
        var (verb, arg) = colon > 0 ? (action[..colon], action[(colon + 1)..]) : (action, "");
        var index = int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < rows.Count ? i : -1;
        switch (verb)
        {
            case "add" when Objects.Contains(arg) && rows.Count < MaxRows:
                var taken = rows.Where(r => r.Object == arg).Select(r => r.Field).ToHashSet(StringComparer.Ordinal);
                var free = Writable(org, arg, keyField).FirstOrDefault(x => !taken.Contains(x.Name))?.Name ?? "";
                // The new row goes after the object's last row, so rows stay grouped by object.
                var at = rows.FindLastIndex(r => r.Object == arg);
                rows.Insert(at < 0 ? rows.Count : at + 1, new MappingRow(arg, free, ""));
                break;
            case "remove" when index >= 0:
                rows.RemoveAt(index);
                break;
            case "insert" when index >= 0 && LogTemplates.Placeholders.ContainsKey(f[$"r{index}.placeholder"].ToString()):
                rows[index] = rows[index] with { Template = rows[index].Template + "{" + f[$"r{index}.placeholder"] + "}" };
                break;
        }
        return d with { Rows = rows };
    }

    /// <summary>The fields a template can fill: writable text fields, but not the hub's own key.</summary>
    public static IReadOnlyList<FieldChoice> Writable(OrgFields org, string obj, string keyField) =>
        org.Choices(obj, f => f.Createable && f.Updateable && OrgFields.TextTypes.Contains(f.Type)).Where(f => f.Name != keyField).ToList();

    /// <summary>Every row against the org's describe and the template language, keyed by the input it belongs to.</summary>
    /// <param name="emptyAllowed">A channel's override may be empty: the field is then written blank for that channel.</param>
    public static Dictionary<string, string> Check(IReadOnlyList<MappingRow> rows, OrgFields org, string keyField, bool emptyAllowed = false)
    {
        var errors = new Dictionary<string, string>();
        for (var i = 0; i < rows.Count; i++)
        {
            var (obj, field, template) = rows[i];
            var fieldId = $"r{i}-field";
            var templateId = $"r{i}-template";
            if (!Objects.Contains(obj)) errors[fieldId] = $"{obj} is not an object the editor maps; use {string.Join(", ", Objects)}.";
            else if (field.Length == 0) errors[fieldId] = $"Choose a {obj} field, or remove the row.";
            else if (field == keyField) errors[fieldId] = $"{field} is the hub's own key on {obj}; it cannot be mapped.";
            else if (org.Field(obj, field) is not { } f) errors[fieldId] = $"{obj} has no field {field}.";
            else if (!f.Writable) errors[fieldId] = $"{obj}.{field} is read-only for the linked user.";
            else if (!OrgFields.TextTypes.Contains(f.Type)) errors[fieldId] = $"{obj}.{field} is a {f.Type} field; only text fields can take a template.";
            else if (rows.Take(i).Any(r => r.Object == obj && r.Field == field)) errors[fieldId] = $"{obj}.{field} is mapped twice; keep one row.";
            var unknown = LogTemplates.UnknownPlaceholders(template).ToList();
            if (template.Trim().Length == 0 && !emptyAllowed) errors[templateId] = $"Write a template for {obj}.{field}, or remove the row.";
            else if (template.Trim().Length == 0) continue;
            else if (template.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\r' or '\t')))
                errors[templateId] = "The template holds a control character; only line breaks and tabs may be typed.";
            else if (TooBig(template) is { } tooBig) errors[templateId] = tooBig;
            else if (unknown.Count > 0) errors[templateId] = $"Unknown placeholder {string.Join(", ", unknown.Select(u => $"{{{u}}}"))}: pick placeholders from the list.";
            else if (org.Field(obj, field) is { Length: > 0 } sized && !template.Contains('{', StringComparison.Ordinal) && template.Length > sized.Length)
                errors[templateId] = $"The text is {template.Length} characters; {obj}.{field} holds {sized.Length}.";
        }
        return errors;
    }

    /// <summary>Why a template is too big to keep or to render, if it is.</summary>
    public static string? TooBig(string template)
    {
        if (template.Length > MaxTemplateLength) return $"The template is {template.Length:N0} characters; keep it under {MaxTemplateLength:N0}.";
        var placeholders = template.Count(ch => ch == '{');
        return placeholders > MaxPlaceholders ? $"The template holds {placeholders} placeholders; use at most {MaxPlaceholders}." : null;
    }

    private const string SampleId = "SAMPLE-0001";

    /// <summary>The built-in sample: a finished interaction of the channel with every placeholder filled.</summary>
    public static InteractionState Sample(string channel, DateTimeOffset now)
    {
        var start = now.AddMinutes(-7);
        var chat = channel is not "voice";
        return new InteractionState
        {
            InteractionId = SampleId, Channel = channel, Direction = "inbound", Caller = new Caller("+1 415 555 0100", "grace.sample@example.com", "Grace Sample", "Sample Ltd"),
            Queue = "Support", Agent = new Agent(null, "ada.agent@example.com", "Ada Agent"), Disposition = "Resolved", Outcome = "completed",
            WrapUp = new WrapUp("RESOLVED", "Explained the delivery date"), Notes = ["Wants a call back if the parcel is late"], Ivr = new() { ["account_number"] = "00042" },
            Messages = chat
                ? [new Message("Grace Sample", "Hello, where is my parcel?", start.AddSeconds(5)), new Message("Ada Agent", "It leaves the depot tomorrow morning.", start.AddSeconds(40))]
                : [],
            Started = true, Ended = true, StartedAt = start, EndedAt = now, DurationSeconds = 420,
        };
    }

    /// <summary>The interactions the preview may use (the sample, then the tenant's ten newest finished ones of the scope) and the chosen one.</summary>
    private static async Task<(IReadOnlyList<PreviewSample> Samples, InteractionState State)> SamplesAsync(HttpContext c, Draft d)
    {
        var store = c.RequestServices.GetRequiredService<InteractionStore>();
        var now = c.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        // A state this version cannot read is simply not offered.
        static InteractionState? Read(InteractionRow? row) => InteractionRow.TryRead(row?.State);
        var recent = (await store.RecentAsync(d.Tenant.Id, 50, c.RequestAborted)).Select(Read)
            .Where(s => s is { Ended: true } && (d.Channel is null || s.Channel == d.Channel)).Cast<InteractionState>().Take(10).ToList();
        var samples = new List<PreviewSample> { new(BuiltInSample, $"A sample {LogTemplates.ChannelLabel(d.Channel ?? "voice").ToLowerInvariant()} (built in)") };
        samples.AddRange(recent.Select(s => new PreviewSample(s.InteractionId,
            $"{LogTemplates.ChannelLabel(s.Channel)} {s.InteractionId} · {s.Caller.Name ?? s.Caller.Phone ?? s.Caller.Email ?? "unknown caller"}")));
        var chosen = d.Sample == BuiltInSample ? null : recent.FirstOrDefault(s => s.InteractionId == d.Sample)
            ?? Read(await store.GetAsync(d.Tenant.Id, d.Sample, c.RequestAborted));
        if (chosen is not null && samples.All(s => s.Id != chosen.InteractionId)) samples.Add(new PreviewSample(chosen.InteractionId, $"{LogTemplates.ChannelLabel(chosen.Channel)} {chosen.InteractionId}"));
        return (samples, chosen ?? Sample(d.Channel ?? "voice", now));
    }

    /// <summary>Every mapped field of the scope rendered: a channel's overrides on top of the all-channel mapping, which is marked inherited.</summary>
    private static List<PreviewRow> Preview(Draft d, LoggingSettings saved, OrgFields org, InteractionState state)
    {
        var preview = new List<PreviewRow>();
        foreach (var obj in Objects)
        {
            var own = d.Rows.Where(r => r.Object == obj && r.Field.Length > 0).GroupBy(r => r.Field, StringComparer.Ordinal).Select(g => g.First()).ToList();
            var inherited = d.Channel is null ? [] : (saved.FieldMapping.GetValueOrDefault(obj) ?? []).Where(f => own.All(r => r.Field != f.Key)).Select(f => new MappingRow(obj, f.Key, f.Value));
            foreach (var (row, isInherited) in own.Select(r => (r, false)).Concat(inherited.Select(r => (r, true))))
            {
                var field = org.Field(obj, row.Field);
                if (TooBig(row.Template) is { } why)
                {
                    preview.Add(new PreviewRow(obj, row.Field, field?.Text ?? row.Field, "", field?.Length ?? 0, isInherited) { NotRendered = why });
                    continue;
                }
                var value = LogTemplates.Render(row.Template, state, d.Tenant.Name);
                preview.Add(new PreviewRow(obj, row.Field, field?.Text ?? row.Field, value.Length > MaxPreviewLength ? value[..MaxPreviewLength] : value, field?.Length ?? 0, isInherited)
                {
                    FullLength = value.Length,
                });
            }
        }
        return preview;
    }
}
