using System.Text.Json.Nodes;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Records;

/// <summary>What a lead is converted into: an existing account (and a contact of it), or new ones made from the lead.</summary>
public sealed record LeadConversion(string? AccountId = null, string? ContactId = null, string ConvertedStatus = "Closed - Converted")
{
    /// <summary>Whether an opportunity is made too (the SOAP API's doNotCreateOpportunity, inverted); named OpportunityName or after the company.</summary>
    public bool CreateOpportunity { get; init; }
    public string? OpportunityName { get; init; }

    /// <summary>The lead statuses that mean converted (LeadStatus.IsConverted); a conversion must end in one of them.</summary>
    public static readonly IReadOnlySet<string> ConvertedStatuses = new HashSet<string>(["Closed - Converted"], StringComparer.Ordinal);
}

/// <summary>The records a conversion made or used.</summary>
public sealed record LeadConverted(string LeadId, string AccountId, string ContactId, string? OpportunityId = null);

public sealed partial class RecordWriter
{
    /// <summary>The lead fields a new contact takes over, by the contact's field name.</summary>
    private static readonly (string Lead, string Contact)[] ContactFromLead =
    [
        ("Salutation", "Salutation"), ("FirstName", "FirstName"), ("LastName", "LastName"), ("Title", "Title"), ("Email", "Email"), ("Phone", "Phone"),
        ("MobilePhone", "MobilePhone"), ("Fax", "Fax"), ("LeadSource", "LeadSource"), ("Description", "Description"), ("Street", "MailingStreet"),
        ("City", "MailingCity"), ("State", "MailingState"), ("PostalCode", "MailingPostalCode"), ("Country", "MailingCountry"),
    ];

    /// <summary>
    /// Converts a lead as Salesforce does (the SOAP API's convertLead, the "Convert" button): the account (new, named after the lead's
    /// company, or the one given) and the contact (new, with the lead's name, numbers, e-mail and address, or the one given), then
    /// the lead marked converted with their ids, the date and a converted status. Each change has its change event. All or nothing.
    /// An existing contact must be given with its account. New records belong to the lead's owner. An opportunity when asked for.
    /// Not yet: filling an existing record's blank fields from the lead.
    /// </summary>
    public LeadConverted ConvertLead(string callerId, SRecord lead, LeadConversion conversion)
    {
        ArgumentNullException.ThrowIfNull(lead);
        ArgumentNullException.ThrowIfNull(conversion);
        if (lead.Type.Name != "Lead") throw new SalesforceException(400, "INVALID_ID_FIELD", $"Not a lead: {lead.Id}");
        if (lead.IsDeleted) throw new SalesforceException(400, "ENTITY_IS_DELETED", "entity is deleted");
        if (Equals(lead["IsConverted"], true)) throw new SalesforceException(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead");
        if (!LeadConversion.ConvertedStatuses.Contains(conversion.ConvertedStatus))
            throw new SalesforceException(400, "INVALID_STATUS", $"invalid convertedStatus: {conversion.ConvertedStatus}");
        if (conversion.ContactId is not null && conversion.AccountId is null)
            throw new SalesforceException(400, "REQUIRED_FIELD_MISSING", "accountId is required when contactId is given", ["accountId"]);
        var owner = lead.GetString("OwnerId") ?? callerId;

        using var transaction = _org.Records.Begin();
        var account = conversion.AccountId is { } accountId
            ? Existing(accountId, "Account")
            : Create(callerId, _org.Schema.Require("Account"), new JsonObject { ["Name"] = lead.GetString("Company") ?? lead.GetString("Name"), ["OwnerId"] = owner });
        SRecord contact;
        if (conversion.ContactId is { } contactId)
        {
            contact = Existing(contactId, "Contact");
            if (!string.Equals(contact.GetString("AccountId"), account.Id, StringComparison.Ordinal))
                throw new SalesforceException(400, "INVALID_CROSS_REFERENCE_KEY", $"the contact {contactId} does not belong to the account {account.Id}");
        }
        else
        {
            var contactType = _org.Schema.Require("Contact");
            var body = new JsonObject { ["AccountId"] = account.Id, ["OwnerId"] = owner };
            foreach (var (from, to) in ContactFromLead)
            {
                if (contactType.Field(to) is { } field && lead[from] is { } value) body[to] = FieldValues.ToJson(field, value);
            }
            contact = Create(callerId, contactType, body);
        }
        var today = DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime);
        string? opportunityId = null;
        if (conversion.CreateOpportunity)
        {
            // As Salesforce does: named after the company unless named, in the first stage, closing at the end of this quarter.
            var quarterEnd = new DateOnly(today.Year, (today.Month - 1) / 3 * 3 + 3, 1).AddMonths(1).AddDays(-1);
            opportunityId = Create(callerId, _org.Schema.Require("Opportunity"), new JsonObject
            {
                ["Name"] = conversion.OpportunityName ?? (lead.GetString("Company") ?? lead.GetString("Name")) + "-", ["AccountId"] = account.Id, ["OwnerId"] = owner,
                ["StageName"] = Schema.StandardObjects.OpportunityStages[0].Stage, ["CloseDate"] = quarterEnd.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                ["LeadSource"] = lead.GetString("LeadSource"),
            }).Id;
        }
        var converted = new JsonObject
        {
            ["IsConverted"] = true, ["ConvertedDate"] = today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["ConvertedAccountId"] = account.Id, ["ConvertedContactId"] = contact.Id, ["Status"] = conversion.ConvertedStatus,
        };
        if (opportunityId is not null) converted["ConvertedOpportunityId"] = opportunityId;
        Update(callerId, lead, converted, system: true);
        transaction.Commit();
        return new LeadConverted(lead.Id, account.Id, contact.Id, opportunityId);
    }

    private SRecord Existing(string id, string objectName)
    {
        if (!SalesforceId.TryNormalize(id, out var id18) || _org.Records.Get(id18) is not { IsDeleted: false } record || record.Type.Name != objectName)
            throw new SalesforceException(400, "INVALID_CROSS_REFERENCE_KEY", $"invalid cross reference id: {id}");
        return record;
    }
}
