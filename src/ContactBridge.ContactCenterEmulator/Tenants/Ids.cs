namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>
/// What the hub accepts in the events this emulator sends: a value it would refuse would make it refuse the
/// whole batch, so such values are refused here, where they come in.
/// </summary>
public static class Ids
{
    /// <summary>The hub's limit on an event's subject.</summary>
    public const int MaxId = 200;
    public const int MaxEmail = 80;
    public const int MaxPhone = 40;
    public const int MaxPhoneDigits = 15;

    public static bool Check(string? id, string field, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(id)) problems.Add($"{field} is required.");
        else if (id.Length > MaxId) problems.Add($"{field} is longer than {MaxId} characters.");
        else if (id.Any(char.IsControl) || id.Contains('/', StringComparison.Ordinal)) problems.Add($"{field} '{id}' must not contain '/' or control characters.");
        else return true;
        return false;
    }

    public static bool IsPhone(string? s) =>
        !string.IsNullOrWhiteSpace(s) && s.Length <= MaxPhone && s.Count(char.IsAsciiDigit) is > 0 and <= MaxPhoneDigits
        && s.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')' or '.');

    public static bool IsEmail(string? s) =>
        !string.IsNullOrWhiteSpace(s) && s.Length <= MaxEmail && s.IndexOf('@', StringComparison.Ordinal) is > 0 && !s.EndsWith('@') && !s.Any(char.IsWhiteSpace);
}
