namespace ContactBridge.Workforce;

/// <summary>Where intervals begin in a tenant's time zone: on the wall clock's quarter or half hours, across midnight and daylight-saving changes.</summary>
public sealed record IntervalClock(TimeSpan Length, TimeZoneInfo Zone)
{
    /// <summary>The start of the interval holding <paramref name="t"/>: the local wall clock floored to the length, as a UTC instant.</summary>
    public DateTimeOffset StartOf(DateTimeOffset t)
    {
        var local = t.UtcTicks + Zone.GetUtcOffset(t).Ticks;
        return new DateTimeOffset(t.UtcTicks - (local % Length.Ticks), TimeSpan.Zero);
    }

    /// <summary>The start of the interval after the one starting at <paramref name="start"/> (an hour that repeats or is skipped has as many intervals as it has minutes).</summary>
    public DateTimeOffset Next(DateTimeOffset start)
    {
        var next = StartOf(start + Length);
        return next > start ? next : start + Length;
    }

    /// <summary>The interval's start as the tenant's wall clock shows it, with the offset then in force.</summary>
    public DateTimeOffset Local(DateTimeOffset start) => TimeZoneInfo.ConvertTime(start, Zone);
}

/// <summary>One contact as the feed counts it: when it was offered (queued, or dialled), answered and ended, and its hold and after-contact work.</summary>
public sealed record ContactFact(string InteractionId, string Channel, string Direction, string? Queue, string? AgentId, DateTimeOffset OfferedAt,
    DateTimeOffset? AnsweredAt, DateTimeOffset? EndedAt, bool Abandoned, int HoldSeconds, int WrapSeconds, int Transfers)
{
    public bool Inbound => Direction == "inbound";
}

/// <summary>An agent's activity from a moment on (null: offline, which no list counts).</summary>
public sealed record ActivityChange(string AgentId, DateTimeOffset At, string EventId, string? Activity)
{
    /// <summary>Order among changes at the same moment: 0 logging in, 1 a state, 2 logging out.</summary>
    public int Rank { get; init; } = 1;
}

/// <summary>What the contacts of one queue and channel did in one interval (every number of a contact falls in the interval it was offered in).</summary>
public sealed record QueueInterval(DateTimeOffset Start, string Queue, string Channel)
{
    public long Offered { get; set; }
    public long Answered { get; set; }
    public long AnsweredInThreshold { get; set; }
    public long Abandoned { get; set; }
    public long ShortAbandoned { get; set; }
    public long AnswerWaitSeconds { get; set; }
    public long Handled { get; set; }
    public long TalkSeconds { get; set; }
    public long HoldSeconds { get; set; }
    public long WrapSeconds { get; set; }
    public long Transfers { get; set; }

    /// <summary>Contacts with an outcome that count for service level and abandon rate: short abandons are left out, as WFM tools expect.</summary>
    public long Counted => Answered + Abandoned - ShortAbandoned;

    public double? ServiceLevelPercent => Counted == 0 ? null : Math.Round(100.0 * AnsweredInThreshold / Counted, 2);
    public double? AbandonRatePercent => Counted == 0 ? null : Math.Round(100.0 * (Abandoned - ShortAbandoned) / Counted, 2);
    public double? AverageSpeedOfAnswerSeconds => Answered == 0 ? null : Math.Round((double)AnswerWaitSeconds / Answered, 1);
    public double? AverageHandleSeconds => Handled == 0 ? null : Math.Round((double)(TalkSeconds + HoldSeconds + WrapSeconds) / Handled, 1);
}

/// <summary>One agent's time in one interval, by the tenant's activity lists, and the contacts it handled (offered in the interval).</summary>
public sealed record AgentInterval(DateTimeOffset Start, string AgentId)
{
    internal long AdminMs, IdleMs, NotReadyMs, ReadyMs;
    internal readonly SortedDictionary<string, long> UnclassifiedMs = new(StringComparer.Ordinal);

    public long AdminSeconds => Seconds(AdminMs);
    public long IdleSeconds => Seconds(IdleMs);
    public long NotReadySeconds => Seconds(NotReadyMs);
    public long ReadySeconds => Seconds(ReadyMs);

    /// <summary>Activities in no list, each with its seconds.</summary>
    public IReadOnlyDictionary<string, long> Unclassified => UnclassifiedMs.ToDictionary(x => x.Key, x => Seconds(x.Value), StringComparer.Ordinal);

    public long Handled { get; set; }
    public long TalkSeconds { get; set; }
    public long HoldSeconds { get; set; }
    public long WrapSeconds { get; set; }
    public long HandleSeconds => TalkSeconds + HoldSeconds + WrapSeconds;

    private static long Seconds(long ms) => (ms + 500) / 1000;
}

/// <summary>
/// The historical feed's arithmetic, for one range of whole intervals: each agent's time split exactly at interval
/// boundaries by the activity it was in, and each contact's numbers in the interval it was offered in. Pure: the same
/// facts give the same intervals, so a closed interval read again (or computed again) gives the same numbers.
/// </summary>
public sealed class IntervalCalculator(IntervalClock clock, ActivityCategories categories, int serviceLevelSeconds, int shortAbandonSeconds)
{
    public IntervalClock Clock => clock;

    /// <summary>
    /// Computes [<paramref name="from"/>, <paramref name="to"/>), both interval starts: <paramref name="initial"/> is each agent's activity at
    /// <paramref name="from"/>, <paramref name="changes"/> those within the range, <paramref name="contacts"/> those offered within it. Returns
    /// the intervals and each agent's activity at <paramref name="to"/> (what the next range begins with).
    /// </summary>
    public (List<QueueInterval> Queues, List<AgentInterval> Agents, Dictionary<string, string?> Final) Compute(DateTimeOffset from, DateTimeOffset to,
        IReadOnlyDictionary<string, string?> initial, IEnumerable<ActivityChange> changes, IEnumerable<ContactFact> contacts)
    {
        var agents = new Dictionary<(DateTimeOffset, string), AgentInterval>();
        AgentInterval AgentRow(DateTimeOffset start, string agentId)
        {
            if (!agents.TryGetValue((start, agentId), out var row)) agents[(start, agentId)] = row = new AgentInterval(start, agentId);
            return row;
        }
        var current = new Dictionary<string, (string? Activity, DateTimeOffset Since)>(StringComparer.Ordinal);
        foreach (var (agentId, activity) in initial) current[agentId] = (activity, from);
        void Close(string agentId, DateTimeOffset until)
        {
            if (!current.TryGetValue(agentId, out var open) || open.Activity is null || until <= open.Since) return;
            var category = categories.CategoryOf(open.Activity);
            for (var t = open.Since; t < until;)
            {
                var start = clock.StartOf(t);
                var end = clock.Next(start);
                var ms = (long)((end < until ? end : until) - t).TotalMilliseconds;
                var row = AgentRow(start, agentId);
                switch (category)
                {
                    case ActivityCategory.Admin: row.AdminMs += ms; break;
                    case ActivityCategory.Idle: row.IdleMs += ms; break;
                    case ActivityCategory.NotReady: row.NotReadyMs += ms; break;
                    case ActivityCategory.Ready: row.ReadyMs += ms; break;
                    default: row.UnclassifiedMs[open.Activity] = row.UnclassifiedMs.GetValueOrDefault(open.Activity) + ms; break;
                }
                t = end;
            }
        }
        foreach (var change in changes.Where(c => c.At >= from && c.At < to).OrderBy(c => c.At).ThenBy(c => c.Rank).ThenBy(c => c.EventId, StringComparer.Ordinal))
        {
            Close(change.AgentId, change.At);
            current[change.AgentId] = (change.Activity, change.At);
        }
        foreach (var agentId in current.Keys.ToList()) Close(agentId, to);

        var queues = new Dictionary<(DateTimeOffset, string, string), QueueInterval>();
        foreach (var c in contacts.Where(c => c.OfferedAt >= from && c.OfferedAt < to))
        {
            var start = clock.StartOf(c.OfferedAt);
            var handled = c.AnsweredAt is { } answeredAt && c.EndedAt is { } endedAt;
            var talk = handled ? Math.Max(0, (long)Math.Round((c.EndedAt!.Value - c.AnsweredAt!.Value).TotalSeconds) - c.HoldSeconds) : 0;
            if (c.AgentId is { } agentId && handled)
            {
                var row = AgentRow(start, agentId);
                row.Handled++;
                row.TalkSeconds += talk;
                row.HoldSeconds += c.HoldSeconds;
                row.WrapSeconds += c.WrapSeconds;
            }
            if (!c.Inbound) continue;
            var key = (start, c.Queue ?? "", c.Channel);
            if (!queues.TryGetValue(key, out var q)) queues[key] = q = new QueueInterval(start, key.Item2, c.Channel);
            q.Offered++;
            q.Transfers += c.Transfers;
            if (c.AnsweredAt is { } answered)
            {
                var wait = Math.Max(0, (answered - c.OfferedAt).TotalSeconds);
                q.Answered++;
                q.AnswerWaitSeconds += (long)Math.Round(wait);
                if (wait <= serviceLevelSeconds) q.AnsweredInThreshold++;
                if (handled)
                {
                    q.Handled++;
                    q.TalkSeconds += talk;
                    q.HoldSeconds += c.HoldSeconds;
                    q.WrapSeconds += c.WrapSeconds;
                }
            }
            else if (c.Abandoned && c.EndedAt is { } ended)
            {
                q.Abandoned++;
                if ((ended - c.OfferedAt).TotalSeconds < shortAbandonSeconds) q.ShortAbandoned++;
            }
        }
        return (queues.Values.OrderBy(q => q.Start).ThenBy(q => q.Queue, StringComparer.Ordinal).ThenBy(q => q.Channel, StringComparer.Ordinal).ToList(),
            agents.Values.OrderBy(a => a.Start).ThenBy(a => a.AgentId, StringComparer.Ordinal).ToList(),
            current.ToDictionary(x => x.Key, x => x.Value.Activity, StringComparer.Ordinal));
    }
}
