using ContactBridge.Salesforce;

namespace ContactBridge.RoutingMaps;

/// <summary>Which Salesforce user field a contact-center user's match value is compared with.</summary>
public enum MatchBy
{
    Email,
    Username,
    Alias,
    FederationId,
}

/// <summary>What to do with a Salesforce user that already has a routing map in the call center.</summary>
public enum ExistingMapPolicy
{
    Skip,
    Update,
}

public enum RowAction
{
    Create,
    Update,
    Unchanged,
    Skipped,
}

/// <summary>
/// One contact-center user to map; Row is its line in the uploaded CSV (1 = the first data row). UserId, when given,
/// names the Salesforce user directly (15 or 18 characters) instead of matching MatchValue.
/// </summary>
public sealed record TelephonyUser(int Row, string ExternalId, string MatchValue, string? QuickConnect = null, string? UserId = null)
{
    /// <summary>A user seen in events: matched by their e-mail, or by their contact-center id for the other match fields.</summary>
    public static IReadOnlyList<TelephonyUser> FromSeen(IEnumerable<ContactCenterUser> seen, MatchBy matchBy) =>
        seen.Select((u, i) => new TelephonyUser(i + 1, u.ExternalId, (matchBy == MatchBy.Email ? u.Email : u.ExternalId) ?? "")).ToList();
}

/// <summary>A Salesforce user; CallCenterId is the contact center the user was added to (Setup → Contact Centers → Manage Call Center Users).</summary>
public sealed record SalesforceUser(string Id, string Username, string? Email, string? Alias, string? FederationIdentifier, bool IsActive, string? CallCenterId);

public sealed record ExistingRoutingMap(string Id, string DeveloperName, string ExternalId, string ReferenceRecordId, string? QuickConnect);

/// <summary>One CallCenterRoutingMap record, in the columns Salesforce documents.</summary>
public sealed record RoutingMapRow(
    int Row, string ExternalId, string ReferenceRecordId, string CallCenterId, string DeveloperName, string MasterLabel, string? QuickConnect,
    RowAction Action, string? ExistingId = null, string? Username = null);

public sealed record RoutingMapProblem(int Row, string Message);

public sealed record RoutingMapPlan(
    IReadOnlyList<RoutingMapRow> Rows, IReadOnlyList<RoutingMapProblem> Problems,
    IReadOnlyList<TelephonyUser> UnmatchedTelephonyUsers, IReadOnlyList<SalesforceUser> UnmappedSalesforceUsers)
{
    public bool IsValid => Problems.Count == 0;
    public IEnumerable<RoutingMapRow> ToWrite => Rows.Where(r => r.Action is RowAction.Create or RowAction.Update);
}

/// <summary>
/// Builds and checks a call center's routing map before anything is written: contact-center users matched to
/// active Salesforce users, 18-character ids, DeveloperName <c>User_{user id}_{call center id}</c>, and every
/// problem reported with its row and what to do about it.
/// </summary>
public static class RoutingMapPlanner
{
    public const int ExternalIdMaxLength = 255;
    public const int DeveloperNameMaxLength = 80;
    public const int MasterLabelMaxLength = 80;
    public const string CallCenterPrefix = "04v";
    public const string UserPrefix = "005";

    public static string DeveloperName(string userId18, string callCenterId18) => $"User_{userId18}_{callCenterId18}";

    /// <summary>The match field as messages name it.</summary>
    public static string FieldLabel(MatchBy matchBy) => matchBy switch { MatchBy.Email => "email", MatchBy.Username => "username", MatchBy.Alias => "alias", _ => "federation id" };

    public static RoutingMapPlan Build(
        IReadOnlyList<TelephonyUser> telephonyUsers, IReadOnlyList<SalesforceUser> salesforceUsers, string callCenterId,
        IReadOnlyList<ExistingRoutingMap> existing, MatchBy matchBy, ExistingMapPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(telephonyUsers);
        ArgumentNullException.ThrowIfNull(salesforceUsers);
        ArgumentNullException.ThrowIfNull(existing);
        var problems = new List<RoutingMapProblem>();
        if (!SalesforceIds.TryNormalize(callCenterId, out var center) || SalesforceIds.Prefix(center) != CallCenterPrefix)
        {
            problems.Add(new RoutingMapProblem(0, $"'{callCenterId}' is not a call center id (those are 15 or 18 characters starting {CallCenterPrefix}); copy it from Setup → Contact Centers."));
            return new RoutingMapPlan([], problems, [], []);
        }

        var users = salesforceUsers.Select(u => SalesforceIds.TryNormalize(u.Id, out var id) ? u with { Id = id } : u).ToList();
        string? Key(SalesforceUser u) => matchBy switch
        {
            MatchBy.Email => u.Email,
            MatchBy.Username => u.Username,
            MatchBy.Alias => u.Alias,
            _ => u.FederationIdentifier,
        };
        var byId = users.GroupBy(u => u.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var byKey = users.Where(u => !string.IsNullOrWhiteSpace(Key(u)))
            .GroupBy(u => Key(u)!.Trim(), StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
        var existingByName = existing.GroupBy(e => e.DeveloperName, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var existingByExternal = existing.GroupBy(e => e.ExternalId, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var field = FieldLabel(matchBy);

        var rows = new List<RoutingMapRow>();
        var unmatched = new List<TelephonyUser>();
        var firstRowOfExternal = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var firstRowOfUser = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in telephonyUsers)
        {
            var externalId = t.ExternalId.Trim();
            if (externalId.Length == 0)
            {
                problems.Add(new RoutingMapProblem(t.Row, "ExternalId is empty: give the user's telephony username (or Amazon Connect ARN)."));
                continue;
            }
            if (externalId.Length > ExternalIdMaxLength)
            {
                problems.Add(new RoutingMapProblem(t.Row, $"ExternalId is {externalId.Length} characters; Salesforce allows {ExternalIdMaxLength}."));
                continue;
            }
            if (!firstRowOfExternal.TryAdd(externalId, t.Row))
            {
                problems.Add(new RoutingMapProblem(t.Row, $"ExternalId '{externalId}' is also on row {firstRowOfExternal[externalId]}: a telephony user can be mapped once; remove one of the rows."));
                continue;
            }
            SalesforceUser user;
            if (!string.IsNullOrWhiteSpace(t.UserId))
            {
                if (!SalesforceIds.TryNormalize(t.UserId.Trim(), out var givenId) || SalesforceIds.Prefix(givenId) != UserPrefix)
                {
                    problems.Add(new RoutingMapProblem(t.Row, $"'{t.UserId.Trim()}' is not a Salesforce user id (15 or 18 characters starting {UserPrefix}): copy it from the user's page, or leave it empty to match by {field}."));
                    continue;
                }
                if (!byId.TryGetValue(givenId, out var named))
                {
                    problems.Add(new RoutingMapProblem(t.Row, $"No Salesforce user has the id {givenId}: check the id (it may belong to another org), or leave it empty to match by {field}."));
                    continue;
                }
                user = named;
            }
            else
            {
                var match = t.MatchValue.Trim();
                if (match.Length == 0)
                {
                    problems.Add(new RoutingMapProblem(t.Row, $"The {field} to match is empty: fill it in, or match by another field."));
                    continue;
                }
                if (!byKey.TryGetValue(match, out var candidates))
                {
                    unmatched.Add(t);
                    continue;
                }
                if (candidates.Count > 1)
                {
                    problems.Add(new RoutingMapProblem(t.Row, $"{candidates.Count} Salesforce users have the {field} '{match}' ({string.Join(", ", candidates.Select(c => c.Username))}): match by another field."));
                    continue;
                }
                user = candidates[0];
            }
            if (!SalesforceIds.TryNormalize(user.Id, out var userId) || SalesforceIds.Prefix(userId) != UserPrefix)
            {
                problems.Add(new RoutingMapProblem(t.Row, $"'{user.Id}' is not a Salesforce user id (those start {UserPrefix})."));
                continue;
            }
            if (!user.IsActive)
            {
                problems.Add(new RoutingMapProblem(t.Row, $"{user.Username} is inactive in Salesforce: activate the user first, or remove the row."));
                continue;
            }
            if (!SalesforceIds.TryNormalize(user.CallCenterId, out var userCenter) || userCenter != center)
            {
                problems.Add(new RoutingMapProblem(t.Row, $"{user.Username} is not a user of this contact center: add the user in Setup → Contact Centers → Manage Call Center Users, then run again."));
                continue;
            }
            if (!firstRowOfUser.TryAdd(userId, t.Row))
            {
                problems.Add(new RoutingMapProblem(t.Row, $"{user.Username} is also matched on row {firstRowOfUser[userId]}, which would repeat the DeveloperName {DeveloperName(userId, center)}: a Salesforce user can have one routing map per call center."));
                continue;
            }
            var name = DeveloperName(userId, center);
            if (name.Length > DeveloperNameMaxLength || userId.Length > MasterLabelMaxLength)
            {
                problems.Add(new RoutingMapProblem(t.Row, $"DeveloperName '{name}' is longer than {DeveloperNameMaxLength} characters."));
                continue;
            }
            if (existingByExternal.TryGetValue(externalId, out var taken) && !string.Equals(taken.DeveloperName, name, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new RoutingMapProblem(t.Row, $"ExternalId '{externalId}' is already mapped to another Salesforce user ({taken.ReferenceRecordId}): remove that mapping first, or correct the row."));
                continue;
            }
            var quick = string.IsNullOrWhiteSpace(t.QuickConnect) ? null : t.QuickConnect.Trim();
            var action = RowAction.Create;
            string? existingId = null;
            if (existingByName.TryGetValue(name, out var current))
            {
                existingId = current.Id;
                var same = string.Equals(current.ExternalId, externalId, StringComparison.Ordinal) && string.Equals(current.QuickConnect ?? "", quick ?? "", StringComparison.Ordinal);
                action = same ? RowAction.Unchanged : policy == ExistingMapPolicy.Update ? RowAction.Update : RowAction.Skipped;
            }
            rows.Add(new RoutingMapRow(t.Row, externalId, userId, center, name, userId, quick, action, existingId, user.Username));
        }

        var mapped = rows.Select(r => r.ReferenceRecordId).Concat(existing.Select(e => SalesforceIds.TryNormalize(e.ReferenceRecordId, out var id) ? id : e.ReferenceRecordId))
            .ToHashSet(StringComparer.Ordinal);
        var unmapped = users.Where(u => u.IsActive && !mapped.Contains(u.Id) && SalesforceIds.TryNormalize(u.CallCenterId, out var c) && c == center).ToList();
        return new RoutingMapPlan(rows, problems, unmatched, unmapped);
    }
}
