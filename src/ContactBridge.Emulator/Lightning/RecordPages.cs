using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;
using ContactBridge.Emulator.Sosl;
using static ContactBridge.Emulator.Lightning.ConsoleLayout;

namespace ContactBridge.Emulator.Lightning;

/// <summary>
/// Lightning Experience's pages: home, object homes, record pages with related lists, the
/// new-record and edit forms, delete, and global search. Writes go through the same
/// <see cref="RecordWriter"/> as the API, as the signed-in user, so the org's validation applies.
/// </summary>
internal static class RecordPages
{
    public static void MapRecordPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/lightning").ExcludeFromDescription();
        pages.MapGet("/page/home", Signed(Home));
        pages.MapGet("/o/{objectName}/home", Signed(ObjectHome));
        pages.MapGet("/o/{objectName}/list", Signed(ObjectHome));
        pages.MapGet("/o/{objectName}/new", Signed(NewForm));
        pages.MapPost("/o/{objectName}/new", SignedForm(Create));
        pages.MapGet("/r/{id}/view", Signed(ViewById));
        pages.MapGet("/r/{objectName}/{id}/view", Signed(View));
        pages.MapGet("/r/{objectName}/{id}/edit", Signed(EditForm));
        pages.MapPost("/r/{objectName}/{id}/edit", SignedForm(Save));
        pages.MapGet("/r/{objectName}/{id}/delete", Signed(DeleteConfirm));
        pages.MapPost("/r/{objectName}/{id}/delete", SignedForm(Delete));
        pages.MapGet("/search", Signed(Search));
        pages.MapGet("/{**rest}", Signed(ctx => Error(ctx, "Page doesn't exist", "Enter a valid URL and try again.")));
        // Classic's search URL, which screen pops of several matches use; Lightning answers it with its search page.
        app.MapGet("/_ui/search/ui/UnifiedSearchResults", (HttpContext c, string? str) =>
            Results.Redirect($"{c.Request.PathBase}/lightning/search?q={U(str)}")).ExcludeFromDescription();
    }

    /// <summary>A page for a signed-in user; others go to the login page and come back.</summary>
    private static Func<HttpContext, IResult> Signed(Func<ConsoleContext, HttpContext, IResult> page) => context =>
    {
        NoFraming(context);
        return ConsoleContext.Of(context) is { } ctx ? page(ctx, context) : ToLogin(context);
    };

    /// <summary>Console pages are not framed by other sites (clickjacking); the softphone frames nothing of ours.</summary>
    public static void NoFraming(HttpContext context)
    {
        context.Response.Headers.XFrameOptions = "SAMEORIGIN";
        context.Response.Headers.ContentSecurityPolicy = "frame-ancestors 'self'";
    }

    private static Func<HttpContext, IResult> Signed(Func<ConsoleContext, IResult> page) => Signed((ctx, _) => page(ctx));

    /// <summary>A form post: signed in, and carrying the session's form token.</summary>
    private static Func<HttpContext, Task<IResult>> SignedForm(Func<ConsoleContext, HttpContext, IFormCollection, IResult> handler) => async context =>
    {
        NoFraming(context);
        if (ConsoleContext.Of(context) is not { } ctx) return ToLogin(context);
        if (!context.Request.HasFormContentType) return Results.Problem(detail: "Send the form as application/x-www-form-urlencoded.", statusCode: 415);
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (!ctx.CsrfMatches(form[ConsoleContext.CsrfField]))
            return Error(ctx, "Session expired", "This form was not sent from this session's page. Reload the page and try again.", 403);
        return handler(ctx, context, form);
    };

    public static IResult ToLogin(HttpContext context)
    {
        var start = context.Request.Path + context.Request.QueryString;
        var login = $"{context.Request.PathBase}/?startURL={U(start)}";
        // A page swapped in by the console (htmx) would put the login page inside the console: load it whole instead.
        if (context.Request.Headers.ContainsKey("HX-Request"))
        {
            context.Response.Headers["HX-Redirect"] = login;
            return Results.NoContent();
        }
        return Results.Redirect(login);
    }

    private static string Header(ConsoleContext ctx, ObjectDef type, string title, string id, string actions = "") => $"""
        <div class="slds-page-header slds-page-header_record-home">
          <div class="slds-page-header__row">
            <div class="slds-page-header__col-title">
              <div class="slds-media">
                <div class="slds-media__figure"><span class="slds-icon_container slds-icon-standard-{E(StandardIcon(type.Name))}">{Icon("standard", StandardIcon(type.Name), "slds-icon slds-page-header__icon", ctx.Base)}</span></div>
                <div class="slds-media__body"><div class="slds-page-header__name"><div class="slds-page-header__name-title">
                  <span class="slds-page-header__name-meta">{E(type.Label)}</span>
                  <h1><span class="slds-page-header__title slds-truncate" id="{E(id)}" title="{E(title)}">{E(title)}</span></h1>
                </div></div></div>
              </div>
            </div>
            <div class="slds-page-header__col-actions"><div class="slds-page-header__controls"><div class="slds-page-header__control">{actions}</div></div></div>
          </div>
        </div>
        """;

    private static IResult Home(ConsoleContext ctx)
    {
        string recent;
        lock (ctx.Org.Sync)
        {
            var items = ctx.Org.Console.RecentlyViewed(ctx.User.Id).Select(ctx.Org.Records.Get).OfType<SRecord>().Where(r => !r.IsDeleted).ToList();
            recent = items.Count == 0
                ? """<p class="slds-p-around_medium">Nothing viewed yet. Records you open appear here.</p>"""
                : "<ul class=\"slds-has-dividers_bottom-space\">" + string.Join("", items.Select(r =>
                    $"""<li class="slds-item">{Icon("standard", StandardIcon(r.Type.Name), "slds-icon slds-icon_x-small", ctx.Base)} <a href="{E(RecordDisplay.RecordUrl(ctx.Base, r))}" data-record-link="{E(r.Id)}">{E(RecordDisplay.Name(r))}</a> <span class="slds-text-color_weak">{E(r.Type.Label)}</span></li>""")) + "</ul>";
        }
        var center = ctx.CallCenter;
        var phone = center is null ? "You are not in a call center: no softphone."
            : center.IsVoice ? $"Contact center: {center.DisplayName} (Service Cloud Voice). Take calls from Phone in the utility bar."
            : center.ForLightning ? $"Call center: {center.DisplayName}. The softphone is in the utility bar (Phone)."
            : $"Call center: {center.DisplayName}, which is for Salesforce Classic only (reqSalesforceCompatibilityMode): no softphone in Lightning.";
        return Page(ctx, "Home", $"""
            <div class="slds-page-header"><h1 class="slds-page-header__title" id="page-title">Welcome, {E(ctx.FirstName ?? ctx.DisplayName)}</h1>
              <p class="slds-text-body_small" id="call-center-note">{E(phone)}</p></div>
            <article class="slds-card slds-m-top_medium" id="recent-items"><div class="slds-card__header"><h2 class="slds-card__header-title">Recent Records</h2></div>
              <div class="slds-card__body slds-card__body_inner">{recent}</div></article>
            """);
    }

    private static ObjectDef? PageObject(ConsoleContext ctx, string objectName) =>
        ctx.Org.Schema.Find(objectName) is { IsPlatformEvent: false, Queryable: true } type ? type : null;

    private static IResult UnknownObject(ConsoleContext ctx, string objectName) =>
        Error(ctx, "Page doesn't exist", $"There is no object named '{objectName}' in this org. Enter a valid URL and try again.");

    private static IResult ObjectHome(ConsoleContext ctx, HttpContext http)
    {
        var objectName = (string)http.GetRouteValue("objectName")!;
        if (PageObject(ctx, objectName) is not { } type) return UnknownObject(ctx, objectName);
        string table;
        int count;
        lock (ctx.Org.Sync)
        {
            var records = ctx.Org.Records.OfType(type.Name).Where(r => !r.IsDeleted)
                .OrderByDescending(r => r["LastModifiedDate"] as DateTimeOffset? ?? r["CreatedDate"] as DateTimeOffset? ?? DateTimeOffset.MinValue).Take(50).ToList();
            count = records.Count;
            table = RecordDisplay.Table(ctx.Org, ctx.Base, type, records, "object-home-list");
        }
        var newButton = type.Createable ? $"""<a class="slds-button slds-button_neutral" id="new-record" href="{E(ctx.Base)}/lightning/o/{E(type.Name)}/new">New</a>""" : "";
        return Page(ctx, type.LabelPlural ?? type.Name, Header(ctx, type, $"Recently Viewed {type.LabelPlural}", "page-title", newButton)
            + $"""<p class="slds-p-around_small slds-text-body_small">{count} item{(count == 1 ? "" : "s")} · sorted by last modified</p>""" + table);
    }

    private static (SRecord? Record, IResult? Error) Find(ConsoleContext ctx, string? objectName, string rawId)
    {
        if (objectName is not null && PageObject(ctx, objectName) is null) return (null, UnknownObject(ctx, objectName));
        if (!SalesforceId.TryNormalize(rawId, out var id))
            return (null, Error(ctx, "Record not found", $"'{rawId}' is not a record id. Record ids are 15 or 18 characters."));
        SRecord? record;
        lock (ctx.Org.Sync) record = ctx.Org.Records.Get(id);
        if (record is null || record.IsDeleted || record.Type.IsPlatformEvent)
            return (null, Error(ctx, "Record not found", "The record you're looking for isn't available. It may have been deleted, or you may not have access to it."));
        if (objectName is not null && !string.Equals(record.Type.Name, objectName, StringComparison.OrdinalIgnoreCase))
            return (null, Error(ctx, "Record not found", $"The record {id} is a {record.Type.Label}, not a {objectName}."));
        return (record, null);
    }

    private static IResult ViewById(ConsoleContext ctx, HttpContext http)
    {
        var (record, error) = Find(ctx, null, (string)http.GetRouteValue("id")!);
        return error ?? Results.Redirect(RecordDisplay.RecordUrl(ctx.Base, record!));
    }

    private static IResult View(ConsoleContext ctx, HttpContext http)
    {
        var (record, error) = Find(ctx, (string)http.GetRouteValue("objectName")!, (string)http.GetRouteValue("id")!);
        if (error is not null) return error;
        var type = record!.Type;
        var b = ctx.Base;
        string title, fields, related;
        lock (ctx.Org.Sync)
        {
            ctx.Org.Console.Viewed(ctx.User.Id, record.Id);
            title = RecordDisplay.Name(record);
            fields = string.Join("", RecordDisplay.ShownFields(type).Select(f => $"""
                <div class="slds-form__item" role="listitem">
                  <div class="slds-form-element slds-form-element_readonly slds-form-element_stacked" data-field="{E(f.Name)}">
                    <span class="slds-form-element__label">{E(RecordDisplay.Label(f))}</span>
                    <div class="slds-form-element__control"><div class="slds-form-element__static">{RecordDisplay.Html(ctx.Org, b, record, f, link: false)}</div></div>
                  </div>
                </div>
                """));
            related = RelatedLists(ctx, record);
        }
        var actions = new StringBuilder("""<ul class="slds-button-group-list">""");
        if (type.Updateable) actions.Append($"""<li><a class="slds-button slds-button_neutral" id="edit-record" href="{E(b)}/lightning/r/{E(type.Name)}/{E(record.Id)}/edit">Edit</a></li>""");
        if (type.Deletable) actions.Append($"""<li><a class="slds-button slds-button_neutral" id="delete-record" href="{E(b)}/lightning/r/{E(type.Name)}/{E(record.Id)}/delete">Delete</a></li>""");
        actions.Append("</ul>");
        return Page(ctx, title, Header(ctx, type, title, "record-name", actions.ToString()) + $"""
            <div class="slds-grid slds-gutters slds-m-top_medium cb-record" data-record-id="{E(record.Id)}" data-object="{E(type.Name)}" data-record-name="{E(title)}">
              <div class="slds-col slds-size_1-of-2"><article class="slds-card"><div class="slds-card__header"><h2 class="slds-card__header-title">Details</h2></div>
                <div class="slds-card__body slds-card__body_inner"><div class="slds-form" role="list" id="record-fields"><div class="slds-form__row cb-form-grid">{fields}</div></div></div></article></div>
              <div class="slds-col slds-size_1-of-2" id="related-lists">{related}</div>
            </div>
            """);
    }

    private static string RelatedLists(ConsoleContext ctx, SRecord record)
    {
        var org = ctx.Org;
        var html = new StringBuilder();
        foreach (var child in record.Type.ChildRelationships
                     .Where(c => c.Field is not ("OwnerId" or "CreatedById" or "LastModifiedById") && c.ChildObject is not ("ContentDocumentLink" or "ContentVersion" or "CallCenterRoutingMap"))
                     .GroupBy(c => c.ChildObject == "Task" ? "Task" : c.ChildObject + "." + c.Field))
        {
            var first = child.First();
            var type = org.Schema.Find(first.ChildObject);
            if (type is null || type.IsPlatformEvent || Records.ActivityViews.IsView(type)) continue; // tasks have their own card
            var fields = child.Select(c => c.Field).Distinct().ToList();
            var rows = org.Records.OfType(type.Name).Where(r => !r.IsDeleted && fields.Any(f => Equals(r[f], record.Id)))
                .OrderByDescending(r => r["CreatedDate"] as DateTimeOffset? ?? DateTimeOffset.MinValue).ToList();
            var label = type.Name == "Task" ? "Activity History" : child.Count() == 1 && first.RelationshipName != type.LabelPlural?.Replace(" ", "", StringComparison.Ordinal) ? first.RelationshipName : type.LabelPlural ?? type.Name;
            html.Append(Card(ctx, first.RelationshipName, label, rows.Count, rows.Count == 0 ? "" : RecordDisplay.Table(org, ctx.Base, type, rows.Take(10), "related-" + first.RelationshipName)));
        }
        var files = org.Records.OfType("ContentDocumentLink").Where(l => !l.IsDeleted && Equals(l["LinkedEntityId"], record.Id))
            .Select(l => org.Records.Get(l.GetString("ContentDocumentId") ?? "")).OfType<SRecord>().Where(d => !d.IsDeleted).ToList();
        var fileList = string.Join("", files.Select(f => $"""<li class="slds-item">{Icon("doctype", "attachment", "slds-icon slds-icon_x-small", ctx.Base)} {E(f.GetString("Title"))} <span class="slds-text-color_weak">{E(f.GetString("FileExtension"))}</span></li>"""));
        html.Append(Card(ctx, "Files", "Files", files.Count, files.Count == 0 ? "" : $"<ul class=\"slds-has-dividers_bottom-space\">{fileList}</ul>"));
        return html.ToString();
    }

    private static string Card(ConsoleContext ctx, string key, string label, int count, string body) => $"""
        <article class="slds-card slds-card_boundary slds-m-bottom_small" data-related="{E(key)}">
          <div class="slds-card__header slds-grid"><header class="slds-media slds-media_center slds-has-flexi-truncate">
            <div class="slds-media__body"><h2 class="slds-card__header-title">{E(label)} ({count})</h2></div></header></div>
          <div class="slds-card__body">{body}</div>
        </article>
        """;

    private static bool Editable(FieldDef f, bool creating) =>
        (creating ? f.Createable : f.Updateable) && !f.Calculated && f.Type is not (FieldType.Id or FieldType.Base64) && f.Name is not ("CreatedDate" or "LastModifiedDate");

    private static IResult NewForm(ConsoleContext ctx, HttpContext http)
    {
        var objectName = (string)http.GetRouteValue("objectName")!;
        if (PageObject(ctx, objectName) is not { } type) return UnknownObject(ctx, objectName);
        if (!type.Createable) return Error(ctx, "Can't create", $"{type.LabelPlural} can't be created here.", 400);
        var defaults = DefaultFieldValues(http.Request.Query["defaultFieldValues"].ToString());
        return FormPage(ctx, type, null, defaults, null);
    }

    /// <summary>Salesforce's <c>defaultFieldValues=Name=Acme,Phone=555</c> (values URI-encoded, as lightning/pageReferenceUtils' encodeDefaultFieldValues makes them).</summary>
    public static Dictionary<string, string> DefaultFieldValues(string raw)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in raw.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) continue;
            values[pair[..eq].Trim()] = Uri.UnescapeDataString(pair[(eq + 1)..]);
        }
        return values;
    }

    private static IResult FormPage(ConsoleContext ctx, ObjectDef type, SRecord? record, IReadOnlyDictionary<string, string> values, string? error, int status = 200)
    {
        var creating = record is null;
        var b = ctx.Base;
        var action = creating ? $"{b}/lightning/o/{type.Name}/new" : $"{b}/lightning/r/{type.Name}/{record!.Id}/edit";
        var title = creating ? $"New {type.Label}" : $"Edit {RecordDisplay.Name(record!)}";
        var inputs = string.Join("", type.Fields.Where(f => Editable(f, creating)).Select(f => Input(f, values.GetValueOrDefault(f.Name))));
        var alert = error is null ? "" : $"""<div class="slds-notify slds-notify_alert slds-alert_error" role="alert" id="form-error"><h2>{E(error)}</h2></div>""";
        var cancel = creating ? $"{b}/lightning/o/{type.Name}/home" : RecordDisplay.RecordUrl(b, record!);
        return Page(ctx, title, $"""
            <div class="slds-page-header"><h1 class="slds-page-header__title" id="page-title">{E(title)}</h1></div>
            <form method="post" action="{E(action)}" id="record-form" class="slds-form slds-p-around_medium cb-record-form" data-object="{E(type.Name)}">
              {alert}
              <input type="hidden" name="{ConsoleContext.CsrfField}" value="{E(ctx.Csrf)}">
              <div class="cb-form-grid">{inputs}</div>
              <div class="slds-m-top_medium">
                <a class="slds-button slds-button_neutral" href="{E(cancel)}" id="cancel-record">Cancel</a>
                <button type="submit" class="slds-button slds-button_brand" id="save-record">Save</button>
              </div>
            </form>
            """, status);
    }

    private static string Input(FieldDef f, string? value)
    {
        var id = "field-" + f.Name;
        var required = f.RequiredOnCreate || !f.Nillable && f.Type != FieldType.Boolean ? """<abbr class="slds-required" title="required">*</abbr>""" : "";
        string control = f.Type switch
        {
            FieldType.Boolean => $"""<input type="hidden" name="{E(f.Name)}" value="false"><div class="slds-checkbox"><input type="checkbox" id="{E(id)}" name="{E(f.Name)}" value="true" {(string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) ? "checked" : "")}><label class="slds-checkbox__label" for="{E(id)}"><span class="slds-checkbox_faux"></span></label></div>""",
            FieldType.Picklist or FieldType.MultiPicklist => $"""<div class="slds-select_container"><select class="slds-select" id="{E(id)}" name="{E(f.Name)}"><option value="">--None--</option>{string.Join("", f.PicklistValues.Select(v => $"<option value=\"{E(v)}\"{(v == value ? " selected" : "")}>{E(v)}</option>"))}{(value is { Length: > 0 } && !f.PicklistValues.Contains(value) ? $"<option value=\"{E(value)}\" selected>{E(value)}</option>" : "")}</select></div>""",
            FieldType.TextArea => $"""<textarea class="slds-textarea" id="{E(id)}" name="{E(f.Name)}" maxlength="{f.Length}">{E(value)}</textarea>""",
            _ => $"""<input class="slds-input" id="{E(id)}" name="{E(f.Name)}" value="{E(value)}" type="{InputType(f)}"{(f.Length > 0 && f.Type.IsText() ? $" maxlength=\"{f.Length}\"" : "")}{(f.Type == FieldType.Reference ? $" placeholder=\"{E(string.Join(" or ", f.ReferenceTo))} ID\"" : "")}>""",
        };
        return $"""
            <div class="slds-form-element slds-form-element_stacked" data-field="{E(f.Name)}">
              <label class="slds-form-element__label" for="{E(id)}">{required}{E(RecordDisplay.Label(f))}</label>
              <div class="slds-form-element__control">{control}</div>
            </div>
            """;
    }

    private static string InputType(FieldDef f) => f.Type switch
    {
        FieldType.Email => "email",
        FieldType.Phone => "tel",
        FieldType.Date => "date",
        FieldType.Int or FieldType.Double or FieldType.Currency or FieldType.Percent => "text\" inputmode=\"decimal",
        _ => "text",
    };

    /// <summary>The form's values for the fields it may set; a blank field clears the value.</summary>
    private static (JsonObject Body, Dictionary<string, string> Raw) ReadForm(ObjectDef type, IFormCollection form, bool creating)
    {
        var body = new JsonObject();
        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in type.Fields.Where(f => Editable(f, creating)))
        {
            if (!form.TryGetValue(f.Name, out var values)) continue;
            var value = values.Count > 0 ? values[^1] ?? "" : "";
            raw[f.Name] = value;
            if (creating && value.Length == 0 && f.Type != FieldType.Boolean) continue;
            body[f.Name] = value.Length == 0 ? null : JsonValue.Create(value);
        }
        return (body, raw);
    }

    private static IResult Create(ConsoleContext ctx, HttpContext http, IFormCollection form)
    {
        var objectName = (string)http.GetRouteValue("objectName")!;
        if (PageObject(ctx, objectName) is not { Createable: true } type) return UnknownObject(ctx, objectName);
        var (body, raw) = ReadForm(type, form, creating: true);
        try
        {
            SRecord created;
            lock (ctx.Org.Sync) created = new RecordWriter(ctx.Org, ctx.State.Clock).Create(ctx.User.Id, type, body);
            return Results.Redirect(RecordDisplay.RecordUrl(ctx.Base, created));
        }
        catch (SalesforceException e)
        {
            return FormPage(ctx, type, null, raw, Problem(e), 400);
        }
    }

    private static string Problem(SalesforceException e) =>
        e.Fields.Count > 0 ? $"{e.Message} ({e.ErrorCode}: {string.Join(", ", e.Fields)})" : $"{e.Message} ({e.ErrorCode})";

    private static IResult EditForm(ConsoleContext ctx, HttpContext http)
    {
        var (record, error) = Find(ctx, (string)http.GetRouteValue("objectName")!, (string)http.GetRouteValue("id")!);
        if (error is not null) return error;
        if (!record!.Type.Updateable) return Error(ctx, "Can't edit", $"{record.Type.LabelPlural} can't be edited here.", 400);
        Dictionary<string, string> values;
        lock (ctx.Org.Sync)
            values = record.Type.Fields.Where(f => Editable(f, false)).ToDictionary(f => f.Name, f => record[f.Name] switch
            {
                null => "",
                DateTimeOffset dt => FieldValues.FormatDateTime(dt),
                var v when f.Type == FieldType.Currency => RecordDisplay.FormatPlain(f, v).Replace(",", "", StringComparison.Ordinal),
                var v => RecordDisplay.FormatPlain(f, v),
            });
        return FormPage(ctx, record.Type, record, values, null);
    }

    private static IResult Save(ConsoleContext ctx, HttpContext http, IFormCollection form)
    {
        var (record, error) = Find(ctx, (string)http.GetRouteValue("objectName")!, (string)http.GetRouteValue("id")!);
        if (error is not null) return error;
        var (body, raw) = ReadForm(record!.Type, form, creating: false);
        try
        {
            lock (ctx.Org.Sync) new RecordWriter(ctx.Org, ctx.State.Clock).Update(ctx.User.Id, record, body);
            return Results.Redirect(RecordDisplay.RecordUrl(ctx.Base, record));
        }
        catch (SalesforceException e)
        {
            return FormPage(ctx, record.Type, record, raw, Problem(e), 400);
        }
    }

    private static IResult DeleteConfirm(ConsoleContext ctx, HttpContext http)
    {
        var (record, error) = Find(ctx, (string)http.GetRouteValue("objectName")!, (string)http.GetRouteValue("id")!);
        if (error is not null) return error;
        string name;
        lock (ctx.Org.Sync) name = RecordDisplay.Name(record!);
        return Page(ctx, $"Delete {record!.Type.Label}", $"""
            <div class="slds-box slds-theme_default slds-m-around_medium">
              <h1 class="slds-text-heading_medium" id="page-title">Delete {E(record.Type.Label)}</h1>
              <p class="slds-m-vertical_small">Are you sure you want to delete <strong>{E(name)}</strong>?</p>
              <form method="post" action="{E(ctx.Base)}/lightning/r/{E(record.Type.Name)}/{E(record.Id)}/delete" id="delete-form">
                <input type="hidden" name="{ConsoleContext.CsrfField}" value="{E(ctx.Csrf)}">
                <a class="slds-button slds-button_neutral" href="{E(RecordDisplay.RecordUrl(ctx.Base, record))}">Cancel</a>
                <button type="submit" class="slds-button slds-button_destructive" id="confirm-delete">Delete</button>
              </form>
            </div>
            """);
    }

    private static IResult Delete(ConsoleContext ctx, HttpContext http, IFormCollection form)
    {
        var (record, error) = Find(ctx, (string)http.GetRouteValue("objectName")!, (string)http.GetRouteValue("id")!);
        if (error is not null) return error;
        if (!record!.Type.Deletable) return Error(ctx, "Can't delete", $"{record.Type.LabelPlural} can't be deleted.", 400);
        try
        {
            lock (ctx.Org.Sync) new RecordWriter(ctx.Org, ctx.State.Clock).Delete(record, ctx.User.Id);
        }
        catch (SalesforceException e)
        {
            return Error(ctx, "Can't delete", Problem(e), 400);
        }
        return Results.Redirect($"{ctx.Base}/lightning/o/{record.Type.Name}/home");
    }

    /// <summary>Objects global search looks in, in the order results are shown.</summary>
    public static IEnumerable<ObjectDef> SearchedObjects(ConsoleContext ctx) =>
        ctx.Org.Schema.Objects.Where(o => o is { Searchable: true, IsPlatformEvent: false, Queryable: true } && o.NameFieldDef is not null)
            .OrderBy(o => Array.IndexOf(NavObjects, o.Name) is var i && i < 0 ? 99 : i).ThenBy(o => o.Name, StringComparer.Ordinal);

    /// <summary>Runs a search as global search does: the text is one escaped SOSL term over every searchable object.</summary>
    public static List<SRecord> SearchRecords(ConsoleContext ctx, string q, IReadOnlyList<ObjectDef> objects)
    {
        lock (ctx.Org.Sync)
        {
            var result = new SoslSearcher(ctx.Org, ctx.State.Clock, "62.0").ParameterizedSearch(q, "ALL",
                objects.Select(o => (o.Name, (IReadOnlyList<string>?)["Id"], (int?)null, (string?)null)).ToList(), null, 200);
            return result["searchRecords"]!.AsArray().Select(n => ctx.Org.Records.Get(n!["Id"]!.GetValue<string>())).OfType<SRecord>().ToList();
        }
    }

    private static IResult Search(ConsoleContext ctx, HttpContext http)
    {
        var q = http.Request.Query["q"].ToString().Trim();
        var heading = $"Search results for \"{q}\"";
        if (q.Replace("*", "", StringComparison.Ordinal).Length < 2)
            return Page(ctx, "Search", $"""<div class="slds-page-header"><h1 class="slds-page-header__title" id="page-title">Search</h1></div><p class="slds-p-around_medium" id="search-message">Enter at least two characters to search.</p>""");
        List<SRecord> hits;
        try
        {
            hits = SearchRecords(ctx, q, SearchedObjects(ctx).ToList());
        }
        catch (SalesforceException e)
        {
            return Page(ctx, "Search", $"""<div class="slds-page-header"><h1 class="slds-page-header__title" id="page-title">{E(heading)}</h1></div><p class="slds-p-around_medium" id="search-message">{E(e.Message)}</p>""", 400);
        }
        var groups = new StringBuilder();
        lock (ctx.Org.Sync)
        {
            foreach (var group in hits.GroupBy(r => r.Type))
                groups.Append(Card(ctx, group.Key.Name, group.Key.LabelPlural ?? group.Key.Name, group.Count(), RecordDisplay.Table(ctx.Org, ctx.Base, group.Key, group, "search-" + group.Key.Name)));
        }
        var body = hits.Count == 0 ? """<p class="slds-p-around_medium" id="search-message">No results. Check the spelling or try different words.</p>""" : groups.ToString();
        return Page(ctx, "Search", $"""<div class="slds-page-header"><h1 class="slds-page-header__title" id="page-title">{E(heading)}</h1><p class="slds-text-body_small" id="search-count">{hits.Count} result{(hits.Count == 1 ? "" : "s")}</p></div><div id="search-results" class="slds-m-top_medium">{body}</div>""");
    }
}
