using System.Text.Json;
using System.Text.Json.Serialization;
using ContactBridge.ContactCenterEmulator.Contacts;
using ContactBridge.ContactCenterEmulator.Routing;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>A seed file: the tenants an emulator starts with.</summary>
public sealed class SeedFile
{
    public List<TenantSeed> Tenants { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>One tenant of the contact center: its link to the hub, skills, agents, address books and timings.</summary>
public sealed class TenantSeed
{
    public string? Id { get; set; }
    public string? HubEventsUrl { get; init; }
    public string? EventSecret { get; init; }
    public string? CommandSecret { get; init; }
    public List<SkillSeed> Skills { get; init; } = [];
    public List<AgentSeed> Agents { get; init; } = [];
    public List<AddressBookSeed> AddressBooks { get; init; } = [];
    public List<string> ReasonCodes { get; init; } = ["Break", "Lunch", "Training", "Meeting", "Admin"];
    public int RingSeconds { get; init; } = 20;
    /// <summary>Null: wrap-up ends only when the agent sets a state.</summary>
    public int? WrapUpSeconds { get; init; } = 30;
    public int AutoAnswerSeconds { get; init; } = 1;

    /// <summary>Where answered calls' recordings are (https): each answered call ends with its recording, {base}/{contact id}.wav. Null: calls are not recorded.</summary>
    public string? RecordingBaseUrl { get; init; }

    /// <summary>Answered calls are transcribed as they go: the agent's greeting and the caller's first words, as messages of the call.</summary>
    public bool TranscribeCalls { get; init; }
    public TalkSeconds TalkSeconds { get; init; } = new();
    public PatienceSetting? Patience { get; init; }

    /// <summary>Every problem, each naming its field; empty when the tenant can run.</summary>
    public List<string> Problems()
    {
        var problems = new List<string>();
        Ids.Check(Id, "id", problems);
        if (Skills is null || Agents is null || AddressBooks is null || ReasonCodes is null)
        {
            problems.Add("skills, agents, addressBooks and reasonCodes must be arrays (leave one out for none).");
            return problems;
        }
        if (HubEventsUrl is not null)
        {
            if (!Uri.TryCreate(HubEventsUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                problems.Add($"hubEventsUrl '{HubEventsUrl}' must be an absolute http or https URL (or null to keep events here).");
            if (string.IsNullOrEmpty(EventSecret)) problems.Add("eventSecret is required when hubEventsUrl is set: events are signed with it.");
        }
        if (string.IsNullOrEmpty(CommandSecret)) problems.Add("commandSecret is required: commands from the hub are checked with it.");
        var skillIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Skills.Count; i++)
        {
            var s = Skills[i];
            if (s is null) { problems.Add($"skills[{i}] must be an object."); continue; }
            if (Ids.Check(s.Id, $"skills[{i}].id", problems) && !skillIds.Add(s.Id!)) problems.Add($"skills[{i}].id '{s.Id}' is used twice.");
            if (!Channels.SkillChannels.Contains(s.Channel)) problems.Add($"skills[{i}].channel must be one of {string.Join(", ", Channels.SkillChannels)}.");
        }
        var agentIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Agents.Count; i++)
        {
            var a = Agents[i];
            if (a is null) { problems.Add($"agents[{i}] must be an object."); continue; }
            if (Ids.Check(a.Id, $"agents[{i}].id", problems) && !agentIds.Add(a.Id!)) problems.Add($"agents[{i}].id '{a.Id}' is used twice.");
            if (string.IsNullOrWhiteSpace(a.Name)) problems.Add($"agents[{i}].name is required.");
            if (a.Email is not null && !Ids.IsEmail(a.Email)) problems.Add($"agents[{i}].email '{a.Email}' must be an e-mail address of at most {Ids.MaxEmail} characters.");
            if (a.PhoneNumber is not null && !Ids.IsPhone(a.PhoneNumber)) problems.Add($"agents[{i}].phoneNumber '{a.PhoneNumber}' must be a phone number (at most 15 digits).");
            if (a.Station is { Length: > Ids.MaxId }) problems.Add($"agents[{i}].station is longer than {Ids.MaxId} characters.");
            if (a.Team is { Length: > Ids.MaxId }) problems.Add($"agents[{i}].team is longer than {Ids.MaxId} characters.");
            foreach (var (skill, proficiency) in a.Skills ?? [])
            {
                if (!skillIds.Contains(skill)) problems.Add($"agents[{i}].skills names skill '{skill}', which is not in skills.");
                if (proficiency is < 0 or > 100) problems.Add($"agents[{i}].skills.{skill} must be a proficiency from 0 to 100.");
            }
        }
        var bookIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < AddressBooks.Count; i++)
        {
            var b = AddressBooks[i];
            if (b is null) { problems.Add($"addressBooks[{i}] must be an object."); continue; }
            if (Ids.Check(b.Id, $"addressBooks[{i}].id", problems) && !bookIds.Add(b.Id!)) problems.Add($"addressBooks[{i}].id '{b.Id}' is used twice.");
            b.CheckEntries($"addressBooks[{i}]", agentIds, skillIds, problems);
        }
        if (ReasonCodes.Any(string.IsNullOrWhiteSpace)) problems.Add("reasonCodes must not contain empty codes.");
        if (RingSeconds is < 1 or > 3600) problems.Add("ringSeconds must be from 1 to 3600.");
        if (WrapUpSeconds is < 0 or > 86_400) problems.Add("wrapUpSeconds must be from 0 to 86400, or null to end wrap-up only when the agent sets a state.");
        if (AutoAnswerSeconds is < 0 or > 3600) problems.Add("autoAnswerSeconds must be from 0 to 3600.");
        if (RecordingBaseUrl is not null && !(Uri.TryCreate(RecordingBaseUrl, UriKind.Absolute, out var recordings) && recordings.Scheme == Uri.UriSchemeHttps))
            problems.Add("recordingBaseUrl must be an absolute https URL, or null for no recordings.");
        if (TalkSeconds is null || TalkSeconds.Min < 0 || TalkSeconds.Max < TalkSeconds.Min)
            problems.Add("talkSeconds must be {min, max} with 0 <= min <= max.");
        Patience?.Check("patience", problems);
        return problems;
    }
}

public sealed class SkillSeed
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public string? Channel { get; init; } = "phone";
}

public sealed class AgentSeed
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string? Password { get; init; }
    public string? Station { get; init; }
    public string? PhoneNumber { get; init; }
    /// <summary>The agent's team, sent with logging in (workforce management's user import).</summary>
    public string? Team { get; init; }
    public Dictionary<string, int>? Skills { get; init; } = [];
    public bool AutoAnswer { get; init; }
    public bool LoggedIn { get; init; }
}

public sealed class AddressBookSeed
{
    public string? Id { get; set; }
    public string? Name { get; init; }
    public List<AddressBookEntry> Entries { get; init; } = [];

    public void CheckEntries(string where, IReadOnlySet<string> agentIds, IReadOnlySet<string> skillIds, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(Name)) problems.Add($"{where}.name is required.");
        if (Entries is null)
        {
            problems.Add($"{where}.entries must be an array.");
            return;
        }
        for (var j = 0; j < Entries.Count; j++)
        {
            var e = Entries[j];
            var at = $"{where}.entries[{j}]";
            if (e is null) { problems.Add($"{at} must be an object."); continue; }
            if (string.IsNullOrWhiteSpace(e.Name)) problems.Add($"{at}.name is required.");
            if (e.Number is null && e.AgentId is null && e.Skill is null) problems.Add($"{at} needs a number, an agentId or a skill.");
            if (e.Number is not null && !Ids.IsPhone(e.Number)) problems.Add($"{at}.number '{e.Number}' must be a phone number (at most 15 digits).");
            if (e.AgentId is not null && !agentIds.Contains(e.AgentId)) problems.Add($"{at}.agentId '{e.AgentId}' is not an agent of this tenant.");
            if (e.Skill is not null && !skillIds.Contains(e.Skill)) problems.Add($"{at}.skill '{e.Skill}' is not a skill of this tenant.");
        }
    }
}

public sealed class AddressBookEntry
{
    public string? Name { get; init; }
    public string? Number { get; init; }
    public string? AgentId { get; init; }
    public string? Skill { get; init; }
}

public sealed class TalkSeconds
{
    public int Min { get; init; } = 30;
    public int Max { get; init; } = 240;
}
