using System.Data.Common;
using System.Diagnostics;
using ContactBridge;
using ContactBridge.ContactCenter;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using ContactBridge.Workforce;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// The workforce feed's run: N days of agent states and contacts for A agents and Q queues, written straight into the hub's
/// tables (as the intake and the fold would leave them), then the historical feed computed from scratch, then again for one
/// new interval. Reports the time of each, rows written, events a second and peak memory.
/// </summary>
internal static class WorkforceBench
{
    /// <summary>A clock the run moves: the feed computes intervals that have closed by it.</summary>
    private sealed class RunClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    public static async Task<int> RunAsync(int agents, int queues, int days, string? database)
    {
        Console.WriteLine($"ContactBridge workforce benchmark: {agents:N0} agents, {queues:N0} queues, {days} days, {(database is null ? "SQLite" : "PostgreSQL")}.");
        var directory = Directory.CreateTempSubdirectory("cb-bench-wfm-").FullName;
        var end = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var start = end.AddDays(-days);
        var clock = new RunClock(end);
        var settings = new Dictionary<string, string?> { [$"{HubOptions.Section}:DataDirectory"] = directory, ["Retention:LinkActivity"] = "400.00:00:00" };
        if (database is not null) settings[$"{HubOptions.Section}:Database"] = database;
        await using var hub = await HubServer.StartAsync(new HubServerOptions
        {
            Urls = "http://127.0.0.1:0", Settings = settings, Clock = clock, RunBackgroundWorkers = false, ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Warning),
        });
        var sp = hub.Services;
        var tenant = await sp.GetRequiredService<TenantStore>().CreateAsync("Bench Contact Center", default);
        var db = sp.GetRequiredService<HubDatabase>();

        var sw = Stopwatch.StartNew();
        var (states, contacts) = await GenerateAsync(db, tenant.Id, agents, queues, start, end, new Random(7));
        Console.WriteLine($"  generated {states:N0} state changes and {contacts:N0} contacts ({states + contacts:N0} in all) in {sw.Elapsed.TotalSeconds:F1} s");

        var saved = await sp.GetRequiredService<WorkforceIntegrations>().SaveHistoricalAsync(tenant.Id, "default",
            new HistoricalSettings { Enabled = true, ReadyActivities = "Available; On contact", NotReadyActivities = "Unavailable; Break; Lunch", AdminActivities = "After call work" },
            null, default);
        if (saved.Saved is null) throw new InvalidOperationException(string.Join(" ", saved.Problems));
        var feed = sp.GetRequiredService<WorkforceFeed>();
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.PeakWorkingSet64;
        sw.Restart();
        var rows = await feed.RunUntilIdleAsync(default);
        var scratch = sw.Elapsed;
        process.Refresh();
        Console.WriteLine($"  from scratch: {rows:N0} interval rows in {scratch.TotalSeconds:F1} s ({(states + contacts) / scratch.TotalSeconds:N0} events/s); " +
                          $"peak working set {process.PeakWorkingSet64 / 1048576:N0} MiB (before: {before / 1048576:N0} MiB)");

        // One more interval: 15 minutes of the same activity, then the clock passes its end.
        var (moreStates, moreContacts) = await GenerateAsync(db, tenant.Id, agents, queues, end, end.AddMinutes(15), new Random(8), loggedIn: true);
        clock.Now = end.AddMinutes(15);
        sw.Restart();
        var newRows = await feed.RunUntilIdleAsync(default);
        var incremental = sw.Elapsed;
        Console.WriteLine($"  one new interval ({moreStates:N0} state changes, {moreContacts:N0} contacts): {newRows:N0} rows in {incremental.TotalMilliseconds:N0} ms");
        var ok = scratch < TimeSpan.FromMinutes(2) && incremental < TimeSpan.FromSeconds(1);
        Console.WriteLine(ok ? "  targets met: from scratch < 2 min, one interval < 1 s" : "  TARGETS MISSED: from scratch < 2 min, one interval < 1 s");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// Each agent works 8 hours a day from a start between 07:00 and 11:00: logs in, then takes contacts (about 110 a day), with
    /// after-call work now and then, a break and a lunch; each contact is offered to one of the queues, one in twenty abandoned.
    /// </summary>
    private static async Task<(long States, long Contacts)> GenerateAsync(HubDatabase db, string tenantId, int agents, int queues, DateTimeOffset from, DateTimeOffset to,
        Random random, bool loggedIn = false)
    {
        await using var w = await db.WriteAsync(durable: false);
        var c = w.Connection;
        using var state = Command(c, w.Transaction, "INSERT INTO contact_center_events (tenant_id, event_id, type, subject, occurred_at, data, received_at) VALUES (@t, @id, @type, @s, @at, @data, @at)",
            "t", "id", "type", "s", "at", "data");
        using var contact = Command(c, w.Transaction, """
            INSERT INTO workforce_contacts (tenant_id, interaction_id, channel, direction, queue, agent_id, offered_at, answered_at, ended_at, abandoned, hold_seconds, wrap_seconds, transfers)
            VALUES (@t, @id, 'voice', 'inbound', @q, @a, @offered, @answered, @ended, @abandoned, @hold, @wrap, 0)
            """, "t", "id", "q", "a", "offered", "answered", "ended", "abandoned", "hold", "wrap");
        long states = 0, contacts = 0;
        async Task StateAsync(string agent, string type, string data, DateTimeOffset at)
        {
            Set(state, tenantId, $"{agent}-{at.ToUnixTimeMilliseconds()}-{states}", type, agent, at.ToUnixTimeMilliseconds(), data);
            await state.ExecuteNonQueryAsync();
            states++;
        }
        for (var a = 0; a < agents; a++)
        {
            var agent = $"ag-{a:0000}";
            await c.ExecuteAsync("INSERT INTO agents (tenant_id, agent_id, logged_in, updated_at) VALUES (@tenantId, @agent, 1, 0) ON CONFLICT (tenant_id, agent_id) DO NOTHING",
                new { tenantId, agent }, w.Transaction);
            for (var day = from.Date; day < to; day = day.AddDays(1))
            {
                var shiftStart = loggedIn ? from : new DateTimeOffset(day, TimeSpan.Zero).AddHours(7 + random.NextDouble() * 4);
                var shiftEnd = loggedIn ? to : shiftStart.AddHours(8);
                if (shiftEnd <= from || shiftStart >= to) continue;
                var t = shiftStart;
                if (!loggedIn) await StateAsync(agent, ContactCenterEvents.LoggedIn, "{}", t);
                var breaks = new[] { shiftStart.AddHours(2), shiftStart.AddHours(4) };
                while (t < shiftEnd)
                {
                    await StateAsync(agent, ContactCenterEvents.StateChanged, """{"state":"available"}""", t);
                    t = t.AddSeconds(20 + random.Next(60));
                    var offered = t.AddSeconds(-random.Next(40));
                    var abandoned = random.Next(20) == 0;
                    var talk = 120 + random.Next(180);
                    var hold = random.Next(5) == 0 ? random.Next(60) : 0;
                    var wrap = random.Next(3) == 0 ? 10 + random.Next(50) : 0;
                    Set(contact, tenantId, $"{agent}-{t.ToUnixTimeMilliseconds()}", $"queue-{random.Next(queues):00}", abandoned ? null : agent, offered.ToUnixTimeMilliseconds(),
                        abandoned ? null : t.ToUnixTimeMilliseconds(), (abandoned ? t : t.AddSeconds(talk)).ToUnixTimeMilliseconds(), abandoned ? 1 : 0, hold, wrap);
                    await contact.ExecuteNonQueryAsync();
                    contacts++;
                    if (abandoned) continue;
                    await StateAsync(agent, ContactCenterEvents.StateChanged, """{"state":"on_contact"}""", t);
                    t = t.AddSeconds(talk);
                    if (wrap > 0)
                    {
                        await StateAsync(agent, ContactCenterEvents.StateChanged, """{"state":"after_call_work"}""", t);
                        t = t.AddSeconds(wrap);
                    }
                    foreach (var (at, reason, minutes) in breaks.Select((b, i) => (b, i == 0 ? "Break" : "Lunch", i == 0 ? 15 : 30)))
                        if (t >= at && t < at.AddMinutes(minutes))
                        {
                            await StateAsync(agent, ContactCenterEvents.StateChanged, $$"""{"state":"unavailable","reason":"{{reason}}"}""", t);
                            t = at.AddMinutes(minutes);
                        }
                }
                if (!loggedIn) await StateAsync(agent, ContactCenterEvents.LoggedOut, "{}", shiftEnd);
            }
        }
        await w.CommitAsync();
        return (states, contacts);
    }

    private static DbCommand Command(DbConnection c, DbTransaction tx, string sql, params string[] names)
    {
        var command = c.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var name in names)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            command.Parameters.Add(p);
        }
        return command;
    }

    private static void Set(DbCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }
}
