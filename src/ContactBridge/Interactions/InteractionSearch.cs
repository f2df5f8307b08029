using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Interactions;

/// <summary>What the Activity page looks for: a phone, e-mail, interaction id or name, and filters.</summary>
public sealed record InteractionQuery(string? Text, string? Channel, string? State, DateOnly? From, DateOnly? To, int Page)
{
    public const int PageSize = 50;

    public static readonly string[] States = ["written", "pending", "dead"];

    public bool IsEmpty => string.IsNullOrWhiteSpace(Text) && Channel is null && State is null && From is null && To is null;
}

/// <summary>The columns a fold writes so interactions can be found without reading their state.</summary>
public static class InteractionSearch
{
    public static (string Channel, string? PhoneTail, string? Email, string? Name, string? AgentId) KeysOf(InteractionState s) =>
        (s.Channel, PhoneTail(s.Caller.Phone), s.Caller.Email?.Trim().ToLowerInvariant(), s.Caller.Name?.Trim().ToLowerInvariant(), s.Agent?.Id?.Trim());

    /// <summary>The last nine digits of a number (national and international forms agree on them); null with fewer than six digits.</summary>
    public static string? PhoneTail(string? phone)
    {
        if (phone is null) return null;
        var digits = new string(phone.Where(char.IsAsciiDigit).ToArray());
        return digits.Length < 6 ? null : digits[Math.Max(0, digits.Length - 9)..];
    }

    /// <summary>A page of the tenant's interactions matching the query, newest change first, and whether there are more.</summary>
    public static async Task<(IReadOnlyList<InteractionRow> Rows, bool More)> SearchAsync(HubDatabase db, string tenantId, InteractionQuery q, CancellationToken ct)
    {
        var where = new List<string> { "i.tenant_id = @tenantId" };
        var args = new DynamicParameters(new { tenantId });
        var text = q.Text?.Trim();
        if (!string.IsNullOrEmpty(text))
        {
            // A phone number, an e-mail address, or else an interaction id or a name: each compared by an index or a prefix.
            var alternatives = new List<string> { "i.interaction_id = @text" };
            args.Add("text", text);
            if (text.Contains('@', StringComparison.Ordinal))
            {
                alternatives.Add("i.caller_email = @email");
                args.Add("email", text.ToLowerInvariant());
            }
            if (PhoneTail(text) is { } tail && text.All(c => char.IsAsciiDigit(c) || c is ' ' or '+' or '-' or '(' or ')' or '.'))
            {
                alternatives.Add("i.caller_phone_tail = @tail");
                args.Add("tail", tail);
            }
            alternatives.Add(@"i.caller_name LIKE @name ESCAPE '\'");
            args.Add("name", "%" + text.ToLowerInvariant().Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%");
            where.Add("(" + string.Join(" OR ", alternatives) + ")");
        }
        if (q.Channel is not null)
        {
            where.Add("i.channel = @channel");
            args.Add("channel", q.Channel);
        }
        switch (q.State)
        {
            case "written":
                where.Add("i.records IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.tenant_id = i.tenant_id AND o.interaction_id = i.interaction_id AND o.state IN ('pending', 'sending', 'dead'))");
                break;
            case "dead":
                where.Add("EXISTS (SELECT 1 FROM outbox o WHERE o.tenant_id = i.tenant_id AND o.interaction_id = i.interaction_id AND o.state = 'dead')");
                break;
            case "pending":
                // Waiting for Salesforce, as the dashboard counts it: ended and not planned yet, or a write not sent yet.
                where.Add("((i.ended = 1 AND i.planned_version < i.state_version) " +
                          "OR EXISTS (SELECT 1 FROM outbox o WHERE o.tenant_id = i.tenant_id AND o.interaction_id = i.interaction_id AND o.state IN ('pending', 'sending')))");
                break;
        }
        if (q.From is { } from)
        {
            where.Add("i.updated_at >= @from");
            args.Add("from", new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds());
        }
        if (q.To is { } to)
        {
            where.Add("i.updated_at < @to");
            args.Add("to", new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds());
        }
        args.Add("limit", InteractionQuery.PageSize + 1);
        args.Add("offset", (long)(Math.Max(1, q.Page) - 1) * InteractionQuery.PageSize);
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<InteractionRow>(
            $"SELECT i.* FROM interactions i WHERE {string.Join(" AND ", where)} ORDER BY i.updated_at DESC, i.interaction_id LIMIT @limit OFFSET @offset", args)).ToList();
        return (rows.Take(InteractionQuery.PageSize).ToList(), rows.Count > InteractionQuery.PageSize);
    }
}
