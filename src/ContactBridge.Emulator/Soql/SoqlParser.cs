namespace ContactBridge.Emulator.Soql;

/// <summary>A recursive-descent parser for the SOQL subset described in the wire notes.</summary>
public sealed class SoqlParser
{
    private static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase) { "COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX" };
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "INCLUDES", "EXCLUDES", "ORDER", "BY", "GROUP", "HAVING", "LIMIT",
        "OFFSET", "ASC", "DESC", "NULLS", "FIRST", "LAST", "NULL", "TRUE", "FALSE", "WITH", "FOR", "USING",
    };

    /// <summary>Salesforce refuses SOQL longer than 100,000 characters.</summary>
    public const int MaxLength = 100_000;

    /// <summary>How deep parentheses and NOT may nest: deep enough for any real query, shallow enough that hostile input cannot exhaust the stack.</summary>
    public const int MaxNesting = 64;

    private readonly SoqlLexer _lexer;
    private readonly List<Token> _tokens;
    private int _i;
    private int _depth;

    private SoqlParser(string text)
    {
        _lexer = new SoqlLexer(text);
        _tokens = _lexer.Tokenize();
    }

    public static SoqlQuery Parse(string text)
    {
        if (text.Length > MaxLength)
            throw new Records.SalesforceException(400, "MALFORMED_QUERY", $"Query is too long: {text.Length} characters; SOQL statements cannot exceed {MaxLength}.");
        var parser = new SoqlParser(text);
        var query = parser.ParseQuery(nested: false);
        if (parser.Peek.Kind != TokenKind.End) throw parser.Unexpected();
        return query;
    }

    /// <summary>Parses a WHERE condition on its own (SOSL RETURNING clauses use it).</summary>
    internal static (Condition Condition, int Consumed) ParseConditionAt(List<Token> tokens, int start, string text)
    {
        var parser = new SoqlParser(text, tokens, start);
        var condition = parser.ParseCondition();
        return (condition, parser._i);
    }

    private SoqlParser(string text, List<Token> tokens, int start)
    {
        _lexer = new SoqlLexer(text);
        _tokens = tokens;
        _i = start;
    }

    private Token Peek => _tokens[_i];
    private Token PeekAt(int offset) => _tokens[Math.Min(_i + offset, _tokens.Count - 1)];
    private Token Advance() => _tokens[_i++];

    private Exception Unexpected(Token? t = null)
    {
        t ??= Peek;
        return SoqlError.At(_lexer.Text, t.Row, t.Column, t.Kind == TokenKind.End ? "unexpected token: <EOF>" : $"unexpected token: {t.Text}");
    }

    private Token Expect(string keyword)
    {
        if (!Peek.Is(keyword)) throw Unexpected();
        return Advance();
    }

    private Token ExpectSymbol(string symbol)
    {
        if (!Peek.IsSymbol(symbol)) throw Unexpected();
        return Advance();
    }

    private SoqlQuery ParseQuery(bool nested)
    {
        Expect("SELECT");
        var select = new List<SelectItem>();
        do
        {
            select.Add(ParseSelectItem());
        }
        while (Peek.IsSymbol(",") && Advance() is not null);
        Expect("FROM");
        var from = Advance();
        if (from.Kind != TokenKind.Identifier || Reserved.Contains(from.Text)) throw Unexpected(from);
        // An alias after the object name is accepted and ignored.
        if (Peek.Kind == TokenKind.Identifier && !Reserved.Contains(Peek.Text)) Advance();
        if (Peek.Is("USING"))
        {
            Advance();
            Expect("SCOPE");
            Advance();
        }
        Condition? where = null;
        if (Peek.Is("WHERE"))
        {
            Advance();
            where = ParseCondition();
        }
        if (Peek.Is("WITH"))
        {
            Advance();
            if (Peek.Is("SECURITY_ENFORCED") || Peek.Is("USER_MODE") || Peek.Is("SYSTEM_MODE")) Advance();
            else throw Unexpected();
        }
        var groupBy = new List<FieldPath>();
        if (Peek.Is("GROUP"))
        {
            Advance();
            Expect("BY");
            do
            {
                groupBy.Add(ParsePath());
            }
            while (Peek.IsSymbol(",") && Advance() is not null);
        }
        var orderBy = new List<OrderItem>();
        if (Peek.Is("ORDER"))
        {
            Advance();
            Expect("BY");
            do
            {
                var path = ParsePath();
                var desc = false;
                if (Peek.Is("ASC")) Advance();
                else if (Peek.Is("DESC"))
                {
                    Advance();
                    desc = true;
                }
                bool? nullsFirst = null;
                if (Peek.Is("NULLS"))
                {
                    Advance();
                    if (Peek.Is("FIRST")) nullsFirst = true;
                    else if (Peek.Is("LAST")) nullsFirst = false;
                    else throw Unexpected();
                    Advance();
                }
                orderBy.Add(new OrderItem(path, desc, nullsFirst));
            }
            while (Peek.IsSymbol(",") && Advance() is not null);
        }
        int? limit = null, offset = null;
        if (Peek.Is("LIMIT"))
        {
            Advance();
            limit = ParseInt();
        }
        if (Peek.Is("OFFSET"))
        {
            Advance();
            offset = ParseInt();
        }
        string? forClause = null;
        if (Peek.Is("FOR"))
        {
            Advance();
            if (Peek.Is("VIEW") || Peek.Is("REFERENCE") || Peek.Is("UPDATE")) forClause = Advance().Text.ToUpperInvariant();
            else throw Unexpected();
        }
        if (!nested && Peek.Kind != TokenKind.End) throw Unexpected();
        return new SoqlQuery(select, from.Text, from.Row, from.Column, where, groupBy, orderBy, limit, offset) { ForClause = forClause };
    }

    private int ParseInt()
    {
        var t = Advance();
        if (t.Kind != TokenKind.Number || t.Value is not decimal d || d != decimal.Truncate(d) || d < 0) throw Unexpected(t);
        return d > int.MaxValue ? int.MaxValue : (int)d;
    }

    private SelectItem ParseSelectItem()
    {
        var t = Peek;
        if (t.IsSymbol("("))
        {
            if (_depth > 0) throw Unexpected(t);
            _depth++;
            Advance();
            var sub = ParseQuery(nested: true);
            _depth--;
            ExpectSymbol(")");
            return new SubqueryItem(sub);
        }
        if (t.Kind == TokenKind.Identifier && PeekAt(1).IsSymbol("("))
        {
            if (t.Is("FIELDS"))
            {
                Advance();
                Advance();
                var which = Advance();
                if (!(which.Is("ALL") || which.Is("STANDARD") || which.Is("CUSTOM"))) throw Unexpected(which);
                ExpectSymbol(")");
                return new FieldsItem(which.Text.ToUpperInvariant(), t.Row, t.Column);
            }
            if (!Aggregates.Contains(t.Text)) throw Unexpected(t);
            Advance();
            Advance();
            FieldPath? path = null;
            if (!Peek.IsSymbol(")")) path = ParsePath();
            ExpectSymbol(")");
            return new AggregateItem(t.Text.ToUpperInvariant(), path, ParseAlias(), t.Row, t.Column);
        }
        var p = ParsePath();
        return new FieldItem(p, ParseAlias());
    }

    private string? ParseAlias() =>
        Peek.Kind == TokenKind.Identifier && !Reserved.Contains(Peek.Text) ? Advance().Text : null;

    private FieldPath ParsePath()
    {
        var first = Advance();
        if (first.Kind != TokenKind.Identifier || Reserved.Contains(first.Text)) throw Unexpected(first);
        var parts = new List<string> { first.Text };
        while (Peek.IsSymbol("."))
        {
            Advance();
            var next = Advance();
            if (next.Kind != TokenKind.Identifier) throw Unexpected(next);
            parts.Add(next.Text);
        }
        return new FieldPath(parts, first.Row, first.Column);
    }

    /// <summary>
    /// AND and OR may not be mixed at one level without parentheses: Salesforce rejects
    /// "a AND b OR c" as ambiguous.
    /// </summary>
    internal Condition ParseCondition()
    {
        var first = ParseUnary();
        if (!(Peek.Is("AND") || Peek.Is("OR"))) return first;
        var op = Peek.Text.ToUpperInvariant();
        var parts = new List<Condition> { first };
        while (Peek.Is("AND") || Peek.Is("OR"))
        {
            if (!Peek.Is(op)) throw Unexpected();
            Advance();
            parts.Add(ParseUnary());
        }
        return op == "AND" ? new AndCondition(parts) : new OrCondition(parts);
    }

    private Condition ParseUnary()
    {
        if (++_depth > MaxNesting) throw SoqlError.At(_lexer.Text, Peek.Row, Peek.Column, $"The condition nests more than {MaxNesting} levels deep.");
        try
        {
            return ParseUnaryCore();
        }
        finally
        {
            _depth--;
        }
    }

    private Condition ParseUnaryCore()
    {
        if (Peek.Is("NOT"))
        {
            Advance();
            return new NotCondition(ParseUnary());
        }
        if (Peek.IsSymbol("("))
        {
            Advance();
            var inner = ParseCondition();
            ExpectSymbol(")");
            return inner;
        }
        var path = ParsePath();
        var opToken = Advance();
        string op;
        if (opToken.Kind == TokenKind.Symbol && opToken.Text is "=" or "!=" or "<>" or "<" or "<=" or ">" or ">=")
        {
            op = opToken.Text == "<>" ? "!=" : opToken.Text;
            return new Comparison(path, op, [ParseLiteral()]);
        }
        if (opToken.Is("LIKE")) return new Comparison(path, "LIKE", [ParseLiteral()]);
        var negated = false;
        if (opToken.Is("NOT"))
        {
            negated = true;
            opToken = Advance();
            if (!opToken.Is("IN")) throw Unexpected(opToken);
        }
        if (opToken.Is("IN") || opToken.Is("INCLUDES") || opToken.Is("EXCLUDES"))
        {
            op = negated ? "NOT IN" : opToken.Text.ToUpperInvariant();
            ExpectSymbol("(");
            if (Peek.Is("SELECT") && op is "IN" or "NOT IN")
            {
                var sub = ParseQuery(nested: true);
                ExpectSymbol(")");
                return new Comparison(path, op, [], sub);
            }
            var values = new List<Literal>();
            do
            {
                values.Add(ParseLiteral());
            }
            while (Peek.IsSymbol(",") && Advance() is not null);
            ExpectSymbol(")");
            return new Comparison(path, op, values);
        }
        throw Unexpected(opToken);
    }

    private Literal ParseLiteral()
    {
        var t = Advance();
        switch (t.Kind)
        {
            case TokenKind.String: return new Literal(LiteralKind.String, t.Value, t.Text);
            case TokenKind.Number: return new Literal(LiteralKind.Number, t.Value, t.Text);
            case TokenKind.Date: return new Literal(LiteralKind.Date, t.Value, t.Text);
            case TokenKind.DateTime: return new Literal(LiteralKind.DateTime, t.Value, t.Text);
            case TokenKind.Identifier when t.Is("NULL"): return new Literal(LiteralKind.Null, null, t.Text);
            case TokenKind.Identifier when t.Is("TRUE"): return new Literal(LiteralKind.Boolean, true, t.Text);
            case TokenKind.Identifier when t.Is("FALSE"): return new Literal(LiteralKind.Boolean, false, t.Text);
            case TokenKind.Identifier when DateLiterals.IsKnown(t.Text):
                var name = t.Text.ToUpperInvariant();
                if (DateLiterals.TakesN(name))
                {
                    ExpectSymbol(":");
                    var n = Advance();
                    if (n.Kind != TokenKind.Number) throw Unexpected(n);
                    return new Literal(LiteralKind.DateLiteral, name, $"{name}:{n.Text}", (int)(decimal)n.Value!);
                }
                return new Literal(LiteralKind.DateLiteral, name, name);
            default: throw Unexpected(t);
        }
    }
}
