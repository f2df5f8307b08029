namespace ContactBridge.RoutingMaps;

/// <summary>How routing maps are written and kept up to date (section "RoutingMaps").</summary>
public sealed class RoutingMapOptions
{
    public const string Section = "RoutingMaps";

    /// <summary>
    /// Up to this many rows per operation go through sObject collections (one API call per 200 rows, answered at once);
    /// more go through a Bulk API 2.0 job (six or more calls whatever the size, and Salesforce processes it in the background).
    /// </summary>
    public int CollectionsUpTo { get; set; } = 200;

    /// <summary>How often a Bulk API job is asked whether it has finished (each ask is an API call).</summary>
    public TimeSpan BulkPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often new contact-center users are looked at for tenants that keep their routing map up to date.</summary>
    public TimeSpan KeepMappedInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A seen user left unmapped (no Salesforce user matched, or the match was not in the call center) is tried again after this long: the admin may fix it in Salesforce.</summary>
    public TimeSpan RetryUnmatchedAfter { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<string> Problems()
    {
        if (CollectionsUpTo is < 0 or > 2000) yield return $"{Section}:CollectionsUpTo must be between 0 and 2000 (it is {CollectionsUpTo}).";
        if (BulkPollInterval <= TimeSpan.Zero) yield return $"{Section}:BulkPollInterval must be positive, such as 00:00:02.";
        if (KeepMappedInterval <= TimeSpan.Zero) yield return $"{Section}:KeepMappedInterval must be positive, such as 00:01:00.";
        if (RetryUnmatchedAfter <= TimeSpan.Zero) yield return $"{Section}:RetryUnmatchedAfter must be positive, such as 01:00:00.";
    }
}
