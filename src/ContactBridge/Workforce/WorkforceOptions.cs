using Microsoft.Extensions.Options;

namespace ContactBridge.Workforce;

/// <summary>The workforce feed's settings for the whole hub (section <c>Workforce</c>).</summary>
public sealed class WorkforceOptions
{
    public const string Section = "Workforce";

    /// <summary>How often a Salesforce-source integration asks its org what changed (one composite request, one API call, per read).</summary>
    public TimeSpan OmniChannelPollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How far before the last SystemModstamp read each read asks again: a record committed later than its stamp (a long
    /// transaction) is not missed. Records read twice are stored once.
    /// </summary>
    public TimeSpan OmniChannelOverlap { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the first read's Bulk API query jobs are asked whether they are done.</summary>
    public TimeSpan BulkPollInterval { get; set; } = TimeSpan.FromSeconds(2);
}

public sealed class WorkforceOptionsValidator : IValidateOptions<WorkforceOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkforceOptions options)
    {
        var problems = new List<string>();
        if (options.OmniChannelPollInterval < TimeSpan.FromSeconds(1) || options.OmniChannelPollInterval > TimeSpan.FromHours(1))
            problems.Add("Workforce:OmniChannelPollInterval is 00:00:01 to 01:00:00 (each read costs an API call).");
        if (options.OmniChannelOverlap < TimeSpan.Zero || options.OmniChannelOverlap > TimeSpan.FromHours(1))
            problems.Add("Workforce:OmniChannelOverlap is 00:00:00 to 01:00:00.");
        if (options.BulkPollInterval < TimeSpan.FromMilliseconds(10) || options.BulkPollInterval > TimeSpan.FromMinutes(1))
            problems.Add("Workforce:BulkPollInterval is 00:00:00.010 to 00:01:00.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
