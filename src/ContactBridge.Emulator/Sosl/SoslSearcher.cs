using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;
using ContactBridge.Emulator.Soql;

namespace ContactBridge.Emulator.Sosl;

/// <summary>
/// SOSL: <c>FIND {term} [IN ALL|NAME|EMAIL|PHONE FIELDS] [RETURNING Obj(fields [WHERE …] [ORDER BY …] [LIMIT n]), …] [LIMIT n]</c>,
/// and parameterizedSearch. Terms are words or "phrases" joined by AND / OR / AND NOT, with * and ?
/// wildcards; reserved characters must be escaped with a backslash. Phone fields match on digits,
/// so +1 (415) 555-0100 is found by 4155550100.
/// </summary>
public sealed partial class SoslSearcher(SalesforceOrg org, TimeProvider clock, string version)
{
    private const string Reserved = "?&|!{}[]()^~*:\\\"'+-";
    public const int DefaultLimit = 2000;

    public sealed record Target(ObjectDef Type, string? Clause);

    public JsonObject Search(string sosl)
    {
        var (term, rest) = SplitTerm(sosl);
        var scope = "ALL";
        var targets = new List<Target>();
        var limit = DefaultLimit;
        var tokens = new SoqlLexer(rest).Tokenize();
        var i = 0;
        Token Peek() => tokens[i];
        SalesforceException Bad(Token t) => SoqlError.At(sosl, 1, t.Column + sosl.Length - rest.Length, $"unexpected token: {t.Text}", "MALFORMED_SEARCH");
        if (Peek().Is("IN"))
        {
            i++;
            var s = tokens[i++];
            if (!(s.Is("ALL") || s.Is("NAME") || s.Is("EMAIL") || s.Is("PHONE") || s.Is("SIDEBAR"))) throw Bad(s);
            scope = s.Text.ToUpperInvariant();
            if (!tokens[i++].Is("FIELDS")) throw Bad(tokens[i - 1]);
        }
        if (Peek().Is("RETURNING"))
        {
            i++;
            do
            {
                var name = tokens[i++];
                if (name.Kind != TokenKind.Identifier) throw Bad(name);
                var type = org.Schema.Find(name.Text) ?? throw SalesforceException.InvalidType(name.Text);
                string? clause = null;
                if (Peek().IsSymbol("("))
                {
                    var depth = 0;
                    var start = Peek().Column - 1;
                    var end = start;
                    for (; i < tokens.Count; i++)
                    {
                        if (tokens[i].IsSymbol("(")) depth++;
                        if (tokens[i].IsSymbol(")") && --depth == 0)
                        {
                            end = tokens[i].Column - 1;
                            i++;
                            break;
                        }
                    }
                    if (depth != 0) throw Bad(tokens[^1]);
                    clause = rest[(start + 1)..end];
                }
                targets.Add(new Target(type, clause));
            }
            while (Peek().IsSymbol(",") && ++i > 0);
        }
        if (Peek().Is("WITH"))
        {
            while (Peek().Kind != TokenKind.End && !Peek().Is("LIMIT")) i++;
        }
        if (Peek().Is("LIMIT"))
        {
            i++;
            var n = tokens[i++];
            if (n.Kind != TokenKind.Number) throw Bad(n);
            limit = (int)(decimal)n.Value!;
        }
        if (Peek().Kind != TokenKind.End) throw Bad(Peek());
        return Run(term, scope, targets, limit);
    }

    /// <summary>parameterizedSearch: plain search text plus the objects and fields to return.</summary>
    public JsonObject ParameterizedSearch(string q, string? scope, IReadOnlyList<(string Name, IReadOnlyList<string>? Fields, int? Limit, string? Where)> sobjects,
        IReadOnlyList<string>? defaultFields, int? overallLimit)
    {
        var targets = sobjects.Select(s =>
        {
            var type = org.Schema.Find(s.Name) ?? throw SalesforceException.InvalidType(s.Name);
            var fields = s.Fields ?? defaultFields;
            var clause = new StringBuilder(fields is { Count: > 0 } ? string.Join(", ", fields) : "Id");
            if (s.Where is not null) clause.Append(" WHERE ").Append(s.Where);
            if (s.Limit is { } l) clause.Append(" LIMIT ").Append(l);
            return new Target(type, clause.ToString());
        }).ToList();
        return Run(EscapeReserved(q), (scope ?? "ALL").ToUpperInvariant(), targets, overallLimit ?? DefaultLimit);
    }

    /// <summary>Escapes SOSL's reserved characters, so that text from outside stays a search term.</summary>
    public static string EscapeReserved(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (Reserved.Contains(c, StringComparison.Ordinal) && c is not '*' and not '?' and not '"') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static (string Term, string Remainder) SplitTerm(string sosl)
    {
        var m = FindPrefix().Match(sosl);
        if (!m.Success) throw new SalesforceException(400, "MALFORMED_SEARCH", "No search term found. The search term must be enclosed in braces.");
        var start = m.Length;
        var sb = new StringBuilder();
        for (var i = start; i < sosl.Length; i++)
        {
            var c = sosl[i];
            if (c == '\\' && i + 1 < sosl.Length)
            {
                sb.Append(c).Append(sosl[++i]);
                continue;
            }
            if (c == '}') return (sb.ToString(), sosl[(i + 1)..]);
            sb.Append(c);
        }
        throw new SalesforceException(400, "MALFORMED_SEARCH", "line 1:" + sosl.Length + " mismatched character '<EOF>' expecting '}'");
    }

    [GeneratedRegex(@"^\s*FIND\s*\{", RegexOptions.IgnoreCase)]
    private static partial Regex FindPrefix();

    private sealed record Term(string Text, Regex Pattern, string Digits);

    /// <summary>Groups of terms: a record matches when every term of any one group matches (OR of ANDs); NOT terms exclude.</summary>
    private static (List<List<Term>> Groups, List<Term> Excluded) ParseTerm(string raw)
    {
        // A phone number, however punctuated, is one term: its digits ("+1 (415) 555-0100" → 14155550100).
        var unescaped = raw.Replace("\\", "", StringComparison.Ordinal);
        var digits = new string(unescaped.Where(char.IsAsciiDigit).ToArray());
        if (digits.Length >= 7 && unescaped.All(c => char.IsAsciiDigit(c) || "+()-. ".Contains(c, StringComparison.Ordinal)))
            return ([[new Term(digits, new Regex(Regex.Escape(digits)), digits)]], []);

        var words = new List<(string Text, bool Quoted)>();
        var sb = new StringBuilder();
        var quoted = false;
        void Flush(bool wasQuoted)
        {
            if (sb.Length > 0) words.Add((sb.ToString(), wasQuoted));
            sb.Clear();
        }
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '\\' && i + 1 < raw.Length)
            {
                sb.Append(raw[++i]);
                continue;
            }
            if (Reserved.Contains(c, StringComparison.Ordinal) && c is not '"' and not '*' and not '?' && !quoted)
                throw new SalesforceException(400, "MALFORMED_SEARCH", $"line 1:{i + 6} no viable alternative at character '{c}'. Reserved characters must be escaped with a backslash.");
            if (c == '"')
            {
                Flush(quoted);
                quoted = !quoted;
                continue;
            }
            if (char.IsWhiteSpace(c) && !quoted)
            {
                Flush(false);
                continue;
            }
            sb.Append(c);
        }
        Flush(quoted);
        var groups = new List<List<Term>> { new() };
        var excluded = new List<Term>();
        var pendingNot = false;
        for (var w = 0; w < words.Count; w++)
        {
            var (text, isQuoted) = words[w];
            if (!isQuoted && text == "OR")
            {
                groups.Add([]);
                continue;
            }
            if (!isQuoted && text == "AND")
            {
                if (w + 1 < words.Count && words[w + 1] is ("NOT", false))
                {
                    pendingNot = true;
                    w++;
                }
                continue;
            }
            if (text.Trim('*', '?').Length < 2)
                throw new SalesforceException(400, "INVALID_SEARCH", "search term must be longer than one character: " + text);
            var pattern = new Regex(Regex.Escape(text).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal),
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            var term = new Term(text, pattern, new string(text.Where(char.IsAsciiDigit).ToArray()));
            if (pendingNot) excluded.Add(term);
            else groups[^1].Add(term);
            pendingNot = false;
        }
        return (groups.Where(g => g.Count > 0).ToList(), excluded);
    }

    private static IEnumerable<FieldDef> SearchedFields(ObjectDef type, string scope) => scope switch
    {
        "EMAIL" => type.Fields.Where(f => f.Type == FieldType.Email),
        "PHONE" => type.Fields.Where(f => f.Type == FieldType.Phone),
        "NAME" => type.Fields.Where(f => f.NameField || f.Name is "FirstName" or "LastName" or "Company"),
        _ => type.Fields.Where(f => f.Type is FieldType.String or FieldType.TextArea or FieldType.Email or FieldType.Phone or FieldType.Picklist
            or FieldType.Combobox or FieldType.Url || f.NameField),
    };

    private static bool Matches(Term term, FieldDef field, string value)
    {
        if (field.Type == FieldType.Phone && term.Digits.Length >= 3 && term.Digits == term.Text)
        {
            var digits = new string(value.Where(char.IsAsciiDigit).ToArray());
            return digits.Contains(term.Digits, StringComparison.Ordinal)
                   || term.Digits.Length > 10 && digits.Length >= 10 && term.Digits.EndsWith(digits[^10..], StringComparison.Ordinal);
        }
        return term.Pattern.IsMatch(value);
    }

    private JsonObject Run(string rawTerm, string scope, List<Target> targets, int limit)
    {
        var (groups, excluded) = ParseTerm(rawTerm);
        if (groups.Count == 0) throw new SalesforceException(400, "MALFORMED_SEARCH", "No search term found.");
        if (targets.Count == 0) targets = org.Schema.Objects.Where(o => o.Searchable && !o.IsPlatformEvent && o.Name is not ("User" or "Profile" or "Organization")).Select(o => new Target(o, null)).ToList();
        var engine = new SoqlEngine(org, clock, version);
        var results = new JsonArray();
        foreach (var target in targets)
        {
            var fields = SearchedFields(target.Type, scope).ToList();
            bool Hit(SRecord r)
            {
                var values = fields.Select(f => (f, FieldValues.ToText(r[f.Name]))).Where(x => !string.IsNullOrEmpty(x.Item2)).ToList();
                bool Any(Term t) => values.Any(v => Matches(t, v.f, v.Item2!));
                return groups.Any(g => g.All(Any)) && !excluded.Any(Any);
            }
            var clause = target.Clause is null or "" ? "Id" : target.Clause;
            var soql = $"SELECT {InsertFrom(clause, target.Type.Name)}";
            var found = engine.ExecuteAmong(soql, Hit, PhoneCandidates(scope, groups, target.Type));
            foreach (var record in found.Records)
            {
                if (results.Count >= limit) break;
                results.Add(record);
            }
        }
        return new JsonObject { ["searchRecords"] = results };
    }

    /// <summary>
    /// A search of phone fields only, where every group of terms has a number of at least seven digits: the records the phone
    /// index gives for those numbers (a record that matches a group has its number), so 100,000 records are not read one by one.
    /// Otherwise null: every record is read.
    /// </summary>
    private IReadOnlyList<SRecord>? PhoneCandidates(string scope, List<List<Term>> groups, ObjectDef type)
    {
        if (scope != "PHONE") return null;
        var numbers = new List<string>();
        foreach (var group in groups)
        {
            if (group.FirstOrDefault(t => t.Digits == t.Text && t.Digits.Length >= RecordStore.PhoneWindow) is not { } number) return null;
            numbers.Add(number.Digits);
        }
        return org.Records.PhoneCandidates(type, numbers);
    }

    /// <summary>Turns "Id, Name WHERE x ORDER BY y LIMIT 5" into "Id, Name FROM Obj WHERE x ORDER BY y LIMIT 5".</summary>
    private static string InsertFrom(string clause, string objectName)
    {
        var m = ClauseKeyword().Match(clause);
        return m.Success ? $"{clause[..m.Index]} FROM {objectName} {clause[m.Index..]}" : $"{clause} FROM {objectName}";
    }

    [GeneratedRegex(@"\b(WHERE|ORDER\s+BY|LIMIT|OFFSET)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ClauseKeyword();
}
