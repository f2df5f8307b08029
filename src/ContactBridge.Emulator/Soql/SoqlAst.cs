namespace ContactBridge.Emulator.Soql;

public sealed record FieldPath(IReadOnlyList<string> Parts, int Row, int Column)
{
    public string Text => string.Join('.', Parts);
}

public enum LiteralKind { Null, Boolean, Number, String, Date, DateTime, DateLiteral }

public sealed record Literal(LiteralKind Kind, object? Value, string Text, int N = 0);

public abstract record Condition;
public sealed record AndCondition(IReadOnlyList<Condition> Parts) : Condition;
public sealed record OrCondition(IReadOnlyList<Condition> Parts) : Condition;
public sealed record NotCondition(Condition Inner) : Condition;
public sealed record Comparison(FieldPath Field, string Operator, IReadOnlyList<Literal> Values, SoqlQuery? SemiJoin = null) : Condition;

public abstract record SelectItem;
public sealed record FieldItem(FieldPath Path, string? Alias) : SelectItem;
public sealed record AggregateItem(string Function, FieldPath? Path, string? Alias, int Row, int Column) : SelectItem;
public sealed record SubqueryItem(SoqlQuery Query) : SelectItem;
public sealed record FieldsItem(string Which, int Row, int Column) : SelectItem;

public sealed record OrderItem(FieldPath Path, bool Descending, bool? NullsFirst);

public sealed record SoqlQuery(
    IReadOnlyList<SelectItem> Select,
    string From,
    int FromRow,
    int FromColumn,
    Condition? Where,
    IReadOnlyList<FieldPath> GroupBy,
    IReadOnlyList<OrderItem> OrderBy,
    int? Limit,
    int? Offset)
{
    /// <summary>FOR VIEW, FOR REFERENCE or FOR UPDATE: "VIEW", "REFERENCE", "UPDATE", or null.</summary>
    public string? ForClause { get; init; }
}
