using System.Globalization;

namespace ContactBridge.Bench.Soak;

/// <summary>What a soak run does, read from the command line after the <c>soak</c> verb.</summary>
internal sealed record SoakOptions
{
    public double Rate { get; init; } = 50;
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(30);
    public string Database { get; init; } = "sqlite";
    /// <summary>A PostgreSQL server the run may create and drop a database on.</summary>
    public string? PostgreSqlAdmin { get; init; } = Environment.GetEnvironmentVariable("CONTACTBRIDGE_TEST_POSTGRES");
    public int Instances { get; init; } = 1;
    public int Tenants { get; init; } = 1;
    /// <summary>Null: the hub's default retention (30 days), which never prunes during a run.</summary>
    public TimeSpan? Retention { get; init; }
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromSeconds(30);
    public double LatencyMs { get; init; } = 100;
    public double JitterMs { get; init; } = 30;
    public double Known { get; init; } = 0.7;
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long to wait after the load for the hubs to log what they acknowledged.</summary>
    public TimeSpan DrainLimit { get; init; } = TimeSpan.FromMinutes(3);
    public bool Scale { get; init; }
    /// <summary>Each instance's share of the CPU, in cores (a cgroup quota; needs root). Null: no cap.</summary>
    public double? CpusPerInstance { get; init; }
    public string Output { get; init; } = "soak-results";
    /// <summary>The hubs' log level (their output goes to instanceN.log in the output folder).</summary>
    public string HubLogLevel { get; init; } = "Warning";

    public const string Usage = """
        soak [--rate 50] [--duration 30m] [--database sqlite|postgresql] [--postgres "Host=…;Username=…"]
             [--instances 1|2|3] [--tenants 1] [--retention [2m]] [--retention-interval 30s]
             [--latency-ms 100] [--jitter-ms 30] [--known 0.7] [--sample 10s] [--drain 3m] [--scale] [--cpus-per-instance 0.25]
             [--output soak-results] [--hub-log-level Warning|Information|Debug]
        """;

    public static (SoakOptions? Options, string? Error) Parse(string[] args)
    {
        var o = new SoakOptions();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
                double Number() => double.Parse(Value(), CultureInfo.InvariantCulture);
                o = args[i] switch
                {
                    "soak" => o,
                    "--rate" => o with { Rate = Number() },
                    "--duration" => o with { Duration = ParseDuration(Value()) },
                    "--database" => o with { Database = Value().ToLowerInvariant() },
                    "--postgres" => o with { PostgreSqlAdmin = Value() },
                    "--instances" => o with { Instances = (int)Number() },
                    "--tenants" => o with { Tenants = (int)Number() },
                    "--retention" => o with
                    {
                        Retention = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? ParseDuration(args[++i]) : TimeSpan.FromMinutes(2),
                    },
                    "--retention-interval" => o with { RetentionInterval = ParseDuration(Value()) },
                    "--latency-ms" => o with { LatencyMs = Number() },
                    "--jitter-ms" => o with { JitterMs = Number() },
                    "--known" => o with { Known = Number() },
                    "--sample" => o with { SampleInterval = ParseDuration(Value()) },
                    "--drain" => o with { DrainLimit = ParseDuration(Value()) },
                    "--scale" => o with { Scale = true },
                    "--cpus-per-instance" => o with { CpusPerInstance = Number() },
                    "--output" => o with { Output = Value() },
                    "--hub-log-level" => o with { HubLogLevel = Value() },
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

    private string? Problem()
    {
        if (Database is not ("sqlite" or "postgresql")) return "--database must be sqlite or postgresql.";
        if (Database == "sqlite" && (Instances > 1 || Scale))
            return "SQLite allows one hub instance: several instances (and --scale) need --database postgresql, where they share the database.";
        if (Instances is < 1 or > 3) return "--instances must be 1, 2 or 3.";
        if (Database == "postgresql" && string.IsNullOrEmpty(PostgreSqlAdmin))
            return "PostgreSQL needs a server: --postgres \"Host=…;Username=…\" or CONTACTBRIDGE_TEST_POSTGRES (source scripts/test-services.sh).";
        if (Rate <= 0) return "--rate must be above 0.";
        if (CpusPerInstance is <= 0.05 or > 64) return "--cpus-per-instance is a number of cores, from 0.05 up (0.25 is a quarter of a core).";
        if (Duration < TimeSpan.FromSeconds(10)) return "--duration must be at least 10s.";
        if (Tenants < 1) return "--tenants must be at least 1.";
        if (Retention is { } r && r < TimeSpan.FromMinutes(1)) return "--retention must be at least 1m (the hub refuses less).";
        if (SampleInterval < TimeSpan.FromSeconds(1)) return "--sample must be at least 1s.";
        return null;
    }

    /// <summary>30m, 90s, 1h, or a TimeSpan such as 00:30:00.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && text.Contains(':', StringComparison.Ordinal)) return span;
        var unit = text[^1];
        if (!double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) throw new FormatException($"Not a duration: {text} (say 30m, 90s or 00:30:00).");
        return unit switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            _ => throw new FormatException($"Not a duration: {text} (say 30m, 90s or 00:30:00)."),
        };
    }
}
