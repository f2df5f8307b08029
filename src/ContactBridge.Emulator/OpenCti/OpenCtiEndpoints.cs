using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Emulator.Lightning;
using Microsoft.Extensions.FileProviders;

namespace ContactBridge.Emulator.OpenCti;

public sealed record OpenCtiNavigation(string? Url, bool Listener);

public sealed record OpenCtiClick(string? Number, string? RecordId, bool Listener);

/// <summary>
/// Open CTI's two halves meet here. The softphone's page loads <c>opencti_min.js</c>, which
/// posts each call to the console page around it (window.postMessage, as in Salesforce); the
/// console forwards it to <c>/lightning/opencti/call</c> with its session and applies the effects.
/// Navigations and clicks on phone numbers come the same way and are recorded for the listeners.
/// </summary>
public static partial class OpenCtiEndpoints
{
    public static void MapOpenCti(this IEndpointRouteBuilder app)
    {
        app.MapGet("/support/api/{version}/lightning/{file}", Script).ExcludeFromDescription();
        var console = app.MapGroup("/lightning/opencti").ExcludeFromDescription();
        console.MapPost("/call", (Delegate)Call);
        console.MapPost("/navigation", (Delegate)Navigation);
        console.MapPost("/click-to-dial", (Delegate)ClickToDial);
    }

    [GeneratedRegex(@"^(\d{2,3})\.0$")]
    private static partial Regex VersionPattern();

    private static IResult Script(string version, string file, HttpContext context)
    {
        if (file is not ("opencti_min.js" or "opencti.js")) return Results.NotFound();
        var m = VersionPattern().Match(version);
        if (!m.Success || int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < 38)
            return Results.Content($"/* Open CTI for Lightning Experience exists from API version 38.0; '{version}' is not one. */", "application/javascript", statusCode: 404);
        var asset = Assets.GetFileInfo("opencti/opencti.js");
        context.Response.Headers.CacheControl = "no-cache";
        return Results.Stream(asset.CreateReadStream(), "application/javascript; charset=utf-8");
    }

    internal static readonly IFileProvider Assets = new ManifestEmbeddedFileProvider(typeof(OpenCtiEndpoints).Assembly, "wwwroot");

    /// <summary>Only the console's own page may call: signed in, with the session's token in a header a cross-site form cannot send.</summary>
    private static async Task<(ConsoleContext? Ctx, T? Body, IResult? Error)> ReadAsync<T>(HttpContext context) where T : class
    {
        if (ConsoleContext.Of(context) is not { } ctx)
            return (null, null, Results.Problem(detail: "Sign in to the console first: this endpoint serves the console page, not the API.", statusCode: 401));
        if (!ctx.CsrfMatches(context.Request.Headers[ConsoleContext.CsrfHeader]))
            return (null, null, Results.Problem(detail: $"The {ConsoleContext.CsrfHeader} header is missing or is not this session's.", statusCode: 403));
        if (ctx.CallCenter is not { ForLightning: true })
            return (null, null, Results.Problem(detail: "Open CTI serves softphones: this user is in no call center for Lightning Experience.", statusCode: 403));
        if (!context.Request.HasJsonContentType())
            return (null, null, Results.Problem(detail: "Send the body as application/json.", statusCode: 415));
        try
        {
            var body = await context.Request.ReadFromJsonAsync<T>(Json, context.RequestAborted);
            return body is null ? (null, null, Results.Problem(detail: "The body is empty; send a JSON object.", statusCode: 400)) : (ctx, body, null);
        }
        catch (JsonException e)
        {
            return (null, null, Results.Problem(detail: "The body is not the JSON expected: " + e.Message, statusCode: 400));
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static void Record(ConsoleContext ctx, string kind, string? method, JsonNode? args, OpenCtiAnswer? answer, JsonNode? payload, bool? delivered)
    {
        // Everything is read before the record's lock is taken: the call center needs the org's lock.
        var center = ctx.CallCenter?.InternalName;
        var at = ctx.State.Clock.GetUtcNow();
        var entryArgs = args?.DeepClone();
        var errors = answer?.Errors?.DeepClone();
        var effects = answer?.Effects.DeepClone();
        var data = payload?.DeepClone();
        ctx.Org.Console.OpenCti.Add(seq => new OpenCtiEntry(seq, at, ctx.User.Id, ctx.Username, center, kind, method, entryArgs, answer?.Success, errors, effects, data, delivered));
    }

    private static async Task<IResult> Call(HttpContext context)
    {
        var (ctx, request, error) = await ReadAsync<OpenCtiRequest>(context);
        if (error is not null) return error;
        var answer = OpenCtiMethods.Run(ctx!, request!);
        var response = answer.Response();
        Record(ctx!, "call", request!.Method, request.Args, answer, answer.ReturnValue, null);
        return Results.Json(new JsonObject { ["response"] = response, ["effects"] = answer.Effects.DeepClone() });
    }

    private static async Task<IResult> Navigation(HttpContext context)
    {
        var (ctx, nav, error) = await ReadAsync<OpenCtiNavigation>(context);
        if (error is not null) return error;
        var payload = OpenCtiMethods.NavigationPayload(ctx!, nav!.Url);
        Record(ctx!, "navigation", null, null, null, payload, nav.Listener);
        return Results.Json(payload);
    }

    private static async Task<IResult> ClickToDial(HttpContext context)
    {
        var (ctx, click, error) = await ReadAsync<OpenCtiClick>(context);
        if (error is not null) return error;
        if (string.IsNullOrWhiteSpace(click!.Number)) return Results.Problem(detail: "number is missing.", statusCode: 400);
        var payload = OpenCtiMethods.ClickToDialPayload(ctx!, click.Number, click.RecordId);
        Record(ctx!, "clickToDial", null, null, null, payload, click.Listener);
        return Results.Json(payload);
    }
}
