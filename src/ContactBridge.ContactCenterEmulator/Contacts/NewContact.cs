using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Tenants;

namespace ContactBridge.ContactCenterEmulator.Contacts;

/// <summary>A customer reaching the contact center now (control API: POST /_emulator/tenants/{t}/contacts).</summary>
public sealed class NewContact
{
    public string? Channel { get; init; } = "voice";
    public string? Skill { get; init; }
    /// <summary>The caller's phone number, or e-mail address for e-mail (either for chat).</summary>
    public string? From { get; init; }
    public string? Name { get; init; }
    public string? DialledNumber { get; init; }
    public JsonObject? Ivr { get; init; }
    public double? PatienceSeconds { get; init; }

    public List<string> Problems(Func<string, string?> skillChannel)
    {
        var problems = new List<string>();
        if (!Channels.ContactChannels.Contains(Channel)) problems.Add($"channel must be one of {string.Join(", ", Channels.ContactChannels)}.");
        if (string.IsNullOrWhiteSpace(Skill)) problems.Add("skill is required: the skill (queue) the contact arrives on.");
        else if (skillChannel(Skill) is null) problems.Add($"skill '{Skill}' is not a skill of this tenant.");
        switch (Channel)
        {
            case "voice" when !Ids.IsPhone(From):
                problems.Add($"from must be the caller's phone number (at most {Ids.MaxPhoneDigits} digits) for a voice contact.");
                break;
            case "email" when !Ids.IsEmail(From):
                problems.Add($"from must be the sender's e-mail address (at most {Ids.MaxEmail} characters) for an e-mail contact.");
                break;
            case "web_chat" when From is not null && !Ids.IsPhone(From) && !Ids.IsEmail(From):
                problems.Add("from must be a phone number or an e-mail address, or left out, for a chat.");
                break;
        }
        if (Name is { Length: > 255 }) problems.Add("name is longer than 255 characters.");
        if (DialledNumber is not null && !Ids.IsPhone(DialledNumber)) problems.Add("dialledNumber must be a phone number.");
        if (PatienceSeconds is < 0) problems.Add("patienceSeconds must be 0 or more (leave it out for the tenant's patience).");
        CheckIvr(Ivr, "ivr", problems);
        return problems;
    }

    /// <summary>The hub keeps IVR values as plain names to plain values, at most 100 of them.</summary>
    public static void CheckIvr(JsonObject? ivr, string where, List<string> problems)
    {
        if (ivr is null) return;
        if (ivr.Count > 100) problems.Add($"{where} has {ivr.Count} entries; at most 100.");
        foreach (var (key, value) in ivr)
        {
            if (key.Length > 100) problems.Add($"{where}: the name '{key[..40]}…' is longer than 100 characters.");
            if (value is not null && value.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
                problems.Add($"{where}.{key} must be a string, number or boolean.");
        }
    }
}
