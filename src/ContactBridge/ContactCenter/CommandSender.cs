using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Intake;
using Microsoft.Extensions.Options;

namespace ContactBridge.ContactCenter;

/// <summary>The command URL's host resolves to an address the hub does not send commands to.</summary>
public sealed class CommandUrlRefusedException(string message) : Exception(message);

/// <summary>The contact center's answer to a command: accepted (with what it made, such as the new call's id) or refused with a reason.</summary>
public sealed record CommandAnswer(string Outcome, string? Reason, string? Message, JsonObject? Result);

/// <summary>What sending a command came to: an answer, or why there is none (the status the caller gets, and what to tell them).</summary>
public sealed record CommandDelivery(CommandAnswer? Answer, int Attempts, string? Status, string? Problem);

/// <summary>
/// Sends a command to a tenant's contact center: a signed POST with the command's id as its Idempotency-Key, each
/// attempt limited in time, sent again (same key) when no answer came, up to the configured attempts. Only a signed
/// answer that names the command counts as an answer.
/// </summary>
public sealed class CommandSender(IHttpClientFactory http, TimeProvider clock, IOptions<ContactCenterOptions> options, ILogger<CommandSender> log)
{
    public const string HttpClientName = "contact-center-commands";
    private const int MaxAnswerBytes = 64 * 1024;

    public async Task<CommandDelivery> SendAsync(ContactCenterConnection connection, string tenantId, CommandRecord command, CancellationToken ct)
    {
        var o = options.Value;
        var body = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["protocol"] = ContactCenterCommands.ProtocolVersion, ["id"] = command.CommandId, ["tenantId"] = tenantId, ["agentId"] = command.AgentId,
            ["type"] = command.Type, ["data"] = command.Data.DeepClone(), ["issuedAt"] = command.CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        });
        var client = http.CreateClient(HttpClientName);
        string lastProblem = "";
        for (var attempt = 1; attempt <= o.CommandAttempts; attempt++)
        {
            if (attempt > 1) await Task.Delay(o.CommandRetryDelay * Math.Pow(2, attempt - 2), clock, ct);
            using var request = new HttpRequestMessage(HttpMethod.Post, connection.CommandUrl) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("Idempotency-Key", command.CommandId);
            request.Headers.TryAddWithoutValidation(EventSignature.Header, EventSignature.Of(connection.Secret, clock.GetUtcNow(), body));
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(o.CommandTimeout);
            HttpResponseMessage response;
            byte[] answer;
            try
            {
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
                answer = await ReadLimitedAsync(response, limit.Token);
            }
            catch (HttpRequestException e) when (e.InnerException is CommandUrlRefusedException refused)
            {
                return new CommandDelivery(null, attempt, CommandRecord.Failed, $"The command was not sent: {refused.Message}");
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                lastProblem = e is OperationCanceledException ? $"no answer within {o.CommandTimeout.TotalSeconds:0.#} s" : $"could not reach it ({e.Message})";
                log.LogWarning("Command {CommandId} ({Type}) to tenant {TenantId}'s contact center, attempt {Attempt}: {Problem}", command.CommandId, command.Type, tenantId, attempt,
                    lastProblem);
                continue;
            }
            using (response)
            {
                var status = (int)response.StatusCode;
                if (status is >= 500 or 429 or 408)
                {
                    lastProblem = $"it answered HTTP {status}";
                    log.LogWarning("Command {CommandId} ({Type}) to tenant {TenantId}'s contact center, attempt {Attempt}: HTTP {Status}", command.CommandId, command.Type, tenantId,
                        attempt, status);
                    continue;
                }
                if (response.StatusCode != HttpStatusCode.OK)
                    return new CommandDelivery(null, attempt, CommandRecord.Failed,
                        $"The contact center refused the hub's request with HTTP {status}{Detail(answer)}. Check the command URL, and that the contact center has this tenant's command secret.");
                var problem = EventSignature.Problem(response.Headers.TryGetValues(EventSignature.Header, out var v) ? string.Join(",", v) : null, answer, [connection.Secret],
                    clock.GetUtcNow(), "the tenant's command secret");
                // An answer came (so the command was probably done) but cannot be believed: not final, so the same key asks again for the stored answer.
                if (problem is not null)
                    return new CommandDelivery(null, attempt, CommandRecord.Unverified,
                        $"The contact center's answer failed the signature check, so it was not believed: {problem} The command may have been carried out: " +
                        "check the command secret and the clocks, then send the same request again with the same Idempotency-Key.");
                var (parsed, why) = Parse(answer, command.CommandId);
                return parsed is not null
                    ? new CommandDelivery(parsed, attempt, null, null)
                    : new CommandDelivery(null, attempt, CommandRecord.Unverified,
                        $"The contact center's answer is not an answer to this command: {why} The command may have been carried out: send the same request again with the same Idempotency-Key.");
            }
        }
        return new CommandDelivery(null, o.CommandAttempts, CommandRecord.Unanswered,
            $"The contact center did not answer after {o.CommandAttempts} attempt(s) (the last: {lastProblem}). The command may or may not have been carried out: " +
            "send the same request again with the same Idempotency-Key, and it will not be carried out twice.");
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        return await Web.BoundedRead.ReadAsync(stream, MaxAnswerBytes, ct) ?? throw new HttpRequestException($"the answer is larger than {MaxAnswerBytes / 1024} KiB");
    }

    /// <summary>The refusing side's own words, when it sent a problem document: enough to act on, never a whole page.</summary>
    private static string Detail(byte[] body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject o && (o["detail"] ?? o["title"]) is JsonValue d && d.TryGetValue<string>(out var text))
                return $" (\"{(text.Length > 300 ? text[..300] + "…" : text)}\")";
        }
        catch (JsonException)
        {
            // Not a problem document: the status says enough.
        }
        return "";
    }

    private static readonly System.Text.RegularExpressions.Regex ReasonCode = new("^[a-z][a-z0-9_]{0,63}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>An answer is a JSON object naming this command, with outcome accepted or refused (a refusal with a reason code), and nothing unbounded.</summary>
    public static (CommandAnswer? Answer, string? Problem) Parse(byte[] body, string commandId)
    {
        var (json, malformed) = IntakeEndpoints.ParseStrictly(body);
        if (malformed is not null) return (null, malformed);
        if (json is not JsonObject o) return (null, "it must be a JSON object.");
        static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (Str(o["commandId"]) != commandId) return (null, "its commandId is not this command's id.");
        var outcome = Str(o["outcome"]);
        if (outcome is not ("accepted" or "refused")) return (null, "its outcome must be \"accepted\" or \"refused\".");
        var reason = Str(o["reason"]);
        if (outcome == "refused" && (reason is null || !ReasonCode.IsMatch(reason))) return (null, "a refusal must carry a reason code (lower case, digits and _, at most 64).");
        if (reason is not null && !ReasonCode.IsMatch(reason)) return (null, "its reason must be a code (lower case, digits and _, at most 64).");
        var message = Str(o["message"]);
        if (message is { Length: > 1_000 }) message = message[..1_000] + "…";
        if (message is not null && message.Any(char.IsControl)) message = new string(message.Select(ch => char.IsControl(ch) ? ' ' : ch).ToArray());
        if (o["result"] is not null and not JsonObject) return (null, "its result must be a JSON object.");
        return (new CommandAnswer(outcome, reason, message, (JsonObject?)o["result"]?.DeepClone()), null);
    }
}
