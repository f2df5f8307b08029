using System.Text.Json.Nodes;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Records;

/// <summary>What a lead is converted into: an existing account (and a contact of it), or new ones made from the lead.</summary>
public sealed record LeadConversion(string? AccountId = null, string? ContactId = null, string ConvertedStatus = "Closed - Converted")
{
    /// <summary>The lead statuses that mean converted (LeadStatus.IsConverted); a conversion must end in one of them.</summary>
    public static readonly IReadOnlySet<string> ConvertedStatuses = new HashSet<string>(["Closed - Converted"], StringComparer.Ordinal);
}

/// <summary>The records a conversion made or used.</summary>
public sealed record LeadConverted(string LeadId, string AccountId, string ContactId);

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
    /// An existing contact must be given with its account. New records belong to the lead's owner. Not yet: an opportunity, and
    /// filling an existing record's blank fields from the lead.
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
        Update(callerId, lead, new JsonObject
        {
            ["IsConverted"] = true, ["ConvertedDate"] = DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["ConvertedAccountId"] = account.Id, ["ConvertedContactId"] = contact.Id, ["Status"] = conversion.ConvertedStatus,
        }, system: true);
        transaction.Commit();
        return new LeadConverted(lead.Id, account.Id, contact.Id);
    }

    private SRecord Existing(string id, string objectName)
    {
        if (!SalesforceId.TryNormalize(id, out var id18) || _org.Records.Get(id18) is not { IsDeleted: false } record || record.Type.Name != objectName)
            throw new SalesforceException(400, "INVALID_CROSS_REFERENCE_KEY", $"invalid cross reference id: {id}");
        return record;
    }
}
