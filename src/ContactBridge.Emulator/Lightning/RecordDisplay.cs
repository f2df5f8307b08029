using System.Globalization;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;
using static ContactBridge.Emulator.Lightning.ConsoleLayout;

namespace ContactBridge.Emulator.Lightning;

/// <summary>How a record and its fields read on a Lightning page. Callers hold the org's lock.</summary>
internal static class RecordDisplay
{
    private static readonly HashSet<string> Hidden = new(["Id", "IsDeleted", "SystemModstamp", "CustomSettings"], StringComparer.Ordinal);

    private static readonly Dictionary<string, string[]> Columns = new(StringComparer.Ordinal)
    {
        ["Account"] = ["Name", "Phone", "Type", "BillingCity"],
        ["Contact"] = ["Name", "AccountId", "Phone", "Email"],
        ["Lead"] = ["Name", "Company", "Phone", "Status"],
        ["Case"] = ["CaseNumber", "Subject", "Status", "ContactId"],
        ["Opportunity"] = ["Name", "AccountId", "StageName", "CloseDate", "Amount"],
        ["Task"] = ["Subject", "WhoId", "Status", "CreatedDate"],
        ["User"] = ["Name", "Username", "Email", "IsActive"],
    };

    public static string Name(SRecord record) =>
        record.Type.NameFieldDef is { } nameField && record[nameField.Name] is { } value && FormatPlain(nameField, value) is { Length: > 0 } text ? text : record.Id;

    public static string RecordUrl(string basePath, SRecord record) => $"{basePath}/lightning/r/{record.Type.Name}/{record.Id}/view";

    private static readonly string[] SystemInformation = ["OwnerId", "CreatedById", "CreatedDate", "LastModifiedById", "LastModifiedDate"];

    /// <summary>The fields a record page shows: the name first, the record's own fields, then who owns, created and changed it.</summary>
    public static IEnumerable<FieldDef> ShownFields(ObjectDef type) =>
        type.Fields.Where(f => !Hidden.Contains(f.Name) && f.Type != FieldType.Base64
                && !(f.CompoundFieldName is { } compound && type.Field(compound)?.Type == FieldType.Address)) // an address shows whole, not as its parts
            .OrderBy(f => f.NameField ? -2 : Array.IndexOf(SystemInformation, f.Name));

    /// <summary>A field's label on a page: as describe has it, but a lookup reads "Account", not "Account ID", as page layouts show it.</summary>
    public static string Label(FieldDef field) =>
        field.Type == FieldType.Reference && field.DisplayLabel.EndsWith(" ID", StringComparison.Ordinal) ? field.DisplayLabel[..^3] : field.DisplayLabel;

    /// <summary>The columns of a list of this object: a few telling fields, the name first.</summary>
    public static IReadOnlyList<FieldDef> ListColumns(ObjectDef type)
    {
        var names = Columns.GetValueOrDefault(type.Name) ?? [type.NameFieldDef?.Name ?? "Id", "CreatedDate"];
        return names.Select(type.Field).OfType<FieldDef>().ToList();
    }

    public static string FormatPlain(FieldDef field, object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        DateTimeOffset dt => dt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        decimal m when field.Type == FieldType.Currency => m.ToString("#,##0.00", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>A field's value as HTML: references as links to the record, phones ready for click-to-dial, the rest encoded text.</summary>
    public static string Html(SalesforceOrg org, string basePath, SRecord record, FieldDef field, bool link = true)
    {
        var value = record[field.Name];
        if (value is null) return "";
        switch (field.Type)
        {
            case FieldType.Reference when value is string id && org.Records.Get(id) is { IsDeleted: false } target:
                return $"""<a href="{E(RecordUrl(basePath, target))}" data-record-link="{E(target.Id)}">{E(Name(target))}</a>""";
            case FieldType.Phone when value is string phone:
                // The console makes these clickable once the softphone calls enableClickToDial.
                return $"""<a class="cb-phone" data-number="{E(phone)}" data-record-id="{E(record.Id)}">{E(phone)}</a>""";
            case FieldType.Email when value is string email:
                return $"""<a href="mailto:{E(email)}" hx-boost="false">{E(email)}</a>""";
            case FieldType.Url when value is string url && Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https":
                return $"""<a href="{E(u.ToString())}" target="_blank" rel="noopener noreferrer" hx-boost="false">{E(url)}</a>""";
            case FieldType.Address:
                return string.Join("<br>", FormatPlain(field, value).Split('\n').Select(E));
            case FieldType.Boolean:
                return value is true ? """<span class="cb-check" title="true">✓</span>""" : """<span class="cb-check" title="false">–</span>""";
            default:
                if (link && field.NameField) return $"""<a href="{E(RecordUrl(basePath, record))}">{E(FormatPlain(field, value))}</a>""";
                return E(FormatPlain(field, value));
        }
    }

    /// <summary>A table of records with the object's list columns, each name linking to its record page.</summary>
    public static string Table(SalesforceOrg org, string basePath, ObjectDef type, IEnumerable<SRecord> records, string id)
    {
        var columns = ListColumns(type);
        var rows = string.Join("", records.Select(r => "<tr>" + string.Join("", columns.Select((c, i) =>
            i == 0 ? $"""<th scope="row"><div class="slds-truncate"><a href="{E(RecordUrl(basePath, r))}" data-record-link="{E(r.Id)}">{E(Name(r))}</a></div></th>"""
                   : $"""<td><div class="slds-truncate">{Html(org, basePath, r, c, link: false)}</div></td>""")) + "</tr>"));
        return $"""
            <table class="slds-table slds-table_cell-buffer slds-table_bordered" id="{E(id)}">
              <thead><tr class="slds-line-height_reset">{string.Join("", columns.Select(c => $"""<th scope="col"><div class="slds-truncate">{E(Label(c))}</div></th>"""))}</tr></thead>
              <tbody>{rows}</tbody>
            </table>
            """;
    }
}
