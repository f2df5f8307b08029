using ContactBridge.Workforce;

namespace ContactBridge.Tests.Workforce;

/// <summary>The historical feed's arithmetic, against cases computed by hand.</summary>
public sealed class IntervalCalculatorTests
{
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static IntervalCalculator Calculator(int minutes = 15, TimeZoneInfo? zone = null, string ready = "Available; On contact", string notReady = "Break; Lunch",
        string admin = "Admin", string idle = "") =>
        new(new IntervalClock(TimeSpan.FromMinutes(minutes), zone ?? Utc), new ActivityCategories(admin, idle, notReady, ready), serviceLevelSeconds: 20, shortAbandonSeconds: 5);

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static ActivityChange Change(string agent, string at, string? activity, string id = "e") => new(agent, At(at), $"{id}-{at}", activity);

    [Fact]
    public void Ready_from_0910_to_0940_gives_5_15_and_10_minutes_to_three_intervals()
    {
        var (_, agents, final) = Calculator().Compute(At("2026-12-04T09:00:00Z"), At("2026-12-04T10:00:00Z"), new Dictionary<string, string?>(),
            [Change("ag-1", "2026-12-04T09:10:00Z", "Available"), Change("ag-1", "2026-12-04T09:40:00Z", null)], []);
        agents.Select(a => (a.Start.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), a.ReadySeconds))
            .ShouldBe([("09:00", 300L), ("09:15", 900L), ("09:30", 600L)]);
        final["ag-1"].ShouldBeNull("logged out at 09:40");
    }

    [Fact]
    public void Time_is_counted_by_list_and_an_activity_in_no_list_is_reported_by_its_name()
    {
        var (_, agents, _) = Calculator().Compute(At("2026-12-04T09:00:00Z"), At("2026-12-04T09:15:00Z"), new Dictionary<string, string?> { ["ag-1"] = "Available" },
            [Change("ag-1", "2026-12-04T09:02:00Z", "break"), Change("ag-1", "2026-12-04T09:05:00Z", "Admin"), Change("ag-1", "2026-12-04T09:06:30Z", "Coffee"),
             Change("ag-1", "2026-12-04T09:10:00Z", "On contact")], []);
        var a = agents.ShouldHaveSingleItem();
        (a.ReadySeconds, a.NotReadySeconds, a.AdminSeconds, a.IdleSeconds).ShouldBe((120L + 300L, 180L, 90L, 0L), "lists match ignoring case");
        a.Unclassified.ShouldBe(new Dictionary<string, long> { ["Coffee"] = 210 });
    }

    [Fact]
    public void The_state_at_the_start_carries_through_and_the_final_state_carries_over_to_the_next_range()
    {
        var calculator = Calculator();
        var (_, first, final) = calculator.Compute(At("2026-12-04T23:30:00Z"), At("2026-12-05T00:00:00Z"), new Dictionary<string, string?> { ["ag-1"] = "Lunch" }, [], []);
        first.Select(a => a.NotReadySeconds).ShouldBe([900L, 900L]);
        var (_, second, _) = calculator.Compute(At("2026-12-05T00:00:00Z"), At("2026-12-05T00:15:00Z"), final, [], []);
        second.ShouldHaveSingleItem().NotReadySeconds.ShouldBe(900, "across midnight");
    }

    [Fact]
    public void Changes_at_the_same_moment_end_the_same_in_any_order_the_greater_event_id_last()
    {
        var changes = new[] { new ActivityChange("ag-1", At("2026-12-04T09:05:00Z"), "b", "Break"), new ActivityChange("ag-1", At("2026-12-04T09:05:00Z"), "a", "Available") };
        foreach (var order in new[] { changes, changes.Reverse().ToArray() })
        {
            var (_, agents, _) = Calculator().Compute(At("2026-12-04T09:00:00Z"), At("2026-12-04T09:15:00Z"), new Dictionary<string, string?>(), order, []);
            agents.ShouldHaveSingleItem().NotReadySeconds.ShouldBe(600, "event b (Break) is applied last");
        }
    }

    [Fact]
    public void Logging_in_and_a_state_at_the_same_moment_leave_the_state_whatever_the_event_ids()
    {
        var (_, agents, _) = Calculator().Compute(At("2026-12-04T09:00:00Z"), At("2026-12-04T09:15:00Z"), new Dictionary<string, string?>(),
        [
            new ActivityChange("ag-1", At("2026-12-04T09:05:00Z"), "z-login", "Unavailable") { Rank = 0 },
            new ActivityChange("ag-1", At("2026-12-04T09:05:00Z"), "a-state", "Available") { Rank = 1 },
        ], []);
        agents.ShouldHaveSingleItem().ReadySeconds.ShouldBe(600, "logging in comes first at the same moment, though its id sorts last");
    }

    [Fact]
    public void Berlin_intervals_follow_its_wall_clock_across_the_spring_daylight_saving_change()
    {
        // 29 March 2026: at 02:00 CET the clocks go to 03:00 CEST; 00:45Z is 01:45 local, 01:00Z is 03:00 local.
        var clock = new IntervalClock(TimeSpan.FromMinutes(15), Berlin);
        var start = clock.StartOf(At("2026-03-29T00:50:00Z"));
        start.ShouldBe(At("2026-03-29T00:45:00Z"));
        clock.Local(start).ToString("HH:mmzzz", System.Globalization.CultureInfo.InvariantCulture).ShouldBe("01:45+01:00");
        clock.Local(clock.Next(start)).ToString("HH:mmzzz", System.Globalization.CultureInfo.InvariantCulture).ShouldBe("03:00+02:00");
        // Ready from 01:50 to 03:10 local is 20 minutes: 10 in the 01:45 interval and 10 in the 03:00 one; the skipped hour has none.
        var (_, agents, _) = Calculator(zone: Berlin).Compute(At("2026-03-29T00:45:00Z"), At("2026-03-29T01:15:00Z"), new Dictionary<string, string?>(),
            [Change("ag-1", "2026-03-29T00:50:00Z", "Available"), Change("ag-1", "2026-03-29T01:10:00Z", null)], []);
        agents.Select(a => (clock.Local(a.Start).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), a.ReadySeconds)).ShouldBe([("01:45", 600L), ("03:00", 600L)]);
    }

    [Fact]
    public void The_repeated_hour_of_the_autumn_change_has_its_own_intervals_and_an_interval_across_local_midnight_splits_the_day()
    {
        // 25 October 2026: at 03:00 CEST the clocks go back to 02:00 CET, so 02:00-03:00 local happens twice: 8 quarter hours.
        var clock = new IntervalClock(TimeSpan.FromMinutes(15), Berlin);
        var (_, agents, _) = Calculator(zone: Berlin).Compute(At("2026-10-25T00:00:00Z"), At("2026-10-25T02:00:00Z"), new Dictionary<string, string?> { ["ag-1"] = "Available" }, [], []);
        agents.Count.ShouldBe(8);
        agents.Select(a => clock.Local(a.Start).ToString("HH:mmzzz", System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(
            ["02:00+02:00", "02:15+02:00", "02:30+02:00", "02:45+02:00", "02:00+01:00", "02:15+01:00", "02:30+01:00", "02:45+01:00"]);
        agents.ShouldAllBe(a => a.ReadySeconds == 900);
        // Local midnight in Berlin in winter is 23:00Z: a state from 22:50Z to 23:05Z splits there.
        clock.StartOf(At("2026-12-04T23:05:00Z")).ShouldBe(At("2026-12-04T23:00:00Z"));
        clock.Local(At("2026-12-04T23:00:00Z")).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture).ShouldBe("2026-12-05 00:00");
    }

    [Fact]
    public void Half_hour_intervals_in_a_zone_45_minutes_off_the_hour_start_on_its_wall_clock()
    {
        var clock = new IntervalClock(TimeSpan.FromMinutes(30), TimeZoneInfo.FindSystemTimeZoneById("Asia/Kathmandu"));
        var start = clock.StartOf(At("2026-12-04T09:20:00Z"));
        clock.Local(start).ToString("HH:mmzzz", System.Globalization.CultureInfo.InvariantCulture).ShouldBe("15:00+05:45");
        start.ShouldBe(At("2026-12-04T09:15:00Z"));
        clock.Next(start).ShouldBe(At("2026-12-04T09:45:00Z"));
    }

    private static ContactFact Contact(string id, string offered, double? answerAfter, double? endAfter, bool abandoned = false, string queue = "support", string? agent = "ag-1",
        int hold = 0, int wrap = 0, int transfers = 0, string direction = "inbound") =>
        new(id, "voice", direction, queue, agent, At(offered), answerAfter is { } a ? At(offered).AddSeconds(a) : null, endAfter is { } e ? At(offered).AddSeconds(e) : null,
            abandoned, hold, wrap, transfers);

    [Fact]
    public void Queue_numbers_short_abandons_under_and_over_the_threshold_service_level_and_handle_time()
    {
        var contacts = new[]
        {
            Contact("c1", "2026-12-04T09:01:00Z", 10, 130, hold: 20, wrap: 30),        // answered in 10 s: within 20; talk 100, hold 20, wrap 30
            Contact("c2", "2026-12-04T09:02:00Z", 20, 80, wrap: 10, transfers: 1),     // answered in exactly 20 s: within
            Contact("c3", "2026-12-04T09:03:00Z", 45, null),                           // answered in 45 s, still talking: not handled yet
            Contact("c4", "2026-12-04T09:04:00Z", null, 4.9, abandoned: true, agent: null),  // short abandon (under 5 s)
            Contact("c5", "2026-12-04T09:05:00Z", null, 5, abandoned: true, agent: null),    // 5 s is not under the threshold: an abandon
            Contact("c6", "2026-12-04T09:06:00Z", null, 60, abandoned: true, agent: null),
            Contact("c7", "2026-12-04T09:07:00Z", 3, 33, queue: "billing", agent: "ag-2"),
            Contact("c8", "2026-12-04T09:08:00Z", 0, 100, direction: "outbound", queue: "support"), // outbound: the agent's, not the queue's
            Contact("c9", "2026-12-04T09:16:00Z", 5, 65),                              // the next interval
        };
        var (queues, agents, _) = Calculator().Compute(At("2026-12-04T09:00:00Z"), At("2026-12-04T09:30:00Z"), new Dictionary<string, string?>(), [], contacts);
        var support = queues.Single(q => q.Queue == "support" && q.Start == At("2026-12-04T09:00:00Z"));
        (support.Offered, support.Answered, support.AnsweredInThreshold, support.Abandoned, support.ShortAbandoned).ShouldBe((6L, 3L, 2L, 3L, 1L));
        support.Counted.ShouldBe(5, "3 answered + 3 abandoned - 1 short");
        support.ServiceLevelPercent.ShouldBe(40.0, "2 of 5");
        support.AbandonRatePercent.ShouldBe(40.0, "2 of 5: the short abandon counts in neither");
        support.AverageSpeedOfAnswerSeconds.ShouldBe(25.0, "(10 + 20 + 45) / 3");
        (support.Handled, support.TalkSeconds, support.HoldSeconds, support.WrapSeconds, support.Transfers).ShouldBe((2L, 100L + 60L, 20L, 40L, 1L));
        support.AverageHandleSeconds.ShouldBe(110.0, "(160 + 20 + 40) / 2");
        queues.Single(q => q.Queue == "billing").Offered.ShouldBe(1);
        queues.Single(q => q.Start == At("2026-12-04T09:15:00Z")).Offered.ShouldBe(1);
        var ada = agents.Single(a => a.AgentId == "ag-1" && a.Start == At("2026-12-04T09:00:00Z"));
        (ada.Handled, ada.TalkSeconds, ada.HoldSeconds, ada.WrapSeconds, ada.HandleSeconds).ShouldBe((3L, 100L + 60L + 100L, 20L, 40L, 320L), "c1, c2 and the outbound c8");
    }

    [Fact]
    public void An_interval_with_only_short_abandons_has_no_service_level_and_no_abandon_rate()
    {
        var (queues, _, _) = Calculator().Compute(At("2026-12-04T09:00:00Z"), At("2026-12-04T09:15:00Z"), new Dictionary<string, string?>(), [],
            [Contact("c1", "2026-12-04T09:01:00Z", null, 2, abandoned: true, agent: null)]);
        var q = queues.ShouldHaveSingleItem();
        (q.Offered, q.ShortAbandoned, q.ServiceLevelPercent, q.AbandonRatePercent, q.AverageSpeedOfAnswerSeconds).ShouldBe((1L, 1L, (double?)null, (double?)null, (double?)null));
    }
}
