using System.Text.Json.Nodes;

namespace ContactBridge.Emulator.Records;

/// <summary>
/// An error Salesforce would answer with: an HTTP status and the body
/// <c>[{"message","errorCode","fields"}]</c> (REST always answers errors as an array).
/// </summary>
public sealed class SalesforceException : Exception
{
    public SalesforceException(int status, string errorCode, string message, params string[] fields)
        : base(message)
    {
        Status = status;
        ErrorCode = errorCode;
        Fields = fields;
    }

    public int Status { get; }
    public string ErrorCode { get; }
    public IReadOnlyList<string> Fields { get; }

    public JsonObject ToErrorObject()
    {
        var o = new JsonObject { ["message"] = Message, ["errorCode"] = ErrorCode };
        if (Fields.Count > 0) o["fields"] = new JsonArray(Fields.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray());
        return o;
    }

    /// <summary>The error shape used inside sObject collection results: statusCode instead of errorCode.</summary>
    public JsonObject ToCollectionError() => new()
    {
        ["statusCode"] = ErrorCode,
        ["message"] = Message,
        ["fields"] = new JsonArray(Fields.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
    };

    public JsonArray ToBody() => [ToErrorObject()];

    public static SalesforceException NotFound() =>
        new(404, "NOT_FOUND", "The requested resource does not exist");

    public static SalesforceException InvalidType(string name) =>
        new(400, "INVALID_TYPE", $"sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.");

    public static SalesforceException JsonParser(string message) => new(400, "JSON_PARSER_ERROR", message);
}
