using System.Text.Json;
using ContactBridge.Identification;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Logging;

/// <summary>How a tenant's interactions become Salesforce records.</summary>
public sealed record LoggingSettings
{
    public const string Sales = "sales";
    public const string Support = "support";
    public const string Manual = "manual";

    /// <summary>sales: unknown caller → Lead, each interaction → Task. support: unknown → Contact, chats/conversations → Case, calls → Task. manual: only calls are logged automatically.</summary>
    public string Mode { get; init; } = Sales;

    /// <summary>For a caller already in Salesforce: "none" (leave it), "overwrite" (write the interaction's data), "fill_empty" (only empty fields).</summary>
    public string UpdatePolicy { get; init; } = "none";

    public IdentificationRules Identification { get; init; } = new();

    /// <summary>The external-id field (unique, on Lead, Contact, Case and Task) that makes every write an idempotent upsert.</summary>
    public string KeyField { get; init; } = "ContactBridge_Key__c";

    /// <summary>Per object, Salesforce field → template. Placeholders: see <see cref="LogTemplates.Placeholders"/>.</summary>
    public Dictionary<string, Dictionary<string, string>> FieldMapping { get; init; } = LogTemplates.Defaults();

    /// <summary>Per channel (voice, web_chat, inbox, email, sms), object → field → template overrides of <see cref="FieldMapping"/>.</summary>
    public Dictionary<string, Dictionary<string, Dictionary<string, string>>> ChannelFieldMapping { get; init; } = [];

    public static readonly string[] Channels = ["voice", "web_chat", "inbox", "email", "sms"];

    /// <summary>The mapping of one object for one channel: the defaults, with the channel's overrides on top.</summary>
    public IReadOnlyDictionary<string, string> MappingFor(string channel, string sobject)
    {
        var merged = new Dictionary<string, string>(FieldMapping.GetValueOrDefault(sobject) ?? [], StringComparer.Ordinal);
        if (ChannelFieldMapping.TryGetValue(channel, out var byObject) && byObject.TryGetValue(sobject, out var overrides))
            foreach (var (field, template) in overrides) merged[field] = template;
        return merged;
    }

    /// <summary>Every (where, object, field, template) the settings name, for checking against the org.</summary>
    public IEnumerable<(string Where, string Object, string Field, string Template)> AllMappings() =>
        FieldMapping.SelectMany(o => o.Value.Select(f => ("fieldMapping", o.Key, f.Key, f.Value)))
            .Concat(ChannelFieldMapping.SelectMany(c => c.Value.SelectMany(o => o.Value.Select(f => ($"channelFieldMapping.{c.Key}", o.Key, f.Key, f.Value)))));

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public IEnumerable<string> Problems()
    {
        if (Mode is not (Sales or Support or Manual)) yield return $"mode must be {Sales}, {Support} or {Manual}.";
        if (UpdatePolicy is not ("none" or "overwrite" or "fill_empty")) yield return "updatePolicy must be none, overwrite or fill_empty.";
        if (!PhoneNumbers.IsKnownCountry(Identification.DefaultCountry))
            yield return $"identification.defaultCountry \"{Identification.DefaultCountry}\" is not a region code the phone library knows; use an ISO 3166 code such as US, GB, DE.";
        if (Identification.WhenSeveral is not ("screen_pop_search" or "most_recent")) yield return "identification.whenSeveral must be screen_pop_search or most_recent.";
        if (Identification.ScreenPopUrlWhen is not ("no_match" or "always")) yield return "identification.screenPopUrlWhen must be no_match or always.";
        if (ContactBridge.Identification.ScreenPopTemplate.Problem(Identification.ScreenPopUrl) is { } popProblem) yield return $"identification.screenPopUrl: {popProblem}";
        foreach (var channel in ChannelFieldMapping.Keys.Where(c => !Channels.Contains(c)))
            yield return $"channelFieldMapping.{channel}: not a channel; use {string.Join(", ", Channels)}.";
        foreach (var (where, obj, field, template) in AllMappings())
            foreach (var unknown in LogTemplates.UnknownPlaceholders(template))
                yield return $"{where}.{obj}.{field}: unknown placeholder {{{unknown}}}.";
        foreach (var rule in Identification.IvrRules.Where(r => !IvrRule.IsKey(r.IvrKey)))
            yield return $"identification.ivrRules: \"{rule.IvrKey}\" cannot be an IVR key: use letters, digits, _ . or - (no spaces), at most 64.";
        foreach (var rule in Identification.Objects.Where(o => o.Object is not ("Contact" or "Lead" or "Account")))
            yield return $"identification.objects: {rule.Object} cannot identify a caller; use Contact, Lead or Account.";
    }
}

public sealed class LoggingSettingsStore(HubDatabase db, TimeProvider clock)
{
    public async Task<LoggingSettings> GetAsync(string tenantId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var json = await c.QuerySingleOrDefaultAsync<string>("SELECT settings FROM logging_settings WHERE tenant_id = @tenantId", new { tenantId });
        return json is null ? new LoggingSettings() : JsonSerializer.Deserialize<LoggingSettings>(json, LoggingSettings.Json) ?? new LoggingSettings();
    }

    public async Task SaveAsync(string tenantId, LoggingSettings settings, CancellationToken ct = default)
    {
        var problems = settings.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems));
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync("""
            INSERT INTO logging_settings (tenant_id, settings, updated_at) VALUES (@tenantId, @json, @now)
            ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
            """, new { tenantId, json = JsonSerializer.Serialize(settings, LoggingSettings.Json), now = clock.GetUtcNow().ToUnixTimeMilliseconds() });
    }
}
