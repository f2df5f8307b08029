using System.Text.Json.Nodes;
using System.Xml.Linq;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Rest;
using ContactBridge.Emulator.Schema;
using ContactBridge.Emulator.Soql;
using ContactBridge.Emulator.Sosl;
using static ContactBridge.Emulator.Soap.SoapWire;

namespace ContactBridge.Emulator.Soap;

/// <summary>
/// The partner API's calls, each through the same engines as REST: the record writer (validation, change events), SOQL and
/// its query cursors, SOSL, describe and lead conversion. Callers hold the org's lock.
/// </summary>
public static class SoapOperations
{
    /// <summary>A create, update, upsert, delete, undelete or retrieve takes at most 200 records (retrieve 2,000 ids).</summary>
    public const int MaxRecords = 200;

    /// <summary>query returns 500 records a batch unless the QueryOptions header asks otherwise.</summary>
    public const int DefaultBatchSize = 500;

    public static XElement Run(RestContext ctx, XElement operation, string sessionId)
    {
        var name = operation.Name.LocalName;
        XElement Response(params object[] content) => new(Partner + (name + "Response"), content);
        switch (name)
        {
            case "logout":
                ctx.State.OAuth.Revoke(sessionId);
                return Response();
            case "getUserInfo":
                return Response(SoapLogin.UserInfo(ctx.Org, ctx.Org.Records.Get(ctx.UserId)!, ctx.State.SessionTimeout, "result"));
            case "getServerTimestamp":
                return Response(new XElement(Partner + "result", new XElement(Partner + "timestamp", FieldValues.FormatDateTime(ctx.State.Clock.GetUtcNow()).Replace("+0000", "Z", StringComparison.Ordinal))));
            case "query" or "queryAll":
                return Response(Query(ctx, Arg(operation, "queryString"), name == "queryAll", BatchSize(operation)));
            case "queryMore":
                var locator = Arg(operation, "queryLocator");
                var next = ctx.State.Cursors.Next(ctx.Org.Key, ctx.UserId, locator) ?? throw new SalesforceException(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
                return Response(QueryResult("result", next.Batch, next.NextLocator, next.TotalSize));
            case "create" or "update" or "upsert":
                return Response(Save(ctx, name, operation).ToArray());
            case "delete" or "undelete":
                return Response(DeleteOrUndelete(ctx, name, Ids(operation)).ToArray());
            case "retrieve":
                return Response(Retrieve(ctx, Arg(operation, "fieldList"), Arg(operation, "sObjectType"), Ids(operation)).ToArray());
            case "search":
                var found = new SoslSearcher(ctx.Org, ctx.State.Clock, ctx.Version).Search(Arg(operation, "searchString"));
                return Response(new XElement(Partner + "result",
                    found["searchRecords"]!.AsArray().OfType<JsonObject>().Select(r => new XElement(Partner + "searchRecords", Record("record", r)))));
            case "describeGlobal":
                return Response(FromJson("result", Describe.Global(ctx.Org.Schema, ctx.Version)));
            case "describeSObject":
                return Response(FromJson("result", Describe.Full(ctx.Org.Schema.Require(Arg(operation, "sObjectType")), ctx.Version)));
            case "describeSObjects":
                var types = operation.Elements().Where(e => e.Name.LocalName == "sObjectType").Select(e => e.Value.Trim()).ToList();
                if (types.Count is 0 or > 100) throw new SalesforceException(400, "INVALID_ARGUMENT_TYPE", "describeSObjects takes 1 to 100 sObjectType values.");
                return Response(types.SelectMany(t => FromJson("result", Describe.Full(ctx.Org.Schema.Require(t), ctx.Version))).ToArray());
            case "convertLead":
                return Response(ConvertLeads(ctx, operation).ToArray());
            case "merge":
                return Response(Merge(ctx, operation).ToArray());
            default:
                throw new SoapFaultException("Client", $"No operation available for request {{{Partner.NamespaceName}}}{name}", client: true);
        }
    }

    private static string Arg(XElement operation, string name) =>
        operation.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim()
        ?? throw new SalesforceException(400, "INVALID_ARGUMENT_TYPE", $"{operation.Name.LocalName} needs {name}.");

    private static List<string> Ids(XElement operation)
    {
        var ids = operation.Elements().Where(e => e.Name.LocalName == "ids").Select(e => e.Value.Trim()).ToList();
        if (ids.Count > MaxRecords * 10) throw new SalesforceException(400, "EXCEEDED_ID_LIMIT", $"Too many ids: at most {MaxRecords * 10}.");
        return ids;
    }

    private static int BatchSize(XElement operation)
    {
        var header = operation.Document?.Root?.Element(Env + "Header")?.Descendants().FirstOrDefault(e => e.Name.LocalName == "batchSize")?.Value;
        return int.TryParse(header, out var n) ? Math.Clamp(n, 200, 2000) : DefaultBatchSize;
    }

    private static XElement Query(RestContext ctx, string soql, bool all, int batchSize)
    {
        var result = new SoqlEngine(ctx.Org, ctx.State.Clock, ctx.Version).Execute(soql, all);
        if (result.IsCount) return QueryResult("result", [], null, result.TotalSize);
        var (batch, locator) = ctx.State.Cursors.Start(ctx.Org.Key, ctx.UserId, result.Records, batchSize);
        return QueryResult("result", batch, locator, result.Records.Count);
    }

    private static IEnumerable<XElement> Save(RestContext ctx, string name, XElement operation)
    {
        var records = operation.Elements().Where(e => e.Name.LocalName == "sObjects").ToList();
        if (records.Count > MaxRecords)
            throw new SalesforceException(400, "EXCEEDED_ID_LIMIT", $"record limit reached. cannot submit more than {MaxRecords} records into this call");
        var externalIdField = name == "upsert" ? Arg(operation, "externalIDFieldName") : null;
        foreach (var element in records)
        {
            string? id = null;
            var created = false;
            XElement? error = null;
            var wouldCreate = true;
            try
            {
                var (type, givenId, body) = ReadSObject(ctx.Org.Schema, element);
                id = givenId;
                switch (name)
                {
                    case "create":
                        if (givenId is not null) throw new SalesforceException(400, "INVALID_FIELD", "Record ID: cannot specify Id in an insert call", "Id");
                        id = ctx.Writer.Create(ctx.UserId, type, body).Id;
                        break;
                    case "update":
                        var existing = RestDispatcher.FindById(ctx, type, givenId ?? throw new SalesforceException(400, "MISSING_ARGUMENT", "Id not specified in an update call", "Id"));
                        ctx.Writer.Update(ctx.UserId, existing, body);
                        id = existing.Id;
                        break;
                    default:
                        var field = RecordWriter.ExternalIdField(type, externalIdField!);
                        wouldCreate = field.Name == "Id" ? givenId is null : ctx.Writer.UpsertWouldCreate(type, field, body[field.Name]);
                        (id, created) = Bulk.BulkJobs.ApplyRow(ctx, ctx.Writer, type, "upsert", field.Name, givenId, body);
                        break;
                }
            }
            catch (SalesforceException e)
            {
                error = Errors(e.ErrorCode, e.Message, e.Fields);
            }
            catch (MultipleMatchesException)
            {
                error = Errors("DUPLICATE_EXTERNAL_ID", "More than one record found for external id field", []);
            }
            catch (SoapFaultException f)
            {
                error = Errors(f.Code, f.Message, []);
            }
            yield return new XElement(Partner + "result",
                name == "upsert" ? new XElement(Partner + "created", (error is null ? created : wouldCreate) ? "true" : "false") : null,
                error,
                error is not null && name == "create" || id is null ? new XElement(Partner + "id", new XAttribute(Xsi + "nil", "true")) : new XElement(Partner + "id", id),
                new XElement(Partner + "success", error is null ? "true" : "false"));
        }
    }

    private static IEnumerable<XElement> DeleteOrUndelete(RestContext ctx, string name, List<string> ids)
    {
        if (ids.Count > MaxRecords) throw new SalesforceException(400, "EXCEEDED_ID_LIMIT", $"record limit reached. cannot submit more than {MaxRecords} records into this call");
        foreach (var id in ids)
        {
            XElement? error = null;
            try
            {
                var record = SalesforceId.TryNormalize(id, out var id18) ? ctx.Org.Records.Get(id18) : null;
                if (record is null) throw new SalesforceException(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
                if (name == "delete") ctx.Writer.Delete(record, ctx.UserId);
                else ctx.Writer.Undelete(record, ctx.UserId);
            }
            catch (SalesforceException e)
            {
                error = Errors(e.ErrorCode, e.Message, e.Fields);
            }
            yield return new XElement(Partner + "result", error, new XElement(Partner + "id", id), new XElement(Partner + "success", error is null ? "true" : "false"));
        }
    }

    private static IEnumerable<XElement> Retrieve(RestContext ctx, string fieldList, string objectName, List<string> ids)
    {
        var type = ctx.Org.Schema.Require(objectName);
        var fields = RestDispatcher.FieldList(type, fieldList);
        foreach (var id in ids)
        {
            var record = SalesforceId.TryNormalize(id, out var id18) ? ctx.Org.Records.Get(id18) : null;
            yield return record is null || record.IsDeleted || record.Type != type
                ? new XElement(Partner + "result", new XAttribute(Xsi + "nil", "true"))
                : Record("result", RestDispatcher.RecordJson(ctx, record, fields));
        }
    }

    private static IEnumerable<XElement> ConvertLeads(RestContext ctx, XElement operation)
    {
        var requests = operation.Elements().Where(e => e.Name.LocalName == "leadConverts").ToList();
        if (requests.Count > 100) throw new SalesforceException(400, "EXCEEDED_ID_LIMIT", "convertLead takes at most 100 leads.");
        foreach (var request in requests)
        {
            string? Value(string n) => request.Elements().FirstOrDefault(e => e.Name.LocalName == n) is { } e && (string?)e.Attribute(Xsi + "nil") != "true" && e.Value.Trim().Length > 0 ? e.Value.Trim() : null;
            var leadId = Value("leadId");
            XElement? error = null;
            LeadConverted? converted = null;
            try
            {
                var lead = RestDispatcher.FindById(ctx, ctx.Org.Schema.Require("Lead"), leadId ?? throw new SalesforceException(400, "REQUIRED_FIELD_MISSING", "leadId is required", "leadId"));
                converted = ctx.Writer.ConvertLead(ctx.UserId, lead, new LeadConversion(Value("accountId"), Value("contactId"), Value("convertedStatus") ?? "Closed - Converted")
                {
                    CreateOpportunity = Value("doNotCreateOpportunity") != "true", OpportunityName = Value("opportunityName"),
                });
            }
            catch (SalesforceException e)
            {
                error = Errors(e.ErrorCode, e.Message, e.Fields);
            }
            XElement Id(string n, string? v) => v is null ? new XElement(Partner + n, new XAttribute(Xsi + "nil", "true")) : new XElement(Partner + n, v);
            yield return new XElement(Partner + "result", Id("accountId", converted?.AccountId), Id("contactId", converted?.ContactId), error,
                Id("leadId", leadId), Id("opportunityId", converted?.OpportunityId), new XElement(Partner + "success", error is null ? "true" : "false"));
        }
    }

    private static IEnumerable<XElement> Merge(RestContext ctx, XElement operation)
    {
        // The WSDL names the parameter request; jsforce sends mergeRequests. Both are taken.
        var requests = operation.Elements().Where(e => e.Name.LocalName is "request" or "mergeRequests").ToList();
        if (requests.Count > 200) throw new SalesforceException(400, "EXCEEDED_ID_LIMIT", "merge takes at most 200 requests.");
        foreach (var request in requests)
        {
            XElement? error = null;
            MergeOutcome? outcome = null;
            string? masterId = null;
            try
            {
                var masterElement = request.Elements().FirstOrDefault(e => e.Name.LocalName == "masterRecord")
                                    ?? throw new SalesforceException(400, "REQUIRED_FIELD_MISSING", "A merge request needs a masterRecord.", "masterRecord");
                var (type, id, body) = ReadSObject(ctx.Org.Schema, masterElement);
                masterId = id;
                var master = RestDispatcher.FindById(ctx, type, id ?? throw new SalesforceException(400, "MISSING_ARGUMENT", "The masterRecord needs its Id.", "Id"));
                var victims = request.Elements().Where(e => e.Name.LocalName == "recordToMergeIds").Select(e => RestDispatcher.FindById(ctx, type, e.Value.Trim())).ToList();
                outcome = ctx.Writer.Merge(ctx.UserId, master, victims, body);
            }
            catch (SalesforceException e)
            {
                error = Errors(e.ErrorCode, e.Message, e.Fields);
            }
            catch (SoapFaultException f)
            {
                error = Errors(f.Code, f.Message, []);
            }
            yield return new XElement(Partner + "result", error,
                masterId is null ? new XElement(Partner + "id", new XAttribute(Xsi + "nil", "true")) : new XElement(Partner + "id", masterId),
                (outcome?.MergedIds ?? []).Select(i => new XElement(Partner + "mergedRecordIds", i)),
                new XElement(Partner + "success", error is null ? "true" : "false"),
                (outcome?.UpdatedRelatedIds ?? []).Select(i => new XElement(Partner + "updatedRelatedIds", i)));
        }
    }
}
