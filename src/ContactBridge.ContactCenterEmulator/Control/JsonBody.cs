using System.Text.Json;
using System.Text.Json.Serialization;

namespace ContactBridge.ContactCenterEmulator.Control;

/// <summary>Reads control-API bodies strictly (an unknown field is a typo worth a 400), and shapes the problems the API answers.</summary>
internal static class JsonBody
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (request.ContentLength is 0) return (null, Problem(400, "The body is empty: send a JSON object."));
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, request.HttpContext.RequestAborted);
            return value is null ? (null, Problem(400, "The body is null: send a JSON object.")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Problem(400, $"The body is not JSON of the expected shape: {e.Message}"));
        }
    }

    public static IResult Problem(int status, string detail, IReadOnlyList<string>? problems = null) => Results.Problem(
        detail: detail,
        statusCode: status,
        title: status switch
        {
            400 => "Invalid request",
            401 => "Signature refused",
            404 => "Not found",
            409 => "Conflict",
            503 => "Service unavailable",
            504 => "Timed out",
            _ => "Error",
        },
        extensions: problems is null ? null : new Dictionary<string, object?> { ["problems"] = problems });

    public static IResult Invalid(IReadOnlyList<string> problems) => Problem(400, string.Join(" ", problems), problems);
}
