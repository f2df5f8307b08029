using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Soql;

/// <summary>The outcome of a query: the rows (already shaped as Salesforce returns them) and the total.</summary>
public sealed record SoqlResult(ObjectDef Type, IReadOnlyList<JsonObject> Records, int TotalSize, bool IsCount)
{
    /// <summary>The query's FOR clause ("VIEW", "REFERENCE", "UPDATE"), for the caller to act on.</summary>
    public string? ForClause { get; init; }
}

/// <summary>
/// Runs SOQL against one org's records. Paths are checked against the schema first, so an unknown
/// field or relationship is reported with its row and column as Salesforce does. Callers hold the org's lock.
/// </summary>
public sealed class SoqlEngine(SalesforceOrg org, TimeProvider clock, string version)
{
    public const int MaxOffset = 2000;

    private sealed record Resolved(FieldPath Path, IReadOnlyList<FieldDef> Hops, FieldDef? Field, string FinalName, ObjectDef Owner);

    private Func<SRecord, bool>? _prefilter;

    /// <summary>
    /// Where a compound field (an address) cannot be given — the Bulk APIs' CSV, a PushTopic's events — selecting one is refused with
    /// this error, and FIELDS() leaves them out.
    /// </summary>
    public (string ErrorCode, string Message)? CompoundRefused { get; init; }

    /// <summary>The Bulk APIs' refusal of a compound field in a query, as Salesforce words it.</summary>
    public static readonly (string ErrorCode, string Message) BulkCompoundRefusal = ("FUNCTIONALITY_NOT_ENABLED", "Selecting compound data not supported in Bulk Query");

    /// <summary>With <see cref="_prefilter"/>: the only records of the queried object it can accept (an index's answer), in stored order.</summary>
    private IReadOnlyList<SRecord>? _candidates;
    private string? _among;

    public SoqlResult Execute(string text, bool includeDeleted)
    {
        var query = SoqlParser.Parse(text);
        return Run(text, query, includeDeleted, parent: null) with { ForClause = query.ForClause };
    }

    /// <summary>Runs a query over only the records a prefilter lets through (SOSL's RETURNING clauses).</summary>
    public SoqlResult ExecuteAmong(string text, Func<SRecord, bool> prefilter, IReadOnlyList<SRecord>? candidates = null)
    {
        // The query's own object only (a semi-join's inner query reads its records as usual).
        (_prefilter, _candidates, _among) = (prefilter, candidates, TypeOf(text, SoqlParser.Parse(text)).Name);
        try
        {
            return Execute(text, includeDeleted: false);
        }
        finally
        {
            (_prefilter, _candidates, _among) = (null, null, null);
        }
    }

    public ObjectDef TypeOf(string text, SoqlQuery query) =>
        org.Schema.Find(query.From) ?? throw SoqlError.At(text, query.FromRow, query.FromColumn, SalesforceException.InvalidType(query.From).Message, "INVALID_TYPE");

    private SoqlResult Run(string text, SoqlQuery q, bool includeDeleted, (SRecord Parent, ChildRelationship Relation)? parent)
    {
        ObjectDef type;
        if (parent is { } p)
        {
            type = org.Schema.Require(p.Relation.ChildObject);
        }
        else
        {
            type = TypeOf(text, q);
            if (!type.Queryable || type.IsPlatformEvent)
                throw SoqlError.At(text, q.FromRow, q.FromColumn, $"entity type {type.Name} does not support query", "INVALID_TYPE_FOR_OPERATION");
        }
        if (q.Offset is > MaxOffset)
            throw new SalesforceException(400, "NUMBER_OUTSIDE_VALID_RANGE", $"Maximum SOQL offset allowed is {MaxOffset}");

        var isCountOnly = q.Select.Count == 1 && q.Select[0] is AggregateItem { Function: "COUNT", Path: null };
        if (q.Select.Any(s => s is AggregateItem { Function: "COUNT", Path: null }) && !isCountOnly)
            throw Error(text, q.Select.OfType<AggregateItem>().First(), "COUNT() must be the only element in the SELECT list.");
        foreach (var f in q.Select.OfType<FieldsItem>())
        {
            if (f.Which != "STANDARD" && (q.Limit is null || q.Limit > 200))
                throw SoqlError.At(text, f.Row, f.Column, "The SOQL FIELDS function must have a LIMIT of at most 200");
        }

        var where = q.Where is null ? null : Compile(text, type, q.Where, includeDeleted);
        IEnumerable<SRecord> rows = parent is { } pr
            ? ActivityViews.IsView(type) ? ActivityViews.Rows(org, type, pr.Relation.Field, pr.Parent)
            : org.Records.OfType(type.Name).Where(r => IdsEqual(r.GetString(pr.Relation.Field), pr.Parent.Id))
            : _prefilter is not null && _candidates is not null && _among == type.Name ? _candidates : org.Records.OfType(type.Name);
        if (!includeDeleted) rows = rows.Where(r => !r.IsDeleted);
        if (parent is null && _prefilter is { } prefilter && _among == type.Name) rows = rows.Where(prefilter);
        if (where is not null) rows = rows.Where(where);
        var matched = rows.ToList();

        if (isCountOnly)
        {
            var count = q.Limit is { } l ? Math.Min(l, matched.Count) : matched.Count;
            return new SoqlResult(type, [], count, true);
        }

        var aggregate = q.GroupBy.Count > 0 || q.Select.Any(s => s is AggregateItem);
        if (aggregate) return RunAggregate(text, q, type, matched);

        matched = Order(text, type, q.OrderBy, matched);
        IEnumerable<SRecord> page = matched;
        if (q.Offset is { } offset) page = page.Skip(offset);
        if (q.Limit is { } limit) page = page.Take(limit);

        var projectors = q.Select.SelectMany(s => Projector(text, type, s, includeDeleted)).ToList();
        var result = page.Select(r =>
        {
            var o = new JsonObject { ["attributes"] = Attributes(r) };
            foreach (var project in projectors) project(r, o);
            return o;
        }).ToList();
        return new SoqlResult(type, result, result.Count, false);
    }

    private JsonObject Attributes(SRecord r) => new()
    {
        ["type"] = r.Type.Name,
        ["url"] = $"/services/data/v{version}/sobjects/{r.Type.Name}/{r.Id}",
    };

    private static SalesforceException Error(string text, AggregateItem item, string message) => SoqlError.At(text, item.Row, item.Column, message);

    /// <summary>A field used where its kind cannot be (a compound address filtered, sorted or grouped), in Salesforce's words.</summary>
    private static SalesforceException CannotBe(string text, FieldPath at, Resolved field, string use) =>
        SoqlError.At(text, at.Row, at.Column, $"field '{field.FinalName}' can not be {use} in a query call", "INVALID_FIELD");

    private static bool IdsEqual(string? a, string? b) =>
        a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private Resolved Resolve(string text, ObjectDef type, FieldPath path)
    {
        var hops = new List<FieldDef>();
        var current = new List<ObjectDef> { type };
        for (var i = 0; i < path.Parts.Count - 1; i++)
        {
            var part = path.Parts[i];
            // A path may start with the object's own name (SELECT Contact.Name FROM Contact).
            if (i == 0 && hops.Count == 0 && string.Equals(part, type.Name, StringComparison.OrdinalIgnoreCase) && path.Parts.Count > 1
                && type.Relationship(part) is null)
            {
                continue;
            }
            var rel = current.Select(o => o.Relationship(part)).FirstOrDefault(f => f is not null);
            if (rel is null)
            {
                throw SoqlError.At(text, path.Row, path.Column,
                    $"Didn't understand relationship '{part}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
                    "INVALID_FIELD");
            }
            hops.Add(rel);
            current = rel.ReferenceTo.Select(org.Schema.Find).Where(o => o is not null).Cast<ObjectDef>().ToList();
        }
        var last = path.Parts[^1];
        // On a polymorphic relationship (Who, What) "Type" names the related record's object, even
        // where that object has a Type field of its own.
        var polymorphicType = hops.Count > 0 && hops[^1].IsPolymorphic && string.Equals(last, "Type", StringComparison.OrdinalIgnoreCase);
        var field = polymorphicType ? null : current.Select(o => o.Field(last)).FirstOrDefault(f => f is not null);
        if (field is null && !polymorphicType)
        {
            var entity = hops.Count == 0 ? type.Name : current.FirstOrDefault()?.Name ?? type.Name;
            throw SoqlError.At(text, path.Row, path.Column,
                $"No such column '{last}' on entity '{entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                "INVALID_FIELD");
        }
        return new Resolved(path, hops, field, field?.Name ?? "Type", current.FirstOrDefault() ?? type);
    }

    private object? Value(SRecord r, Resolved p)
    {
        var current = r;
        foreach (var hop in p.Hops)
        {
            var id = current.GetString(hop.Name);
            if (id is null) return null;
            current = org.Records.Get(id);
            if (current is null) return null;
        }
        if (p.Field is null) return current.Type.Name;
        return current.Type.Field(p.FinalName) is null ? null : current[p.FinalName];
    }

    private Func<SRecord, bool> Compile(string text, ObjectDef type, Condition c, bool includeDeleted)
    {
        switch (c)
        {
            case AndCondition and:
            {
                var parts = and.Parts.Select(p => Compile(text, type, p, includeDeleted)).ToList();
                return r => parts.All(p => p(r));
            }
            case OrCondition or:
            {
                var parts = or.Parts.Select(p => Compile(text, type, p, includeDeleted)).ToList();
                return r => parts.Any(p => p(r));
            }
            case NotCondition not:
            {
                var inner = Compile(text, type, not.Inner, includeDeleted);
                return r => !inner(r);
            }
            case Comparison cmp:
                return CompileComparison(text, type, cmp, includeDeleted);
            default:
                throw new InvalidOperationException("Unknown condition.");
        }
    }

    private Func<SRecord, bool> CompileComparison(string text, ObjectDef type, Comparison cmp, bool includeDeleted)
    {
        var path = Resolve(text, type, cmp.Field);
        if (path.Field is { Type: FieldType.Address })
            throw CannotBe(text, cmp.Field, path, "filtered");
        var fieldType = path.Field?.Type ?? FieldType.String;
        if (cmp.SemiJoin is { } sub)
        {
            var subType = TypeOf(text, sub);
            if (sub.Select.Count != 1 || sub.Select[0] is not FieldItem fi)
                throw SoqlError.At(text, sub.FromRow, sub.FromColumn, "Semi join sub-selects can only select one field");
            var subPath = Resolve(text, subType, fi.Path);
            var subResult = Run(text, sub with { Select = [new FieldItem(new FieldPath(["Id"], 0, 0), null)] }, includeDeleted, null);
            var ids = subResult.Records.Select(o => o["Id"]!.GetValue<string>()).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var values = org.Records.OfType(subType.Name).Where(r => ids.Contains(r.Id)).Select(r => FieldValues.ToText(Value(r, subPath)))
                .Where(v => v is not null).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var negate = cmp.Operator == "NOT IN";
            return r => values.Contains(FieldValues.ToText(Value(r, path)) ?? "\0") != negate;
        }
        var literals = cmp.Values.Select(l => Coerce(text, cmp, path, fieldType, l)).ToList();
        switch (cmp.Operator)
        {
            case "LIKE":
            {
                if (!fieldType.IsText() && fieldType is not (FieldType.Id or FieldType.Reference))
                    throw SoqlError.At(text, cmp.Field.Row, cmp.Field.Column, $"invalid operator on {fieldType.ToDescribe()} field: LIKE", "INVALID_QUERY_FILTER_OPERATOR");
                var regex = LikeToRegex(cmp.Values[0].Value as string ?? "");
                return r => Value(r, path) is string s && regex.IsMatch(s);
            }
            case "IN":
                return r => literals.Any(l => EqualsValue(Value(r, path), l));
            case "NOT IN":
                return r => !literals.Any(l => EqualsValue(Value(r, path), l));
            case "INCLUDES" or "EXCLUDES":
            {
                var sets = cmp.Values.Select(l => (l.Value as string ?? "").Split(';', StringSplitOptions.TrimEntries)).ToList();
                var includes = cmp.Operator == "INCLUDES";
                return r =>
                {
                    var have = (Value(r, path) as string ?? "").Split(';', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
                    var any = sets.Any(set => set.All(have.Contains));
                    return any == includes;
                };
            }
            default:
            {
                var literal = literals[0];
                var op = cmp.Operator;
                if (literal is DateRange range)
                {
                    return r =>
                    {
                        var v = Value(r, path);
                        if (v is null) return op == "!=";
                        var at = v is DateOnly d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : (DateTimeOffset)v;
                        return op switch
                        {
                            "=" => at >= range.Start && at < range.End,
                            "!=" => at < range.Start || at >= range.End,
                            "<" => at < range.Start,
                            "<=" => at < range.End,
                            ">" => at >= range.End,
                            _ => at >= range.Start,
                        };
                    };
                }
                return op switch
                {
                    "=" => r => EqualsValue(Value(r, path), literal),
                    "!=" => r => !EqualsValue(Value(r, path), literal),
                    _ => r =>
                    {
                        var v = Value(r, path);
                        if (v is null || literal is null) return false;
                        var c = CompareValues(v, literal);
                        return op switch { "<" => c < 0, "<=" => c <= 0, ">" => c > 0, _ => c >= 0 };
                    },
                };
            }
        }
    }

    private sealed record DateRange(DateTimeOffset Start, DateTimeOffset End);

    /// <summary>Turns a literal into a value of the field's type, refusing mismatches as Salesforce does.</summary>
    private object? Coerce(string text, Comparison cmp, Resolved path, FieldType type, Literal l)
    {
        SalesforceException Mismatch(string expected, bool quoted) => SoqlError.At(text, cmp.Field.Row, cmp.Field.Column,
            $"value of filter criterion for field '{path.FinalName}' must be of type {expected} and should {(quoted ? "" : "not ")}be enclosed in quotes",
            "INVALID_QUERY_FILTER_OPERATOR");
        if (l.Kind == LiteralKind.Null)
        {
            if (cmp.Operator is not ("=" or "!=" or "IN" or "NOT IN"))
                throw SoqlError.At(text, cmp.Field.Row, cmp.Field.Column, "invalid operator on null value", "INVALID_QUERY_FILTER_OPERATOR");
            return null;
        }
        switch (type)
        {
            case FieldType.Id or FieldType.Reference:
                if (l.Kind != LiteralKind.String) throw Mismatch("string", true);
                var s = SoqlError.Plain((string)l.Value!);
                return SalesforceId.TryNormalize(s, out var id18) ? id18 : s;
            case FieldType.Boolean:
                if (l.Kind != LiteralKind.Boolean) throw Mismatch("boolean", false);
                return l.Value;
            case FieldType.Int or FieldType.Double or FieldType.Currency or FieldType.Percent:
                if (l.Kind != LiteralKind.Number) throw Mismatch(type == FieldType.Int ? "int" : "double", false);
                return l.Value;
            case FieldType.Date:
                return l.Kind switch
                {
                    LiteralKind.Date => new DateTimeOffset(((DateOnly)l.Value!).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) is var d ? new DateRange(d, d.AddDays(1)) : null,
                    LiteralKind.DateLiteral => ToRange(l),
                    _ => throw Mismatch("date", false),
                };
            case FieldType.DateTime:
                return l.Kind switch
                {
                    LiteralKind.DateTime => l.Value,
                    LiteralKind.DateLiteral => ToRange(l),
                    _ => throw Mismatch("dateTime", false),
                };
            default:
                if (l.Kind != LiteralKind.String) throw Mismatch("string", true);
                return SoqlError.Plain((string)l.Value!);
        }
    }

    private DateRange ToRange(Literal l)
    {
        var (start, end) = DateLiterals.Range((string)l.Value!, l.N, clock.GetUtcNow());
        return new DateRange(start, end);
    }

    private static bool EqualsValue(object? value, object? literal)
    {
        if (literal is DateRange range)
        {
            if (value is null) return false;
            var at = value is DateOnly d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : (DateTimeOffset)value;
            return at >= range.Start && at < range.End;
        }
        if (value is null || literal is null) return value is null && literal is null;
        return CompareValues(value, literal) == 0;
    }

    /// <summary>Orders values of one type; strings compare case-insensitively, as SOQL does.</summary>
    public static int CompareValues(object a, object b) => (a, b) switch
    {
        (string x, string y) => string.Compare(x, y, StringComparison.OrdinalIgnoreCase),
        (decimal x, decimal y) => x.CompareTo(y),
        (bool x, bool y) => x.CompareTo(y),
        (DateOnly x, DateOnly y) => x.CompareTo(y),
        (DateTimeOffset x, DateTimeOffset y) => x.CompareTo(y),
        _ => string.Compare(FieldValues.ToText(a), FieldValues.ToText(b), StringComparison.OrdinalIgnoreCase),
    };

    private static Regex LikeToRegex(string marked)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < marked.Length; i++)
        {
            var c = marked[i];
            if (c == '\\' && i + 1 < marked.Length)
            {
                sb.Append(Regex.Escape(marked[++i].ToString()));
                continue;
            }
            sb.Append(c switch { '%' => ".*", '_' => ".", _ => Regex.Escape(c.ToString()) });
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant);
    }

    private List<SRecord> Order(string text, ObjectDef type, IReadOnlyList<OrderItem> orderBy, List<SRecord> rows)
    {
        if (orderBy.Count == 0) return rows;
        var keys = orderBy.Select(o => (Path: Resolve(text, type, o.Path), o.Descending, NullsFirst: o.NullsFirst ?? !o.Descending)).ToList();
        if (keys.FirstOrDefault(k => k.Path.Field is { Type: FieldType.Address }) is { Path: { } unsortable })
            throw CannotBe(text, unsortable.Path, unsortable, "sorted");
        var sorted = rows.ToList();
        sorted.Sort((a, b) =>
        {
            foreach (var (path, desc, nullsFirst) in keys)
            {
                var va = Value(a, path);
                var vb = Value(b, path);
                int c;
                if (va is null || vb is null)
                {
                    if (va is null && vb is null) continue;
                    c = va is null ? (nullsFirst ? -1 : 1) : (nullsFirst ? 1 : -1);
                    return c;
                }
                c = CompareValues(va, vb);
                if (c != 0) return desc ? -c : c;
            }
            return string.CompareOrdinal(a.Id, b.Id);
        });
        return sorted;
    }

    private IEnumerable<Action<SRecord, JsonObject>> Projector(string text, ObjectDef type, SelectItem item, bool includeDeleted)
    {
        switch (item)
        {
            case FieldItem fi:
            {
                var path = Resolve(text, type, fi.Path);
                if (CompoundRefused is { } refused && path.Field is { Type: FieldType.Address })
                    throw new SalesforceException(400, refused.ErrorCode, refused.Message);
                yield return (r, o) => Project(r, o, path);
                break;
            }
            case FieldsItem fields:
                foreach (var f in type.Fields.Where(f => (fields.Which == "ALL" || (fields.Which == "CUSTOM") == f.Custom) && !(CompoundRefused is not null && f.Type == FieldType.Address)))
                {
                    var path = new Resolved(new FieldPath([f.Name], 0, 0), [], f, f.Name, type);
                    yield return (r, o) => Project(r, o, path);
                }
                break;
            case SubqueryItem sub:
            {
                var relation = type.Child(sub.Query.From) ?? throw SoqlError.At(text, sub.Query.FromRow, sub.Query.FromColumn,
                    $"Didn't understand relationship '{sub.Query.From}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
                    "INVALID_TYPE");
                // Validate the subquery once, up front, against a throwaway parent.
                var childType = org.Schema.Require(relation.ChildObject);
                foreach (var fi in sub.Query.Select.OfType<FieldItem>()) Resolve(text, childType, fi.Path);
                yield return (r, o) =>
                {
                    var children = Run(text, sub.Query, includeDeleted, (r, relation));
                    o[relation.RelationshipName] = children.Records.Count == 0 ? null : new JsonObject
                    {
                        ["totalSize"] = children.Records.Count, ["done"] = true,
                        ["records"] = new JsonArray(children.Records.Cast<JsonNode>().ToArray()),
                    };
                };
                break;
            }
            default:
                throw new InvalidOperationException("Aggregate items are projected by the aggregate path.");
        }
    }

    private void Project(SRecord r, JsonObject o, Resolved path)
    {
        var target = o;
        var current = r;
        foreach (var hop in path.Hops)
        {
            var id = current?.GetString(hop.Name);
            var next = id is null ? null : org.Records.Get(id);
            var name = hop.RelationshipName!;
            if (next is null)
            {
                if (!target.ContainsKey(name)) target[name] = null;
                return;
            }
            if (target[name] is not JsonObject nested)
            {
                nested = new JsonObject { ["attributes"] = Attributes(next) };
                target[name] = nested;
            }
            target = nested;
            current = next;
        }
        var field = path.Field is null ? null : current.Type.Field(path.FinalName) ?? path.Field;
        var value = path.Field is null ? current.Type.Name : current[path.FinalName];
        target[field?.Name ?? path.FinalName] = FieldValues.ToJson(field, value);
    }

    private SoqlResult RunAggregate(string text, SoqlQuery q, ObjectDef type, List<SRecord> rows)
    {
        var groups = q.GroupBy.Select(g => Resolve(text, type, g)).ToList();
        if (groups.FirstOrDefault(g => g.Field is { Type: FieldType.Address }) is { } ungroupable)
            throw CannotBe(text, ungroupable.Path, ungroupable, "grouped");
        foreach (var agg in q.Select.OfType<AggregateItem>().Where(a => a.Path is not null))
        {
            if (Resolve(text, type, agg.Path!) is { Field.Type: FieldType.Address } compound)
                throw SoqlError.At(text, agg.Row, agg.Column, $"field {compound.FinalName} does not support aggregate operator {agg.Function}", "INVALID_FIELD");
        }
        foreach (var fi in q.Select.OfType<FieldItem>())
        {
            var path = Resolve(text, type, fi.Path);
            if (!groups.Any(g => g.Path.Text.Equals(path.Path.Text, StringComparison.OrdinalIgnoreCase)))
                throw SoqlError.At(text, fi.Path.Row, fi.Path.Column, $"Field must be grouped or aggregated: {path.FinalName}");
        }
        if (q.Select.Any(s => s is SubqueryItem or FieldsItem)) throw new SalesforceException(400, "MALFORMED_QUERY", "Aggregate queries do not support subqueries or FIELDS()");

        var output = new List<JsonObject>();
        var groupList = groups.Count == 0
            ? [rows]
            : rows.GroupBy(r => string.Join("\u0001", groups.Select(g => FieldValues.ToText(Value(r, g))?.ToUpperInvariant() ?? "\0")), StringComparer.Ordinal)
                .Select(g => g.ToList()).ToList();
        foreach (var members in groupList)
        {
            var o = new JsonObject { ["attributes"] = new JsonObject { ["type"] = "AggregateResult" } };
            var exprIndex = 0;
            foreach (var item in q.Select)
            {
                if (item is FieldItem fi)
                {
                    var path = Resolve(text, type, fi.Path);
                    o[fi.Alias ?? path.FinalName] = members.Count == 0 ? null : FieldValues.ToJson(path.Field, Value(members[0], path));
                    continue;
                }
                var agg = (AggregateItem)item;
                var name = agg.Alias ?? $"expr{exprIndex++}";
                var aggPath = agg.Path is null ? null : Resolve(text, type, agg.Path);
                var values = aggPath is null ? members.Select(m => (object?)m.Id).ToList() : members.Select(m => Value(m, aggPath)).Where(v => v is not null).ToList();
                JsonNode? result = agg.Function switch
                {
                    "COUNT" => values.Count,
                    "COUNT_DISTINCT" => values.Select(v => FieldValues.ToText(v)!.ToUpperInvariant()).Distinct().Count(),
                    "SUM" => values.Count == 0 ? null : JsonValue.Create(values.Cast<decimal>().Sum()),
                    "AVG" => values.Count == 0 ? null : JsonValue.Create(values.Cast<decimal>().Average()),
                    "MIN" => values.Count == 0 ? null : FieldValues.ToJson(aggPath?.Field, values.Aggregate((a, b) => CompareValues(a!, b!) <= 0 ? a : b)),
                    _ => values.Count == 0 ? null : FieldValues.ToJson(aggPath?.Field, values.Aggregate((a, b) => CompareValues(a!, b!) >= 0 ? a : b)),
                };
                o[name] = result;
            }
            if (groups.Count > 0 || members.Count > 0 || q.Select.All(s => s is AggregateItem)) output.Add(o);
        }
        IEnumerable<JsonObject> page = output;
        if (q.OrderBy.Count > 0)
        {
            var first = q.OrderBy[0];
            var key = first.Path.Parts[^1];
            page = first.Descending
                ? output.OrderByDescending(o => FieldValues.ToText(JsonToObject(o[key])), StringComparer.OrdinalIgnoreCase)
                : output.OrderBy(o => FieldValues.ToText(JsonToObject(o[key])), StringComparer.OrdinalIgnoreCase);
        }
        if (q.Offset is { } offset) page = page.Skip(offset);
        if (q.Limit is { } limit) page = page.Take(limit);
        var list = page.ToList();
        return new SoqlResult(type, list, list.Count, false);
    }

    private static object? JsonToObject(JsonNode? node) => node?.ToString();

    /// <summary>The <c>columns=true</c> answer the Salesforce CLI asks for: one entry per selected column.</summary>
    public JsonObject ColumnMetadata(string text)
    {
        var q = SoqlParser.Parse(text);
        var type = TypeOf(text, q);
        return new JsonObject
        {
            ["columnMetadata"] = new JsonArray(q.Select.Select(s => (JsonNode)Column(text, type, s)).ToArray()),
            ["entityName"] = type.Name,
            ["groupBy"] = q.GroupBy.Count > 0,
            ["idSelected"] = q.Select.OfType<FieldItem>().Any(f => f.Path.Parts.Count == 1 && f.Path.Parts[0].Equals("Id", StringComparison.OrdinalIgnoreCase)),
            ["keyPrefix"] = type.KeyPrefix,
        };
    }

    private JsonObject Column(string text, ObjectDef type, SelectItem item)
    {
        static JsonObject Make(string name, string display, string apexType, bool aggregate, JsonArray join, bool custom = false) => new()
        {
            ["aggregate"] = aggregate, ["apexType"] = apexType, ["booleanType"] = apexType == "Boolean", ["columnName"] = name, ["custom"] = custom,
            ["displayName"] = display, ["foreignKeyName"] = null, ["insertable"] = false, ["joinColumns"] = join,
            ["numberType"] = apexType is "Integer" or "Double" or "Decimal", ["textType"] = apexType is "String" or "Id", ["updatable"] = false,
        };
        static string Apex(FieldDef? f) => f?.Type switch
        {
            FieldType.Id or FieldType.Reference => "Id",
            FieldType.Boolean => "Boolean",
            FieldType.Int => "Integer",
            FieldType.Double or FieldType.Percent => "Double",
            FieldType.Currency => "Decimal",
            FieldType.Date => "Date",
            FieldType.DateTime => "Datetime",
            FieldType.Address => "Address",
            _ => "String",
        };
        switch (item)
        {
            case FieldItem fi:
            {
                var path = Resolve(text, type, fi.Path);
                if (path.Hops.Count == 0) return Make(path.FinalName, path.FinalName, Apex(path.Field), false, [], path.Field?.Custom ?? false);
                var inner = Make(path.FinalName, path.FinalName, Apex(path.Field), false, []);
                for (var i = path.Hops.Count - 1; i >= 0; i--)
                {
                    var rel = path.Hops[i].RelationshipName!;
                    inner = Make(rel, rel, null!, false, [inner]);
                    inner["apexType"] = null;
                }
                return inner;
            }
            case SubqueryItem sub:
            {
                var relation = type.Child(sub.Query.From);
                var childType = relation is null ? type : org.Schema.Require(relation.ChildObject);
                var join = new JsonArray(sub.Query.Select.Select(s => (JsonNode)Column(text, childType, s)).ToArray());
                var o = Make(relation?.RelationshipName ?? sub.Query.From, relation?.RelationshipName ?? sub.Query.From, null!, false, join);
                o["apexType"] = null;
                return o;
            }
            case AggregateItem agg:
                return Make(agg.Alias ?? "expr0", agg.Alias ?? $"{agg.Function}({agg.Path?.Text})", agg.Function.StartsWith("COUNT", StringComparison.Ordinal) ? "Integer" : "Double", true, []);
            default:
                return Make("FIELDS", "FIELDS", "String", false, []);
        }
    }
}
