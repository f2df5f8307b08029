using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Soap;

/// <summary>
/// The SOAP API's partner WSDL on the wire: SOAP 1.1 envelopes, sObjects as <c>sf:type</c> and <c>sf:</c> fields (the Id
/// twice when selected, as the partner API gives it), query results, and faults with Salesforce's exception codes.
/// </summary>
public static class SoapWire
{
    public static readonly XNamespace Env = "http://schemas.xmlsoap.org/soap/envelope/";
    public static readonly XNamespace Partner = "urn:partner.soap.sforce.com";
    public static readonly XNamespace SObject = "urn:sobject.partner.soap.sforce.com";
    public static readonly XNamespace Fault = "urn:fault.partner.soap.sforce.com";
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>A SOAP fault: Salesforce's exception code and message, in the fault type its WSDL gives the code.</summary>
    public sealed class SoapFaultException(string code, string message, bool client = false) : Exception(message)
    {
        public string Code { get; } = code;

        /// <summary>A fault in the request itself (not XML, not an envelope, no such operation): soapenv:Client.</summary>
        public bool IsClient { get; } = client;

        public static SoapFaultException From(SalesforceException e) => new(e.ErrorCode, e.Message);
    }

    /// <summary>Parses a request without DTDs or external entities.</summary>
    public static XDocument Parse(string text)
    {
        try
        {
            return SafeXml.Parse(text);
        }
        catch (XmlException e)
        {
            throw new SoapFaultException("Client", "Unable to parse the request as XML: " + e.Message, client: true);
        }
    }

    public static XDocument Envelope(XElement? header, XElement body) => new(new XDeclaration("1.0", "UTF-8", null),
        new XElement(Env + "Envelope",
            new XAttribute(XNamespace.Xmlns + "soapenv", Env), new XAttribute("xmlns", Partner.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "xsi", Xsi), new XAttribute(XNamespace.Xmlns + "sf", SObject),
            header is null ? null : new XElement(Env + "Header", header),
            new XElement(Env + "Body", body)));

    public static XDocument FaultEnvelope(SoapFaultException fault)
    {
        var type = fault.Code switch
        {
            "INVALID_LOGIN" or "LOGIN_MUST_USE_SECURITY_TOKEN" or "INVALID_OPERATION_WITH_EXPIRED_PASSWORD" => "LoginFault",
            "INVALID_TYPE" => "InvalidSObjectFault",
            "INVALID_FIELD" => "InvalidFieldFault",
            "MALFORMED_QUERY" or "MALFORMED_SEARCH" => "MalformedQueryFault",
            "INVALID_QUERY_LOCATOR" => "InvalidQueryLocatorFault",
            "MALFORMED_ID" or "INVALID_ID_FIELD" => "InvalidIdFault",
            _ => "UnexpectedErrorFault",
        };
        var faultXml = new XElement("faultcode", fault.IsClient ? "soapenv:Client" : "sf:" + fault.Code);
        var detail = fault.IsClient
            ? null
            : new XElement("detail", new XElement(Fault + type, new XAttribute(Xsi + "type", "sf:" + type),
                new XElement(Fault + "exceptionCode", fault.Code), new XElement(Fault + "exceptionMessage", fault.Message)));
        return new XDocument(new XDeclaration("1.0", "UTF-8", null),
            new XElement(Env + "Envelope",
                new XAttribute(XNamespace.Xmlns + "soapenv", Env), new XAttribute(XNamespace.Xmlns + "sf", Fault), new XAttribute(XNamespace.Xmlns + "xsi", Xsi),
                new XElement(Env + "Body", new XElement(Env + "Fault", faultXml,
                    new XElement("faultstring", fault.IsClient ? fault.Message : $"{fault.Code}: {fault.Message}"), detail))));
    }

    /// <summary>A record as a partner sObject: its type, its Id, then its fields; relationships and subqueries nested.</summary>
    public static XElement Record(string elementName, JsonObject record, XNamespace? ns = null)
    {
        var element = new XElement((ns ?? Partner) + elementName, new XAttribute(Xsi + "type", "sf:sObject"),
            new XElement(SObject + "type", record["attributes"]?["type"]?.ToString()));
        var id = record.FirstOrDefault(kv => kv.Key == "Id").Value;
        element.Add(id is null ? new XElement(SObject + "Id", new XAttribute(Xsi + "nil", "true")) : new XElement(SObject + "Id", id.ToString()));
        foreach (var (name, value) in record)
        {
            if (name == "attributes") continue;
            element.Add(value switch
            {
                null => new XElement(SObject + name, new XAttribute(Xsi + "nil", "true")),
                JsonObject nested when nested["records"] is JsonArray => QueryResult(name, nested["records"]!.AsArray().OfType<JsonObject>().ToList(), null, nested["totalSize"]?.GetValue<int>() ?? 0, SObject),
                JsonObject nested when nested["attributes"] is null => Compound(name, nested),
                JsonObject nested => Record(name, nested, SObject),
                JsonValue v when v.TryGetValue<string>(out var s) => new XElement(SObject + name, s),
                JsonValue v when v.TryGetValue<bool>(out var b) => new XElement(SObject + name, b ? "true" : "false"),
                _ => new XElement(SObject + name, value.ToJsonString()),
            });
        }
        return element;
    }

    /// <summary>A compound value (an address) as the partner WSDL types it: an element per part, empty parts nil.</summary>
    private static XElement Compound(string name, JsonObject value) =>
        new(SObject + name, new XAttribute(Xsi + "type", "address"), value.Select(kv => kv.Value is null
            ? new XElement(Partner + kv.Key, new XAttribute(Xsi + "nil", "true"))
            : new XElement(Partner + kv.Key, kv.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : kv.Value.ToJsonString())));

    public static XElement QueryResult(string elementName, IReadOnlyList<JsonObject> records, string? locator, int size, XNamespace? ns = null) =>
        new((ns ?? Partner) + elementName, new XAttribute(Xsi + "type", "QueryResult"),
            new XElement(Partner + "done", locator is null ? "true" : "false"),
            locator is null ? new XElement(Partner + "queryLocator", new XAttribute(Xsi + "nil", "true")) : new XElement(Partner + "queryLocator", locator),
            records.Select(r => Record("records", r)),
            new XElement(Partner + "size", size.ToString(CultureInfo.InvariantCulture)));

    /// <summary>A JSON document (a describe) as partner XML: objects become elements, arrays repeated elements, null xsi:nil.</summary>
    public static IEnumerable<XElement> FromJson(string name, JsonNode? node) => node switch
    {
        null => [new XElement(Partner + name, new XAttribute(Xsi + "nil", "true"))],
        JsonArray array => array.SelectMany(item => FromJson(name, item)),
        JsonObject o => [new XElement(Partner + name, o.SelectMany(kv => FromJson(kv.Key, kv.Value)))],
        JsonValue v when v.TryGetValue<bool>(out var b) => [new XElement(Partner + name, b ? "true" : "false")],
        JsonValue v when v.TryGetValue<string>(out var s) => [new XElement(Partner + name, s)],
        _ => [new XElement(Partner + name, node.ToJsonString())],
    };

    /// <summary>A partner sObject in a request: its type, Id, fieldsToNull and field values (text, typed as its field).</summary>
    public static (ObjectDef Type, string? Id, JsonObject Body) ReadSObject(OrgSchema schema, XElement element)
    {
        var typeName = element.Elements().FirstOrDefault(e => e.Name.LocalName == "type")?.Value.Trim()
                       ?? throw new SoapFaultException("INVALID_TYPE", "Must send a concrete entity type.");
        var type = schema.Find(typeName) ?? throw new SoapFaultException("INVALID_TYPE", $"sObject type '{typeName}' is not supported.");
        var (id, body) = SObjectXml.Read(type, element,
            name => new SoapFaultException("INVALID_FIELD", $"No such column '{name}' on entity '{type.Name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name."));
        return (type, id, body);
    }

    /// <summary>A save result's errors: status code, message and fields.</summary>
    public static XElement Errors(string statusCode, string message, IEnumerable<string> fields) =>
        new(Partner + "errors", fields.Select(f => new XElement(Partner + "fields", f)), new XElement(Partner + "message", message), new XElement(Partner + "statusCode", statusCode));

}
