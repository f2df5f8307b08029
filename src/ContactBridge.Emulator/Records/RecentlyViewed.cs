namespace ContactBridge.Emulator.Records;

/// <summary>
/// Each user's recently viewed and referenced records, newest first, as SOQL's <c>FOR VIEW</c> and <c>FOR REFERENCE</c> mark them
/// (Salesforce keeps 200 in all per user). Callers hold the org's lock.
/// </summary>
public sealed class RecentlyViewed
{
    public const int MaxPerUser = 200;

    private readonly Dictionary<string, List<string>> _byUser = new(StringComparer.Ordinal);

    /// <summary>Marks records as viewed now by the user: each moves to the front, once.</summary>
    public void Mark(string userId, IEnumerable<string> recordIds)
    {
        if (!_byUser.TryGetValue(userId, out var list)) _byUser[userId] = list = [];
        foreach (var id in recordIds)
        {
            list.Remove(id);
            list.Insert(0, id);
        }
        if (list.Count > MaxPerUser) list.RemoveRange(MaxPerUser, list.Count - MaxPerUser);
    }

    /// <summary>The user's recently viewed record ids, newest first.</summary>
    public IReadOnlyList<string> Of(string userId) => _byUser.TryGetValue(userId, out var list) ? list : [];
}
