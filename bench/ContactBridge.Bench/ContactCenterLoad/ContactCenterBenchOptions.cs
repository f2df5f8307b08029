using System.Globalization;

namespace ContactBridge.Bench.ContactCenterLoad;

/// <summary>What a contact-center run does, read from the command line after the <c>contact-center</c> verb.</summary>
internal sealed record ContactCenterBenchOptions
{
    public int Agents { get; init; } = 200;
    public double Rate { get; init; } = 20;
    public double Minutes { get; init; } = 10;
    /// <summary>Null: SQLite in a temporary folder. Otherwise a PostgreSQL server the run creates and drops a database on.</summary>
    public string? PostgreSqlAdmin { get; init; }
    /// <summary>
    /// Talk time drawn uniformly per contact. 3–9 s with 1 s to answer and 2 s of wrap-up keeps an agent 9 s per
    /// contact on average: 20/s (95 % answered) needs 171 of 200 agents, 86 % occupancy, so queues stay short.
    /// </summary>
    public int TalkMin { get; init; } = 3;
    public int TalkMax { get; init; } = 9;
    public int WrapUpSeconds { get; init; } = 2;
    public double ShortAbandonShare { get; init; } = 0.05;
    public double LatencyMs { get; init; } = 100;
    public double JitterMs { get; init; } = 30;
    /// <summary>How long to wait after the load for contacts to end, events to arrive and the hub to log everything.</summary>
    public TimeSpan DrainLimit { get; init; } = TimeSpan.FromMinutes(5);
    public string? JsonFile { get; init; }
    /// <summary>Agents whose softphone the run signs in and follows, as the page in Salesforce does (ring and screen-pop times).</summary>
    public int Softphones { get; init; } = 10;

    public string DatabaseLabel => PostgreSqlAdmin is null ? "sqlite" : "postgresql";

    public const string Usage = """
        contact-center [--agents 200] [--rate 20] [--minutes 10] [--database sqlite|postgresql|"Host=…;Username=…"]
                       [--talk 3-9] [--wrap-up 2] [--short-abandons 0.05] [--latency-ms 100] [--jitter-ms 30] [--drain 5m] [--softphones 10] [--json FILE]
          --database postgresql takes the server from CONTACTBRIDGE_TEST_POSTGRES (source scripts/test-services.sh); the run
          creates a database there and drops it at the end.
        """;

    public static (ContactCenterBenchOptions? Options, string? Error) Parse(string[] args)
    {
        var o = new ContactCenterBenchOptions();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
                double Number() => double.Parse(Value(), CultureInfo.InvariantCulture);
                o = args[i] switch
                {
                    "contact-center" => o,
                    "--agents" => o with { Agents = (int)Number() },
                    "--rate" => o with { Rate = Number() },
                    "--minutes" => o with { Minutes = Number() },
                    "--database" => o with { PostgreSqlAdmin = Database(Value()) },
                    "--talk" => Talk(o, Value()),
                    "--wrap-up" => o with { WrapUpSeconds = (int)Number() },
                    "--short-abandons" => o with { ShortAbandonShare = Number() },
                    "--latency-ms" => o with { LatencyMs = Number() },
                    "--jitter-ms" => o with { JitterMs = Number() },
                    "--drain" => o with { DrainLimit = Soak.SoakOptions.ParseDuration(Value()) },
                    "--json" => o with { JsonFile = Value() },
                    "--softphones" => o with { Softphones = (int)Number() },
                    _ => throw new FormatException($"Unknown option {args[i]}."),
                };
            }
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
        return o.Problem() is { } problem ? (null, problem) : (o, null);
    }

    private static string? Database(string value) => value.ToLowerInvariant() switch
    {
        "sqlite" => null,
        "postgresql" or "postgres" => Environment.GetEnvironmentVariable("CONTACTBRIDGE_TEST_POSTGRES")
                                      ?? throw new FormatException("--database postgresql needs CONTACTBRIDGE_TEST_POSTGRES (source scripts/test-services.sh), or give the connection string."),
        _ when value.Contains('=', StringComparison.Ordinal) => value,
        _ => throw new FormatException($"--database takes sqlite, postgresql or a PostgreSQL connection string (\"Host=…;Username=…\"), not '{value}'."),
    };

    private static ContactCenterBenchOptions Talk(ContactCenterBenchOptions o, string value)
    {
        var parts = value.Split('-');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var min) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var max))
            throw new FormatException($"--talk takes MIN-MAX seconds, e.g. 3-9, not '{value}'.");
        return o with { TalkMin = min, TalkMax = max };
    }

    private string? Problem()
    {
        if (Agents is < 1 or > 5000) return "--agents must be from 1 to 5000.";
        if (Softphones < 0 || Softphones > Agents) return "--softphones must be from 0 to the number of agents.";
        if (Rate is <= 0 or > 1000) return "--rate must be above 0 and at most 1000 calls a second.";
        if (Minutes <= 0) return "--minutes must be above 0.";
        if (TalkMin < 0 || TalkMax < TalkMin) return "--talk must be MIN-MAX with 0 <= MIN <= MAX.";
        if (WrapUpSeconds < 0) return "--wrap-up must be 0 or more seconds.";
        if (ShortAbandonShare is < 0 or > 1) return "--short-abandons must be a share from 0 to 1.";
        return null;
    }

    /// <summary>Agents busy per second of load (answer 1 s, talk, wrap-up) over the agents there are: above 1 the queues grow without end.</summary>
    public double Occupancy => Rate * (1 - ShortAbandonShare) * (1 + (TalkMin + TalkMax) / 2.0 + WrapUpSeconds) / Agents;
}
