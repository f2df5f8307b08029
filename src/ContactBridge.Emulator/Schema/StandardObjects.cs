namespace ContactBridge.Emulator.Schema;

/// <summary>
/// The standard objects a contact-center connector touches, with their real required fields,
/// types, lengths and picklists (Salesforce Object Reference, "Standard Objects").
/// </summary>
public static class StandardObjects
{
    public static IEnumerable<ObjectDef> All()
    {
        yield return Organization();
        yield return Profile();
        yield return User();
        yield return Account();
        yield return Contact();
        yield return Lead();
        yield return Case();
        yield return Opportunity();
        yield return Task();
        yield return ActivityView("ActivityHistory", "Activity History", "Activity Histories", "ActivityHistories");
        yield return ActivityView("OpenActivity", "Open Activity", "Open Activities", "OpenActivities");
        yield return CallCenter();
        yield return CallCenterRoutingMap();
        yield return VoiceCall();
        yield return Group();
        yield return ServiceChannel();
        yield return ServicePresenceStatus();
        yield return UserServicePresence();
        yield return AgentWork();
        yield return ContentDocument();
        yield return ContentVersion();
        yield return ContentDocumentLink();
        yield return PushTopic();
        yield return StreamingChannel();
    }

    private static FieldDef Str(string name, int length, bool nillable = true, string? label = null, string? compound = null) =>
        new() { Name = name, Type = FieldType.String, Length = length, Nillable = nillable, Label = label, CompoundFieldName = compound, CompoundPart = compound is null ? null : name };

    private static FieldDef Text(string name, int length = 32000, string? label = null) =>
        new() { Name = name, Type = FieldType.TextArea, Length = length, Label = label };

    private static FieldDef Phone(string name, string? label = null) =>
        new() { Name = name, Type = FieldType.Phone, Length = 40, Label = label };

    private static FieldDef Email(string name, bool nillable = true) =>
        new() { Name = name, Type = FieldType.Email, Length = 80, Nillable = nillable };

    private static FieldDef Picklist(string name, string[] values, object? defaultValue = null, bool nillable = true, bool restricted = false, bool updateable = true, string? label = null, string? compound = null) =>
        new()
        {
            Name = name, Label = label, Type = FieldType.Picklist, Length = 255, PicklistValues = values, DefaultValue = defaultValue,
            DefaultedOnCreate = defaultValue is not null, Nillable = nillable, RestrictedPicklist = restricted, Updateable = updateable,
            CompoundFieldName = compound, CompoundPart = compound is null ? null : name,
        };

    private static readonly string[] GeocodeAccuracies =
        ["Address", "NearAddress", "Block", "Street", "ExtendedZip", "Zip", "Neighborhood", "City", "County", "State", "Unknown"];

    private static readonly string[] CleanStatuses = ["Matched", "Different", "Acknowledged", "NotFound", "Inactive", "Pending", "SelectMatch", "Skipped"];

    /// <summary>
    /// An address's parts and the read-only compound that gathers them (prefix "Mailing": MailingStreet … MailingGeocodeAccuracy,
    /// then MailingAddress), with the lengths and types describe gives them.
    /// </summary>
    private static ObjectDef WithAddress(this ObjectDef o, string prefix, string? label = null)
    {
        var compound = prefix + "Address";
        FieldDef Part(string part, FieldType type, int length = 0, int precision = 0, int scale = 0, string[]? values = null) => new()
        {
            Name = prefix + part, Type = type, Length = length, Precision = precision, Scale = scale, PicklistValues = values ?? [],
            RestrictedPicklist = values is not null, CompoundFieldName = compound, CompoundPart = part,
            Label = label is null ? null : $"{label} {(part == "PostalCode" ? "Zip/Postal Code" : part == "State" ? "State/Province" : part)}",
        };
        return o.Add(Part("Street", FieldType.String, 255)).Add(Part("City", FieldType.String, 40)).Add(Part("State", FieldType.String, 80))
            .Add(Part("PostalCode", FieldType.String, 20)).Add(Part("Country", FieldType.String, 80))
            .Add(Part("Latitude", FieldType.Double, precision: 18, scale: 15)).Add(Part("Longitude", FieldType.Double, precision: 18, scale: 15))
            .Add(Part("GeocodeAccuracy", FieldType.Picklist, 40, values: GeocodeAccuracies))
            .Add(new FieldDef
            {
                Name = compound, Type = FieldType.Address, Createable = false, Updateable = false, Filterable = false,
                Label = label is null ? null : label + " Address",
            });
    }

    /// <summary>The fields a merge, the recently-viewed list and data enrichment leave on a person or account record.</summary>
    private static ObjectDef WithRecordKeeping(this ObjectDef o, bool enrichment = true)
    {
        o.Add(ReadOnly(Ref("MasterRecordId", "MasterRecord", null, o.Name)))
            .Add(ReadOnly(new FieldDef { Name = "LastViewedDate", Type = FieldType.DateTime }))
            .Add(ReadOnly(new FieldDef { Name = "LastReferencedDate", Type = FieldType.DateTime }));
        if (enrichment) o.Add(Picklist("CleanStatus", CleanStatuses, label: "Clean Status"));
        return o;
    }

    private static FieldDef Ref(string name, string relationship, string? childRelationship, params string[] to) =>
        new() { Name = name, Type = FieldType.Reference, Length = 18, ReferenceTo = to, RelationshipName = relationship, ChildRelationshipName = childRelationship };

    private static FieldDef Owner(string childRelationship) => new()
    {
        Name = "OwnerId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["User"], RelationshipName = "Owner",
        ChildRelationshipName = childRelationship, Nillable = false, DefaultedOnCreate = true,
    };

    private static FieldDef Bool(string name, bool defaultValue = false, bool createable = true, bool updateable = true, string? label = null) =>
        new() { Name = name, Label = label, Type = FieldType.Boolean, Nillable = false, DefaultedOnCreate = true, DefaultValue = defaultValue, Createable = createable, Updateable = updateable };

    private static FieldDef ReadOnly(FieldDef f) => new()
    {
        Name = f.Name, Label = f.Label, Type = f.Type, Length = f.Length, Nillable = f.Nillable, Createable = false, Updateable = false,
        DefaultedOnCreate = f.DefaultedOnCreate, ReferenceTo = f.ReferenceTo, RelationshipName = f.RelationshipName,
        ChildRelationshipName = f.ChildRelationshipName, Calculated = true, NameField = f.NameField, PicklistValues = f.PicklistValues,
        IdLookup = f.IdLookup,
    };

    /// <summary>Id, IsDeleted and the audit fields every object carries.</summary>
    public static ObjectDef WithSystemFields(ObjectDef o)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Add(new FieldDef { Name = "Id", Type = FieldType.Id, Length = 18, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true, IdLookup = true, Label = $"{o.Label ?? o.Name} ID" });
        if (o.IsPlatformEvent)
        {
            o.Add(new FieldDef { Name = "ReplayId", Type = FieldType.String, Length = 255, Createable = false, Updateable = false });
            o.Add(new FieldDef { Name = "CreatedDate", Type = FieldType.DateTime, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true });
            o.Add(new FieldDef { Name = "CreatedById", Type = FieldType.Reference, Length = 18, ReferenceTo = ["User"], RelationshipName = "CreatedBy", Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true });
            return o;
        }
        o.Add(new FieldDef { Name = "IsDeleted", Type = FieldType.Boolean, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true });
        o.Add(new FieldDef { Name = "CreatedDate", Type = FieldType.DateTime, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true });
        o.Add(new FieldDef { Name = "CreatedById", Type = FieldType.Reference, Length = 18, ReferenceTo = ["User"], RelationshipName = "CreatedBy", Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true });
        o.Add(new FieldDef { Name = "LastModifiedDate", Type = FieldType.DateTime, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true });
        o.Add(new FieldDef { Name = "LastModifiedById", Type = FieldType.Reference, Length = 18, ReferenceTo = ["User"], RelationshipName = "LastModifiedBy", Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true });
        o.Add(new FieldDef { Name = "SystemModstamp", Type = FieldType.DateTime, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true });
        return o;
    }

    private static ObjectDef Organization() => WithSystemFields(new ObjectDef
    {
        Name = "Organization", Label = "Organization", LabelPlural = "Organizations", KeyPrefix = "00D",
        Createable = false, Updateable = false, Deletable = false, Searchable = false,
    })
        .Add(ReadOnly(new FieldDef { Name = "Name", Type = FieldType.String, Length = 80, Nillable = false, NameField = true }))
        .Add(ReadOnly(Str("OrganizationType", 40)))
        .Add(ReadOnly(Bool("IsSandbox")))
        .Add(ReadOnly(Str("InstanceName", 5)))
        .Add(ReadOnly(Str("NamespacePrefix", 15)))
        .Add(ReadOnly(new FieldDef { Name = "TrialExpirationDate", Type = FieldType.DateTime }))
        .Add(ReadOnly(Str("DefaultLocaleSidKey", 40)))
        .Add(ReadOnly(Str("LanguageLocaleKey", 40)))
        .Add(ReadOnly(Str("TimeZoneSidKey", 40)))
        .Add(ReadOnly(Str("Country", 80)))
        .Add(ReadOnly(Str("PrimaryContact", 80)));

    private static ObjectDef Profile() => WithSystemFields(new ObjectDef
    {
        Name = "Profile", Label = "Profile", LabelPlural = "Profile", KeyPrefix = "00e", Createable = false, Deletable = false, Searchable = false,
    })
        .Add(new FieldDef { Name = "Name", Type = FieldType.String, Length = 255, Nillable = false, NameField = true, Updateable = false, Createable = false })
        .Add(Text("Description", 255))
        .Add(ReadOnly(Bool("PermissionsApiUserOnly")))
        .Add(ReadOnly(Bool("PermissionsApiEnabled")))
        .Add(ReadOnly(Bool("PermissionsModifyAllData")));

    private static ObjectDef User() => WithSystemFields(new ObjectDef
    {
        Name = "User", Label = "User", LabelPlural = "Users", KeyPrefix = "005", Deletable = false,
    })
        .Add(new FieldDef { Name = "Username", Type = FieldType.String, Length = 80, Nillable = false, Unique = true, IdLookup = true })
        .Add(Str("FirstName", 40, compound: "Name"))
        .Add(Str("LastName", 80, nillable: false, compound: "Name"))
        .Add(ReadOnly(new FieldDef { Name = "Name", Type = FieldType.String, Length = 121, NameField = true, IdLookup = true }))
        .Add(Str("CompanyName", 80)).Add(Str("Division", 80))
        .WithAddress("")
        .Add(Email("Email", nillable: false))
        .Add(Str("SenderEmail", 80, label: "Email Sender Address")).Add(Str("SenderName", 80, label: "Email Sender Name"))
        .Add(Text("Signature", 1333, label: "Email Signature"))
        .Add(Str("Alias", 8, nillable: false))
        .Add(Str("CommunityNickname", 40))
        .Add(Bool("IsActive", true))
        .Add(Picklist("UserType", ["Standard", "PowerPartner", "CsnOnly", "Guest"], "Standard", updateable: false))
        .Add(new FieldDef { Name = "ProfileId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["Profile"], RelationshipName = "Profile", ChildRelationshipName = "Users", Nillable = false })
        .Add(new FieldDef { Name = "FederationIdentifier", Type = FieldType.String, Length = 512, IdLookup = true })
        .Add(Phone("Phone"))
        .Add(Phone("MobilePhone"))
        .Add(Phone("Fax"))
        .Add(Str("Extension", 40))
        .Add(Str("Title", 80))
        .Add(Str("Department", 80))
        .Add(Str("EmployeeNumber", 20))
        .Add(Text("AboutMe", 1000, label: "About Me"))
        .Add(Ref("ManagerId", "Manager", null, "User"))
        .Add(ReadOnly(new FieldDef { Name = "LastLoginDate", Type = FieldType.DateTime }))
        .Add(ReadOnly(new FieldDef { Name = "LastPasswordChangeDate", Type = FieldType.DateTime }))
        .Add(ReadOnly(new FieldDef { Name = "FullPhotoUrl", Type = FieldType.Url, Length = 1024, Label = "Url for full-sized Photo" }))
        .Add(ReadOnly(new FieldDef { Name = "SmallPhotoUrl", Type = FieldType.Url, Length = 1024, Label = "Photo" }))
        .Add(Bool("UserPermissionsMarketingUser", label: "Marketing User")).Add(Bool("UserPermissionsSupportUser", label: "Service Cloud User"))
        .Add(Bool("ReceivesInfoEmails", label: "Info Emails"))
        .Add(Picklist("DigestFrequency", ["D", "W", "N"], "D", nillable: false, restricted: true, label: "Chatter Email Highlights Frequency"))
        .Add(ReadOnly(new FieldDef { Name = "LastViewedDate", Type = FieldType.DateTime }))
        .Add(ReadOnly(new FieldDef { Name = "LastReferencedDate", Type = FieldType.DateTime }))
        .Add(Ref("CallCenterId", "CallCenter", "Users", "CallCenter"))
        .Add(Picklist("TimeZoneSidKey", ["America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Paris", "GMT"], "America/Los_Angeles", nillable: false))
        .Add(Picklist("LocaleSidKey", ["en_US", "en_GB", "fr_FR", "de_DE"], "en_US", nillable: false))
        .Add(Picklist("EmailEncodingKey", ["UTF-8", "ISO-8859-1"], "UTF-8", nillable: false))
        .Add(Picklist("LanguageLocaleKey", ["en_US", "fr", "de"], "en_US", nillable: false));

    private static ObjectDef Account() => WithSystemFields(new ObjectDef { Name = "Account", Label = "Account", LabelPlural = "Accounts", KeyPrefix = "001" })
        .Add(new FieldDef { Name = "Name", Type = FieldType.String, Length = 255, Nillable = false, NameField = true, IdLookup = true, Label = "Account Name" })
        .Add(Str("AccountNumber", 40))
        .Add(Phone("Phone", "Account Phone"))
        .Add(Phone("Fax", "Account Fax"))
        .Add(new FieldDef { Name = "Website", Type = FieldType.Url, Length = 255 })
        .Add(Picklist("Type", ["Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Installation Partner", "Technology Partner", "Other"]))
        .Add(Picklist("Industry", ["Agriculture", "Banking", "Communications", "Education", "Healthcare", "Insurance", "Retail", "Technology", "Other"]))
        .Add(Text("Description"))
        .WithAddress("Billing", "Billing")
        .WithAddress("Shipping", "Shipping")
        .Add(Str("Site", 80, label: "Account Site"))
        .Add(Str("Sic", 20, label: "SIC Code")).Add(Str("SicDesc", 80, label: "SIC Description"))
        .Add(Str("TickerSymbol", 20))
        .Add(Picklist("Ownership", ["Public", "Private", "Subsidiary", "Other"]))
        .Add(Picklist("Rating", ["Hot", "Warm", "Cold"]))
        .Add(Picklist("AccountSource", ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]))
        .Add(Str("Jigsaw", 20, label: "Data.com Key"))
        .Add(ReadOnly(Str("JigsawCompanyId", 20, label: "Jigsaw Company ID")))
        .Add(ReadOnly(new FieldDef { Name = "LastActivityDate", Type = FieldType.Date, Label = "Last Activity" }))
        .Add(new FieldDef { Name = "NumberOfEmployees", Type = FieldType.Int, Precision = 8 })
        .Add(new FieldDef { Name = "AnnualRevenue", Type = FieldType.Currency, Precision = 18 })
        .Add(Ref("ParentId", "Parent", "ChildAccounts", "Account"))
        .Add(ReadOnly(new FieldDef { Name = "PhotoUrl", Type = FieldType.Url, Length = 255, Label = "Photo URL" }))
        .WithRecordKeeping()
        .Add(Owner("Accounts"));

    private static ObjectDef Contact() => WithSystemFields(new ObjectDef { Name = "Contact", Label = "Contact", LabelPlural = "Contacts", KeyPrefix = "003" })
        .Add(Picklist("Salutation", ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."], compound: "Name"))
        .Add(Str("FirstName", 40, compound: "Name"))
        .Add(Str("LastName", 80, nillable: false, compound: "Name"))
        .Add(ReadOnly(new FieldDef { Name = "Name", Type = FieldType.String, Length = 121, NameField = true, Label = "Full Name" }))
        .Add(Ref("AccountId", "Account", "Contacts", "Account"))
        .WithAddress("Other", "Other")
        .Add(Email("Email"))
        .Add(Phone("Phone", "Business Phone"))
        .Add(Phone("MobilePhone", "Mobile Phone"))
        .Add(Phone("HomePhone", "Home Phone"))
        .Add(Phone("OtherPhone", "Other Phone"))
        .Add(Phone("AssistantPhone", "Asst. Phone"))
        .Add(Phone("Fax", "Business Fax"))
        .Add(Ref("ReportsToId", "ReportsTo", null, "Contact"))
        .Add(Str("Title", 128))
        .Add(Str("Department", 80))
        .Add(Str("AssistantName", 40, label: "Assistant's Name"))
        .Add(new FieldDef { Name = "Birthdate", Type = FieldType.Date })
        .Add(Picklist("LeadSource", ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]))
        .WithAddress("Mailing", "Mailing")
        .Add(Text("Description"))
        .Add(Bool("HasOptedOutOfEmail", label: "Email Opt Out")).Add(Bool("HasOptedOutOfFax", label: "Fax Opt Out")).Add(Bool("DoNotCall"))
        .Add(ReadOnly(new FieldDef { Name = "LastActivityDate", Type = FieldType.Date, Label = "Last Activity" }))
        .Add(ReadOnly(new FieldDef { Name = "LastCURequestDate", Type = FieldType.DateTime, Label = "Last Stay-in-Touch Request Date" }))
        .Add(ReadOnly(new FieldDef { Name = "LastCUUpdateDate", Type = FieldType.DateTime, Label = "Last Stay-in-Touch Save Date" }))
        .Add(Str("EmailBouncedReason", 255)).Add(new FieldDef { Name = "EmailBouncedDate", Type = FieldType.DateTime })
        .Add(ReadOnly(Bool("IsEmailBounced")))
        .Add(ReadOnly(new FieldDef { Name = "PhotoUrl", Type = FieldType.Url, Length = 255, Label = "Photo URL" }))
        .Add(Str("Jigsaw", 20, label: "Data.com Key"))
        .Add(ReadOnly(Str("JigsawContactId", 20, label: "Jigsaw Contact ID")))
        .WithRecordKeeping()
        .Add(Owner("Contacts"));

    private static ObjectDef Lead() => WithSystemFields(new ObjectDef { Name = "Lead", Label = "Lead", LabelPlural = "Leads", KeyPrefix = "00Q" })
        .Add(Picklist("Salutation", ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."], compound: "Name"))
        .Add(Str("FirstName", 40, compound: "Name"))
        .Add(Str("LastName", 80, nillable: false, compound: "Name"))
        .Add(ReadOnly(new FieldDef { Name = "Name", Type = FieldType.String, Length = 121, NameField = true, Label = "Full Name" }))
        .Add(Str("Company", 255, nillable: false))
        .Add(Str("Title", 128))
        .Add(Email("Email"))
        .Add(Phone("Phone"))
        .Add(Phone("MobilePhone", "Mobile Phone"))
        .Add(Phone("Fax"))
        .Add(new FieldDef { Name = "Website", Type = FieldType.Url, Length = 255 })
        .Add(Picklist("LeadSource", ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]))
        .Add(Picklist("Status", ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"], "Open - Not Contacted", nillable: false))
        .Add(Picklist("Industry", ["Agriculture", "Banking", "Communications", "Education", "Healthcare", "Insurance", "Retail", "Technology", "Other"]))
        .WithAddress("")
        .Add(Text("Description"))
        .Add(Picklist("Rating", ["Hot", "Warm", "Cold"]))
        .Add(new FieldDef { Name = "AnnualRevenue", Type = FieldType.Currency, Precision = 18 })
        .Add(new FieldDef { Name = "NumberOfEmployees", Type = FieldType.Int, Precision = 8, Label = "Employees" })
        .Add(Bool("HasOptedOutOfEmail", label: "Email Opt Out")).Add(Bool("HasOptedOutOfFax", label: "Fax Opt Out")).Add(Bool("DoNotCall"))
        .Add(Bool("IsUnreadByOwner", label: "Unread By Owner"))
        .Add(ReadOnly(new FieldDef { Name = "LastActivityDate", Type = FieldType.Date, Label = "Last Activity" }))
        .Add(Str("EmailBouncedReason", 255)).Add(new FieldDef { Name = "EmailBouncedDate", Type = FieldType.DateTime })
        .Add(ReadOnly(new FieldDef { Name = "PhotoUrl", Type = FieldType.Url, Length = 255, Label = "Photo URL" }))
        .Add(Str("Jigsaw", 20, label: "Data.com Key"))
        .Add(ReadOnly(Str("JigsawContactId", 20, label: "Jigsaw Contact ID")))
        .WithRecordKeeping()
        .Add(ReadOnly(Bool("IsConverted")))
        .Add(ReadOnly(new FieldDef { Name = "ConvertedDate", Type = FieldType.Date }))
        .Add(ReadOnly(Ref("ConvertedAccountId", "ConvertedAccount", null, "Account")))
        .Add(ReadOnly(Ref("ConvertedContactId", "ConvertedContact", null, "Contact")))
        .Add(ReadOnly(Ref("ConvertedOpportunityId", "ConvertedOpportunity", null, "Opportunity")))
        .Add(Owner("Leads"));

    private static ObjectDef Case() => WithSystemFields(new ObjectDef { Name = "Case", Label = "Case", LabelPlural = "Cases", KeyPrefix = "500" })
        .Add(ReadOnly(new FieldDef { Name = "CaseNumber", Type = FieldType.String, Length = 30, NameField = true, IdLookup = true, Nillable = false, DefaultedOnCreate = true }))
        .Add(Ref("ContactId", "Contact", "Cases", "Contact"))
        .Add(Ref("AccountId", "Account", "Cases", "Account"))
        .Add(Ref("ParentId", "Parent", "Cases", "Case"))
        .Add(Str("Subject", 255))
        .Add(Text("Description"))
        .Add(Picklist("Status", ["New", "Working", "Escalated", "Closed"], "New", nillable: false))
        .Add(Picklist("Origin", ["Phone", "Email", "Web", "Chat"]))
        .Add(Picklist("Priority", ["High", "Medium", "Low"], "Medium"))
        .Add(Picklist("Type", ["Question", "Problem", "Feature Request"]))
        .Add(Picklist("Reason", ["Installation", "Equipment Complexity", "Performance", "Breakdown", "Equipment Design", "Feedback", "Other"]))
        .Add(Str("SuppliedName", 80, label: "Web Name"))
        .Add(new FieldDef { Name = "SuppliedEmail", Type = FieldType.Email, Length = 80, Label = "Web Email" })
        .Add(Phone("SuppliedPhone", "Web Phone"))
        .Add(Str("SuppliedCompany", 80, label: "Web Company"))
        .Add(ReadOnly(Bool("IsClosed")))
        .Add(ReadOnly(new FieldDef { Name = "ClosedDate", Type = FieldType.DateTime }))
        .Add(Bool("IsEscalated", label: "Escalated"))
        .Add(ReadOnly(Bool("IsClosedOnCreate", label: "Closed When Created")))
        .Add(Text("Comments", 4000, label: "Internal Comments"))
        .Add(Picklist("Language", ["en_US", "fr", "de", "es", "ja"]))
        .WithRecordKeeping(enrichment: false)
        .Add(new FieldDef { Name = "OwnerId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["User"], RelationshipName = "Owner", ChildRelationshipName = "Cases", Nillable = false, DefaultedOnCreate = true });

    /// <summary>Opportunity stages with the probability and forecast category a new org gives them (Setup, Opportunity Stages).</summary>
    public static readonly IReadOnlyList<(string Stage, int Probability, string Forecast, bool Closed, bool Won)> OpportunityStages =
    [
        ("Prospecting", 10, "Pipeline", false, false), ("Qualification", 10, "Pipeline", false, false), ("Needs Analysis", 20, "Pipeline", false, false),
        ("Value Proposition", 50, "Pipeline", false, false), ("Id. Decision Makers", 60, "Pipeline", false, false), ("Perception Analysis", 70, "Pipeline", false, false),
        ("Proposal/Price Quote", 75, "Pipeline", false, false), ("Negotiation/Review", 90, "Pipeline", false, false),
        ("Closed Won", 100, "Closed", true, true), ("Closed Lost", 0, "Omitted", true, false),
    ];

    private static ObjectDef Opportunity() => WithSystemFields(new ObjectDef { Name = "Opportunity", Label = "Opportunity", LabelPlural = "Opportunities", KeyPrefix = "006" })
        .Add(Ref("AccountId", "Account", "Opportunities", "Account"))
        .Add(new FieldDef { Name = "Name", Type = FieldType.String, Length = 120, Nillable = false, NameField = true, Label = "Opportunity Name" })
        .Add(Text("Description"))
        .Add(Picklist("StageName", [.. OpportunityStages.Select(s => s.Stage)], nillable: false, restricted: true, label: "Stage"))
        .Add(new FieldDef { Name = "Amount", Type = FieldType.Currency, Precision = 18, Scale = 2 })
        .Add(new FieldDef { Name = "Probability", Type = FieldType.Percent, Precision = 3, DefaultedOnCreate = true, Label = "Probability (%)" })
        .Add(ReadOnly(new FieldDef { Name = "ExpectedRevenue", Type = FieldType.Currency, Precision = 18, Scale = 2, Label = "Expected Amount" }))
        .Add(new FieldDef { Name = "TotalOpportunityQuantity", Type = FieldType.Double, Precision = 18, Scale = 2, Label = "Quantity" })
        .Add(new FieldDef { Name = "CloseDate", Type = FieldType.Date, Nillable = false })
        .Add(Picklist("Type", ["Existing Customer - Upgrade", "Existing Customer - Replacement", "Existing Customer - Downgrade", "New Customer"], label: "Opportunity Type"))
        .Add(Str("NextStep", 255))
        .Add(Picklist("LeadSource", ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]))
        .Add(ReadOnly(Bool("IsClosed")))
        .Add(ReadOnly(Bool("IsWon")))
        .Add(ReadOnly(Picklist("ForecastCategory", ["Omitted", "Pipeline", "BestCase", "Forecast", "Closed"])))
        .Add(Picklist("ForecastCategoryName", ["Omitted", "Pipeline", "Best Case", "Commit", "Closed"], label: "Forecast Category"))
        .Add(ReadOnly(new FieldDef { Name = "FiscalQuarter", Type = FieldType.Int, Precision = 1 }))
        .Add(ReadOnly(new FieldDef { Name = "FiscalYear", Type = FieldType.Int, Precision = 4 }))
        .Add(ReadOnly(Str("Fiscal", 6, label: "Fiscal Period")))
        .Add(ReadOnly(new FieldDef { Name = "LastActivityDate", Type = FieldType.Date, Label = "Last Activity" }))
        .Add(Owner("Opportunities"));

    private static ObjectDef Task() => WithSystemFields(new ObjectDef { Name = "Task", Label = "Task", LabelPlural = "Tasks", KeyPrefix = "00T" })
        .Add(new FieldDef { Name = "Subject", Type = FieldType.Combobox, Length = 255, NameField = true, PicklistValues = ["Call", "Send Letter", "Send Quote", "Other"] })
        .Add(Ref("WhoId", "Who", "Tasks", "Contact", "Lead"))
        .Add(Ref("WhatId", "What", "Tasks", "Account", "Case", "Opportunity"))
        .Add(ReadOnly(Ref("AccountId", "Account", null, "Account")))
        .Add(new FieldDef { Name = "ActivityDate", Type = FieldType.Date, Label = "Due Date Only" })
        .Add(Picklist("Status", ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"], "Not Started", nillable: false))
        .Add(Picklist("Priority", ["High", "Normal", "Low"], "Normal", nillable: false))
        .Add(Text("Description", 32000))
        .Add(Picklist("TaskSubtype", ["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"], "Task", updateable: false))
        .Add(Picklist("Type", ["Call", "Email", "Meeting", "Other"]))
        .Add(Picklist("CallType", ["Internal", "Inbound", "Outbound"], restricted: true))
        .Add(new FieldDef { Name = "CallDurationInSeconds", Type = FieldType.Int, Precision = 9 })
        .Add(Str("CallObject", 255, label: "Call Object Identifier"))
        .Add(Str("CallDisposition", 255, label: "Call Result"))
        .Add(ReadOnly(Bool("IsClosed")))
        .Add(new FieldDef { Name = "OwnerId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["User"], RelationshipName = "Owner", ChildRelationshipName = "Tasks", Nillable = false, DefaultedOnCreate = true });

    /// <summary>
    /// A read-only view of activities that exists only through its parent (Account.ActivityHistories: the closed tasks related to
    /// the account; OpenActivities: the open ones). It cannot be queried alone, as Salesforce answers; its rows are tasks.
    /// </summary>
    private static ObjectDef ActivityView(string name, string label, string plural, string childRelationship) => WithSystemFields(new ObjectDef
    {
        Name = name, Label = label, LabelPlural = plural, KeyPrefix = "", Createable = false, Updateable = false, Deletable = false, Queryable = false, Searchable = false,
    })
        .Add(ReadOnly(Ref("AccountId", "Account", childRelationship, "Account")))
        .Add(ReadOnly(Ref("WhoId", "Who", childRelationship, "Contact", "Lead")))
        .Add(ReadOnly(Ref("WhatId", "What", childRelationship, "Account", "Case", "Opportunity")))
        .Add(ReadOnly(new FieldDef { Name = "Subject", Type = FieldType.Combobox, Length = 255, NameField = true }))
        .Add(ReadOnly(Bool("IsTask", label: "Task")))
        .Add(ReadOnly(new FieldDef { Name = "ActivityDate", Type = FieldType.Date, Label = "Due Date Only" }))
        .Add(ReadOnly(Ref("OwnerId", "Owner", null, "User")))
        .Add(ReadOnly(Picklist("Status", ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"])))
        .Add(ReadOnly(Picklist("Priority", ["High", "Normal", "Low"])))
        .Add(ReadOnly(Bool("IsHighPriority", label: "High Priority")))
        .Add(ReadOnly(Picklist("ActivityType", ["Call", "Email", "Meeting", "Other"], label: "Activity Type")))
        .Add(ReadOnly(Picklist("TaskSubtype", ["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"])))
        .Add(ReadOnly(Bool("IsClosed", label: "Closed")))
        .Add(ReadOnly(Text("Description", 32000)))
        .Add(ReadOnly(Picklist("CallType", ["Internal", "Inbound", "Outbound"])))
        .Add(ReadOnly(new FieldDef { Name = "CallDurationInSeconds", Type = FieldType.Int, Precision = 9 }))
        .Add(ReadOnly(Str("CallObject", 255, label: "Call Object Identifier")))
        .Add(ReadOnly(Str("CallDisposition", 255, label: "Call Result")));

    /// <summary>A PushTopic: a SOQL query whose matching record changes stream on /topic/{Name} (Streaming API Developer Guide).</summary>
    private static ObjectDef PushTopic() => WithSystemFields(new ObjectDef { Name = "PushTopic", Label = "Push Topic", LabelPlural = "Push Topics", KeyPrefix = "0IF", Searchable = false })
        .Add(new FieldDef { Name = "Name", Type = FieldType.String, Length = 25, Nillable = false, NameField = true, Unique = true, IdLookup = true, Label = "Topic Name" })
        .Add(new FieldDef { Name = "Query", Type = FieldType.String, Length = 1300, Nillable = false, Label = "SOQL Query" })
        .Add(new FieldDef { Name = "ApiVersion", Type = FieldType.Double, Precision = 18, Scale = 1, Nillable = false, Label = "API Version" })
        .Add(Picklist("NotifyForFields", ["All", "Referenced", "Select", "Where"], "Referenced", nillable: false, restricted: true))
        .Add(Bool("NotifyForOperationCreate", true)).Add(Bool("NotifyForOperationUpdate", true))
        .Add(Bool("NotifyForOperationDelete", true)).Add(Bool("NotifyForOperationUndelete", true))
        .Add(Bool("IsActive", true))
        .Add(Text("Description", 400));

    /// <summary>A generic streaming channel (/u/{name}): events pushed to it over REST reach its subscribers.</summary>
    private static ObjectDef StreamingChannel() => WithSystemFields(new ObjectDef { Name = "StreamingChannel", Label = "Streaming Channel", LabelPlural = "Streaming Channels", KeyPrefix = "0M6", Searchable = false })
        .Add(new FieldDef { Name = "Name", Type = FieldType.String, Length = 80, Nillable = false, NameField = true, Unique = true, IdLookup = true, Label = "Streaming Channel Name" })
        .Add(Bool("IsDynamic", false, createable: false, updateable: false))
        .Add(Text("Description", 255))
        .Add(Owner("StreamingChannels"));

    private static ObjectDef CallCenter() => WithSystemFields(new ObjectDef
    {
        Name = "CallCenter", Label = "Call Center", LabelPlural = "Call Centers", KeyPrefix = "04v", Createable = false, Deletable = false, Searchable = false,
    })
        .Add(new FieldDef { Name = "Name", Type = FieldType.String, Length = 80, Nillable = false, NameField = true, Createable = false })
        .Add(new FieldDef { Name = "InternalName", Type = FieldType.String, Length = 80, Nillable = false, Createable = false, IdLookup = true })
        .Add(new FieldDef { Name = "Version", Type = FieldType.Double, Createable = false })
        .Add(new FieldDef { Name = "AdapterUrl", Type = FieldType.Url, Length = 1024, Createable = false })
        .Add(new FieldDef { Name = "CustomSettings", Type = FieldType.TextArea, Length = 131_072, Createable = false, Updateable = false, Filterable = false });

    /// <summary>
    /// A call in Service Cloud Voice (Object Reference, VoiceCall): made and updated by the telephony provider through the
    /// Telephony Integration REST API. CallEndDateTime is nillable here, as a call in progress has none yet.
    /// </summary>
    private static ObjectDef VoiceCall() => WithSystemFields(new ObjectDef { Name = "VoiceCall", Label = "Voice Call", LabelPlural = "Voice Calls", KeyPrefix = "0LQ" })
        .Add(Ref("CallCenterId", "CallCenter", null, "CallCenter"))
        .Add(new FieldDef { Name = "VendorCallKey", Type = FieldType.String, Length = 255, IdLookup = true })
        .Add(Picklist("CallType", ["Callback", "Consult", "Inbound", "InternalCall", "Outbound", "Transfer"], nillable: false, restricted: true))
        .Add(Picklist("VendorType", ["ContactCenter"], "ContactCenter", restricted: true))
        .Add(new FieldDef { Name = "FromPhoneNumber", Type = FieldType.Phone, Length = 40, Label = "Caller Contact Info", Nillable = false })
        .Add(new FieldDef { Name = "ToPhoneNumber", Type = FieldType.Phone, Length = 40, Label = "Recipient Contact Info", Nillable = false })
        .Add(new FieldDef { Name = "CallStartDateTime", Type = FieldType.DateTime, Nillable = false })
        .Add(new FieldDef { Name = "CallEndDateTime", Type = FieldType.DateTime })
        .Add(new FieldDef { Name = "CallQueuedDateTime", Type = FieldType.DateTime })
        .Add(new FieldDef { Name = "CallAcceptDateTime", Type = FieldType.DateTime })
        .Add(new FieldDef { Name = "CallDurationInSeconds", Type = FieldType.Int })
        .Add(Str("CallDisposition", 255, label: "Call Status"))
        .Add(Picklist("CallOrigin", ["Preview", "Progressive", "Voicemail"], restricted: true))
        .Add(Picklist("CallSubtype", ["PSTN", "WebRTC"], restricted: true))
        .Add(Str("QueueName", 255))
        .Add(new FieldDef { Name = "CustomerHoldDuration", Type = FieldType.Int })
        .Add(new FieldDef { Name = "LongestHoldDuration", Type = FieldType.Int })
        .Add(new FieldDef { Name = "NumberOfHolds", Type = FieldType.Int })
        .Add(Str("DisconnectReason", 255))
        .Add(Text("Description"))
        .Add(Picklist("CallResolution", ["Resolved", "Unresolved"], "Resolved"))
        .Add(Bool("IsRecorded"))
        .Add(Ref("PreviousCallId", "PreviousCall", null, "VoiceCall"))
        .Add(Ref("NextCallId", "NextCall", null, "VoiceCall"))
        .Add(Ref("UserId", "User", null, "User"))
        .Add(Ref("ActivityId", "Activity", null, "Task"))
        .Add(Ref("RelatedRecordId", "RelatedRecord", null, "Account", "Case", "Contact", "Lead"))
        .Add(Owner("VoiceCalls"));

    // Key prefix: Salesforce does not document it; the emulator's choice is recorded in the README.
    private static ObjectDef CallCenterRoutingMap() => WithSystemFields(new ObjectDef
    {
        Name = "CallCenterRoutingMap", Label = "Call Center Routing Map", LabelPlural = "Call Center Routing Maps", KeyPrefix = "0hn", Searchable = false,
    })
        .Add(Str("ExternalId", 255, nillable: false))
        .Add(new FieldDef { Name = "ReferenceRecordId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["User"], RelationshipName = "ReferenceRecord", Nillable = false })
        .Add(new FieldDef { Name = "CallCenterId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["CallCenter"], RelationshipName = "CallCenter", ChildRelationshipName = "CallCenterRoutingMaps", Nillable = false })
        .Add(new FieldDef { Name = "DeveloperName", Type = FieldType.String, Length = 80, Nillable = false, Unique = true, IdLookup = true })
        .Add(new FieldDef { Name = "MasterLabel", Type = FieldType.String, Length = 80, Nillable = false, NameField = true })
        .Add(Str("QuickConnect", 255))
        .Add(Picklist("Language", ["en_US", "fr", "de", "es", "ja"], "en_US", restricted: true));

    private static ObjectDef ContentDocument() => WithSystemFields(new ObjectDef
    {
        Name = "ContentDocument", Label = "Content Document", LabelPlural = "Content Documents", KeyPrefix = "069", Createable = false,
    })
        .Add(new FieldDef { Name = "Title", Type = FieldType.String, Length = 255, Nillable = false, NameField = true, Createable = false })
        .Add(ReadOnly(new FieldDef { Name = "LatestPublishedVersionId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["ContentVersion"], RelationshipName = "LatestPublishedVersion" }))
        .Add(ReadOnly(Str("FileType", 20)))
        .Add(ReadOnly(Str("FileExtension", 40)))
        .Add(ReadOnly(new FieldDef { Name = "ContentSize", Type = FieldType.Int }))
        .Add(Owner("ContentDocuments"));

    private static ObjectDef ContentVersion() => WithSystemFields(new ObjectDef
    {
        Name = "ContentVersion", Label = "Content Version", LabelPlural = "Content Versions", KeyPrefix = "068", Deletable = false,
    })
        .Add(new FieldDef { Name = "Title", Type = FieldType.String, Length = 255, Nillable = false, NameField = true })
        .Add(new FieldDef { Name = "PathOnClient", Type = FieldType.String, Length = 500, Nillable = false, Updateable = false })
        .Add(new FieldDef { Name = "VersionData", Type = FieldType.Base64, Nillable = false, Updateable = false })
        .Add(Text("Description", 1000))
        .Add(new FieldDef { Name = "FirstPublishLocationId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["Account", "Contact", "Lead", "Case", "Task", "User"], RelationshipName = "FirstPublishLocation", Updateable = false })
        .Add(new FieldDef { Name = "ContentDocumentId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["ContentDocument"], RelationshipName = "ContentDocument", ChildRelationshipName = "ContentVersions", Updateable = false, DefaultedOnCreate = true })
        .Add(ReadOnly(Bool("IsLatest")))
        .Add(ReadOnly(new FieldDef { Name = "ContentSize", Type = FieldType.Int }))
        .Add(ReadOnly(Str("FileType", 20)))
        .Add(ReadOnly(Str("FileExtension", 40)))
        .Add(ReadOnly(Str("VersionNumber", 20)))
        .Add(Owner("ContentVersions"));

    private static ObjectDef ContentDocumentLink() => WithSystemFields(new ObjectDef
    {
        Name = "ContentDocumentLink", Label = "Content Document Link", LabelPlural = "Content Document Links", KeyPrefix = "06A", Updateable = true, Searchable = false,
    })
        .Add(new FieldDef { Name = "ContentDocumentId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["ContentDocument"], RelationshipName = "ContentDocument", ChildRelationshipName = "ContentDocumentLinks", Nillable = false, Updateable = false })
        .Add(new FieldDef { Name = "LinkedEntityId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["Account", "Contact", "Lead", "Case", "Task", "User"], RelationshipName = "LinkedEntity", ChildRelationshipName = "ContentDocumentLinks", Nillable = false, Updateable = false })
        .Add(Picklist("ShareType", ["V", "C", "I"], "V", restricted: true))
        .Add(Picklist("Visibility", ["AllUsers", "InternalUsers", "SharedUsers"], "AllUsers", restricted: true));

    // Omni-Channel (Object Reference: Group, ServiceChannel, ServicePresenceStatus, UserServicePresence, AgentWork, API 32.0+).
    // Key prefixes other than Group's are not documented; the emulator's choices are recorded in the README.

    /// <summary>A queue (or public group). Omni-Channel routes work from queues; AgentWork.OriginalQueueId names the one it came from.</summary>
    private static ObjectDef Group() => WithSystemFields(new ObjectDef { Name = "Group", Label = "Group", LabelPlural = "Groups", KeyPrefix = "00G", Searchable = false })
        .Add(new FieldDef { Name = "Name", Type = FieldType.String, Length = 40, Nillable = false, NameField = true, Label = "Label" })
        .Add(new FieldDef { Name = "DeveloperName", Type = FieldType.String, Length = 80, Nillable = false, IdLookup = true, Label = "Group Name" })
        .Add(Picklist("Type", ["Queue", "Regular", "Role", "Organization"], "Regular", nillable: false, restricted: true, updateable: false))
        .Add(Email("Email"))
        .Add(Owner("Groups"));

    /// <summary>A kind of work Omni-Channel routes (phone calls, cases, messaging sessions): setup data, read-only through the API.</summary>
    private static ObjectDef ServiceChannel() => WithSystemFields(new ObjectDef
    {
        Name = "ServiceChannel", Label = "Service Channel", LabelPlural = "Service Channels", KeyPrefix = "0N1", Createable = false, Updateable = false, Deletable = false,
        Searchable = false,
    })
        .Add(new FieldDef { Name = "DeveloperName", Type = FieldType.String, Length = 80, Nillable = false, IdLookup = true, Createable = false, Updateable = false })
        .Add(new FieldDef { Name = "MasterLabel", Type = FieldType.String, Length = 80, Nillable = false, NameField = true, Label = "Service Channel Name", Createable = false, Updateable = false })
        .Add(new FieldDef { Name = "RelatedEntity", Type = FieldType.String, Length = 255, Nillable = false, Label = "Salesforce Object", Createable = false, Updateable = false });

    /// <summary>A presence status agents choose in the Omni-Channel widget (Available, Break …).</summary>
    private static ObjectDef ServicePresenceStatus() => WithSystemFields(new ObjectDef
    {
        Name = "ServicePresenceStatus", Label = "Presence Status", LabelPlural = "Presence Statuses", KeyPrefix = "0N5", Deletable = false, Searchable = false,
    })
        .Add(new FieldDef { Name = "DeveloperName", Type = FieldType.String, Length = 80, Nillable = false, IdLookup = true })
        .Add(new FieldDef { Name = "MasterLabel", Type = FieldType.String, Length = 80, Nillable = false, NameField = true, Label = "Status Name" });

    /// <summary>
    /// One presence status an agent held: Omni-Channel writes it (no create or update through the API); the end date and the
    /// durations (seconds) are set when the status ends, and the open one has IsCurrentState true.
    /// </summary>
    private static ObjectDef UserServicePresence() => WithSystemFields(new ObjectDef
    {
        Name = "UserServicePresence", Label = "User Presence", LabelPlural = "User Presences", KeyPrefix = "0Hn", Createable = false, Updateable = false, Searchable = false,
    })
        .Add(new FieldDef { Name = "Name", Type = FieldType.String, Length = 80, NameField = true, Createable = false, Updateable = false })
        .Add(new FieldDef { Name = "UserId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["User"], RelationshipName = "User", Nillable = false })
        .Add(Ref("ServicePresenceStatusId", "ServicePresenceStatus", null, "ServicePresenceStatus"))
        .Add(new FieldDef { Name = "StatusStartDate", Type = FieldType.DateTime, Createable = false, Updateable = false })
        .Add(new FieldDef { Name = "StatusEndDate", Type = FieldType.DateTime, Createable = false, Updateable = false })
        .Add(new FieldDef { Name = "StatusDuration", Type = FieldType.Int, Createable = false, Updateable = false })
        .Add(new FieldDef { Name = "IdleDuration", Type = FieldType.Int, Createable = false, Updateable = false })
        .Add(new FieldDef { Name = "AtCapacityDuration", Type = FieldType.Int, Createable = false, Updateable = false })
        .Add(new FieldDef { Name = "AverageCapacity", Type = FieldType.Double, Createable = false, Updateable = false })
        .Add(new FieldDef { Name = "ConfiguredCapacity", Type = FieldType.Int, Createable = false, Updateable = false })
        .Add(Bool("IsAway", createable: false, updateable: false))
        .Add(Bool("IsCurrentState", createable: false, updateable: false))
        .Add(Owner("UserServicePresences"));

    /// <summary>A piece of work routed to an agent; a transfer to another agent is a new record. Times are UTC, durations seconds.</summary>
    private static ObjectDef AgentWork() => WithSystemFields(new ObjectDef { Name = "AgentWork", Label = "Agent Work", LabelPlural = "Agent Work", KeyPrefix = "0Bz", Searchable = false })
        .Add(new FieldDef { Name = "Name", Type = FieldType.String, Length = 255, NameField = true })
        .Add(new FieldDef { Name = "UserId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["User"], RelationshipName = "User", Nillable = false, Updateable = false })
        .Add(new FieldDef { Name = "WorkItemId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["Case", "VoiceCall", "Lead", "Contact", "Account"], RelationshipName = "WorkItem", Nillable = false, Updateable = false })
        .Add(new FieldDef { Name = "ServiceChannelId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["ServiceChannel"], RelationshipName = "ServiceChannel", Updateable = false })
        .Add(new FieldDef { Name = "OriginalQueueId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["Group"], RelationshipName = "OriginalQueue", Updateable = false })
        .Add(new FieldDef { Name = "RequestDateTime", Type = FieldType.DateTime })
        .Add(new FieldDef { Name = "AssignedDateTime", Type = FieldType.DateTime })
        .Add(new FieldDef { Name = "AcceptDateTime", Type = FieldType.DateTime })
        .Add(new FieldDef { Name = "DeclineDateTime", Type = FieldType.DateTime })
        .Add(Str("DeclineReason", 255))
        .Add(new FieldDef { Name = "CloseDateTime", Type = FieldType.DateTime })
        .Add(new FieldDef { Name = "CancelDateTime", Type = FieldType.DateTime })
        .Add(new FieldDef { Name = "PushTimeoutDateTime", Type = FieldType.DateTime })
        .Add(new FieldDef { Name = "SpeedToAnswer", Type = FieldType.Int })
        .Add(new FieldDef { Name = "HandleTime", Type = FieldType.Int })
        .Add(new FieldDef { Name = "ActiveTime", Type = FieldType.Int })
        .Add(new FieldDef { Name = "AfterConversationActualTime", Type = FieldType.Int })
        .Add(new FieldDef { Name = "CapacityWeight", Type = FieldType.Double })
        .Add(Picklist("Status", ["Assigned", "Opened", "Closed", "Declined", "DeclinedOnPushTimeout", "Canceled", "Transferred", "Unavailable"], "Assigned", nillable: false, restricted: true))
        .Add(Owner("AgentWorks"));
}
