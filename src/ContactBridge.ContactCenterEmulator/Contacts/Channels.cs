namespace ContactBridge.ContactCenterEmulator.Contacts;

/// <summary>A contact's channel (as the hub names it in interaction events) and the skill channel that serves it.</summary>
public static class Channels
{
    public static readonly IReadOnlyList<string> ContactChannels = ["voice", "web_chat", "email"];
    public static readonly IReadOnlyList<string?> SkillChannels = ["phone", "chat", "email", "work_item", "personal"];

    public static string SkillChannelOf(string contactChannel) => contactChannel switch
    {
        "voice" => "phone",
        "web_chat" => "chat",
        _ => "email",
    };
}
