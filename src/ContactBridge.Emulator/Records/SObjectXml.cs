using System.Text.Json.Nodes;
using System.Xml.Linq;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Records;

/// <summary>
/// A record as XML gives it (a SOAP API sObject, a Bulk API 1.0 XML batch's sObject): its Id, and field values as text typed
/// by their fields; <c>fieldsToNull</c> and <c>xsi:nil</c> clear a field, an empty element leaves it alone.
/// </summary>
public static class SObjectXml
{
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>The Id and values; an element naming no field of the object is <paramref name="unknownField"/>'s error. A <c>type</c> element is skipped.</summary>
    public static (string? Id, JsonObject Body) Read(ObjectDef type, XElement element, Func<string, Exception> unknownField)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(element);
        ArgumentNullException.ThrowIfNull(unknownField);
        FieldDef Field(string name) => type.Field(name) ?? throw unknownField(name);
        string? id = null;
        var body = new JsonObject();
        foreach (var e in element.Elements())
        {
            var name = e.Name.LocalName;
            if (name == "type") continue;
            if (name == "fieldsToNull")
            {
                body[Field(e.Value.Trim()).Name] = null;
                continue;
            }
            if (name.Equals("Id", StringComparison.OrdinalIgnoreCase))
            {
                id = e.Value.Trim() is { Length: > 0 } v ? v : null;
                continue;
            }
            var field = Field(name);
            if ((string?)e.Attribute(Xsi + "nil") == "true") body[field.Name] = null;
            else if (e.Value.Length > 0) body[field.Name] = Bulk.BulkJobs.FromCsv(field, e.Value);
        }
        return (id, body);
    }
}
