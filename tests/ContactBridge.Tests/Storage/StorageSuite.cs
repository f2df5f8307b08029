using ContactBridge.Linking;
using ContactBridge.Security;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using ContactBridge.Tests.Support;
using Dapper;
using Microsoft.Extensions.Options;

namespace ContactBridge.Tests.Storage;

/// <summary>
/// The hub's storage behaviour, written once and run against each database: SQLite and
/// PostgreSQL (see the derived classes).
/// </summary>
public abstract class StorageSuite : IAsyncLifetime
{
    protected HubDatabase Db { get; private set; } = null!;
    protected ManualClock Clock { get; } = new();

    protected abstract Task<string> CreateDatabaseAsync();
    protected abstract Task DropDatabaseAsync();
    protected abstract DatabaseProvider Expected { get; }

    public async ValueTask InitializeAsync()
    {
        Db = new HubDatabase(await CreateDatabaseAsync(), Clock) { Instance = "instance-a" };
        await Db.MigrateAsync(Clock, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await DropDatabaseAsync();

    private TenantStore Tenants => new(Db, Clock);

    private ContactBridge.Interactions.InteractionStore InteractionsOf(ContactBridge.Intake.InboxStore inbox) =>
        new(Db, inbox, Clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<ContactBridge.Interactions.InteractionStore>.Instance);

    /// <summary>An event of an interaction, now, with the caller's number when given.</summary>
    protected ContactBridge.Intake.InteractionEvent E(string id, string type, string subject, string? phone = null) =>
        new(id, "/t", ContactBridge.Intake.InteractionEvent.TypePrefix + type, subject, Clock.GetUtcNow(),
            phone is null ? [] : new System.Text.Json.Nodes.JsonObject { ["caller"] = new System.Text.Json.Nodes.JsonObject { ["phone"] = phone } });
    private LinkStore Links => new(Db, Clock);
    private UserStore Users => new(Db, Clock, Options.Create(new HubOptions()));

    [Fact]
    public async Task Migrations_are_applied_in_order_recorded_and_not_applied_twice()
    {
        Db.Provider.ShouldBe(Expected);
        await using var c = await Db.OpenAsync(TestContext.Current.CancellationToken);
        var recorded = (await c.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
        recorded.ShouldBe(Db.Migrations().Select(m => m.Version).ToList());
        recorded.ShouldBe(recorded.Order().ToList());
        (await Db.MigrateAsync(Clock, TestContext.Current.CancellationToken)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Salesforce_requests_are_recorded_per_interaction_and_read_back_newest_last()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new ContactBridge.Interactions.SalesforceRequestLog(Db, Microsoft.Extensions.Logging.Abstractions.NullLogger<ContactBridge.Interactions.SalesforceRequestLog>.Instance);
        var at = Clock.GetUtcNow();
        // More rows than one statement carries: 3 interactions × 150 calls.
        var calls = Enumerable.Range(0, 150).Select(i => new ContactBridge.Salesforce.SalesforceCall(at.AddMilliseconds(i), "GET", $"/services/data/v62.0/query/{i}", "query",
            i == 149 ? "SERVER_UNAVAILABLE" : "ok", i == 149 ? 503 : 200, TimeSpan.FromMilliseconds(12))).ToList();
        await log.AddAsync("t-1", ["a", "b", "c"], ContactBridge.Interactions.SalesforceRequestLog.Identify, calls, ct);
        await log.AddAsync("t-2", ["a"], ContactBridge.Interactions.SalesforceRequestLog.Write, [calls[0]], ct);
        var a = await log.ForInteractionAsync("t-1", "a", ct);
        a.Count.ShouldBe(150);
        a[0].Path.ShouldBe("/services/data/v62.0/query/0");
        (a[^1].Outcome, a[^1].Status, a[^1].DurationMs, a[^1].BatchSize, a[^1].Step).ShouldBe(("SERVER_UNAVAILABLE", 503L, 12L, 3L, "identify"));
        (await log.ForInteractionAsync("t-2", "a", ct)).ShouldHaveSingleItem().Step.ShouldBe("write", "each tenant's own");
        (await log.ForInteractionAsync("t-1", "d", ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_storage_outage_ends_at_the_first_commit_and_one_that_comes_back_within_a_minute_is_the_same_incident()
    {
        var ct = TestContext.Current.CancellationToken;
        async Task CommitAsync()
        {
            await using var w = await Db.WriteAsync(durable: false, ct);
            await w.Connection.ExecuteAsync("UPDATE schema_migrations SET name = name WHERE version = 1", transaction: w.Transaction);
            await w.CommitAsync(ct);
        }
        async Task<List<(string Kind, long StartedAt, long EndedAt, long Affected, string Instance)>> IncidentsAsync()
        {
            await using var c = await Db.OpenAsync(ct);
            return (await c.QueryAsync<(string, long, long, long, string)>("SELECT kind, started_at, ended_at, affected, instance FROM incidents WHERE tenant_id IS NULL")).ToList();
        }
        var full = new Microsoft.Data.Sqlite.SqliteException("database or disk is full", 13);

        // A statement that fails is no storage problem; a full disk is.
        Db.Health.Observe(new InvalidOperationException("a bug")).ShouldBeFalse();
        Db.Health.Observe(new Npgsql.PostgresException("syntax error", "ERROR", "ERROR", "42601")).ShouldBeFalse();
        Db.Health.Observe(full).ShouldBeTrue();
        var started = Clock.GetUtcNow();
        Db.Health.Refused();
        Db.Health.Refused();
        Db.Health.Current.ShouldNotBeNull().Problem.ShouldBe(StorageProblem.Full);

        Clock.Advance(TimeSpan.FromSeconds(20));
        await CommitAsync();
        Db.Health.Current.ShouldBeNull();
        (await IncidentsAsync()).ShouldHaveSingleItem().ShouldBe((IncidentKinds.StorageFull, started.ToUnixTimeMilliseconds(), started.AddSeconds(20).ToUnixTimeMilliseconds(), 2L, "instance-a"));

        // Full again 30 s later: the same outage, from the same start, recorded on the same row.
        Clock.Advance(TimeSpan.FromSeconds(30));
        Db.Health.Observe(full).ShouldBeTrue();
        Db.Health.Current!.Since.ShouldBe(started);
        Db.Health.Refused();
        Clock.Advance(TimeSpan.FromSeconds(10));
        await CommitAsync();
        (await IncidentsAsync()).ShouldHaveSingleItem().ShouldBe((IncidentKinds.StorageFull, started.ToUnixTimeMilliseconds(), started.AddSeconds(60).ToUnixTimeMilliseconds(), 3L, "instance-a"));

        // Two minutes later it is another incident.
        Clock.Advance(TimeSpan.FromMinutes(2));
        Db.Health.Observe(full).ShouldBeTrue();
        await CommitAsync();
        (await IncidentsAsync()).Count.ShouldBe(2);
    }

    [Fact]
    public async Task New_events_are_seen_by_the_fold_as_soon_as_committed_and_answered_only_once_safe_on_disk()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await Tenants.CreateAsync("Prompt Co", ct);
        await using var inbox = new ContactBridge.Intake.InboxStore(Db, Clock);
        var answered = false;
        var seen = new List<(long Visible, bool AnsweredYet, string? Thread)>();
        // Raised where the fold is woken: the events must already be there for a reader, and their request not answered yet.
        inbox.InteractionEventsStored += () =>
        {
            using var c = Db.Open();
            seen.Add((c.ExecuteScalar<long>("SELECT COUNT(*) FROM inbox_events WHERE event_id IN ('prompt-1', 'prompt-2')"), Volatile.Read(ref answered),
                Thread.CurrentThread.Name));
        };
        var append = inbox.AppendAsync(tenant.Id, [E("prompt-1", "started", "call-prompt", "+14155550100"), E("prompt-2", "agent_assigned", "call-prompt")], ct);
        _ = append.ContinueWith(_ => Volatile.Write(ref answered, true), ct, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        (await append).ShouldBe(2);
        seen.ShouldHaveSingleItem().ShouldBe((2L, false, "contactbridge-inbox-writer"));
        Db.CanFlushLogAfterCommit.ShouldBe(Expected == DatabaseProvider.Sqlite, "SQLite in a file flushes its log after the commit; PostgreSQL commits durably");
        Db.FlushLog(); // Nothing left to flush: harmless.

        // No interaction events: nothing for the fold, so nobody is woken.
        await inbox.AppendAsync(tenant.Id, [], ct);
        seen.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_caller_index_is_stored_in_parts_each_written_apart_and_read_only_whole()
    {
        var ct = TestContext.Current.CancellationToken;
        var snapshots = new ContactBridge.Identification.CallerIndexSnapshots(Db);
        var rules = new ContactBridge.Identification.IdentificationRules { Objects = [new("Contact", ["Phone"], ["Email"])], CallerIndex = true };
        var index = new ContactBridge.Identification.CallerIndex(rules);
        // Random e-mail addresses compress poorly: the snapshot takes several parts.
        for (var i = 0; i < 12_000; i++)
        {
            var email = $"{Guid.NewGuid():N}@customers.example";
            index.Put(rules.Objects[0], $"003{i:D15}", $"Contact {i}", "2026-12-01T10:00:00.000+0000",
                f => f switch { "Phone" => $"+1 415 {200 + i / 10_000:D3} {i % 10_000:D4}", "Email" => email, _ => null });
        }
        index.Records.ShouldBe(12_000);
        var replay = new Dictionary<string, byte[]> { ["/data/ContactChangeEvent"] = [1, 2, 3] };
        var takenAt = Clock.GetUtcNow();
        var bytes = await snapshots.SaveAsync("t-parts", "rules-1", "00D000000000001", "https://org.example", index, replay, takenAt, ct);
        bytes.ShouldBeGreaterThan(3 * ContactBridge.Identification.CallerIndexSnapshots.PartBytes, "several parts");
        async Task<long> PartsAsync()
        {
            await using var c = await Db.OpenAsync(ct);
            return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM caller_index_snapshot_parts WHERE tenant_id = 't-parts'");
        }
        var parts = await PartsAsync();
        parts.ShouldBe((bytes + ContactBridge.Identification.CallerIndexSnapshots.PartBytes - 1) / ContactBridge.Identification.CallerIndexSnapshots.PartBytes);

        var loaded = (await snapshots.LoadAsync("t-parts", "rules-1", "00D000000000001", rules, takenAt, TimeSpan.FromHours(70), ct)).ShouldNotBeNull();
        loaded.Index.Records.ShouldBe(12_000);
        loaded.Index.ApproximateBytes.ShouldBe(index.ApproximateBytes);
        loaded.ReplayIds["/data/ContactChangeEvent"].ShouldBe([1, 2, 3]);

        // A newer snapshot replaces it, and the older one's parts go; one older than what is stored is not kept, nor are its parts.
        index.Remove("003000000000000000");
        var newer = await snapshots.SaveAsync("t-parts", "rules-1", "00D000000000001", "https://org.example", index, replay, takenAt.AddMinutes(5), ct);
        parts = (newer + ContactBridge.Identification.CallerIndexSnapshots.PartBytes - 1) / ContactBridge.Identification.CallerIndexSnapshots.PartBytes;
        (await PartsAsync()).ShouldBe(parts, "only the newer snapshot's parts");
        await snapshots.SaveAsync("t-parts", "rules-1", "00D000000000001", "https://org.example", new ContactBridge.Identification.CallerIndex(rules), replay, takenAt, ct);
        (await PartsAsync()).ShouldBe(parts);
        (await snapshots.LoadAsync("t-parts", "rules-1", "00D000000000001", rules, takenAt.AddMinutes(5), TimeSpan.FromHours(70), ct))!.Index.Records.ShouldBe(11_999);

        // Stored whole in its row, as before snapshots came in parts (or by such a version sharing the database, its row still naming the
        // parts of an older snapshot): the row's data is what is read.
        var whole = new ContactBridge.Identification.CallerIndex(rules);
        whole.Put(rules.Objects[0], "003000000000000042", "Whole", "2026-12-01T10:00:00.000+0000", f => f == "Phone" ? "+1 415 555 0142" : null);
        using (var buffer = new MemoryStream())
        {
            using (var zip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) whole.WriteTo(zip);
            await using var w = await Db.WriteAsync(durable: false, ct);
            await w.Connection.ExecuteAsync("UPDATE caller_index_snapshots SET data = @data WHERE tenant_id = 't-parts'", new { data = buffer.ToArray() }, w.Transaction);
            await w.CommitAsync(ct);
        }
        (await snapshots.LoadAsync("t-parts", "rules-1", "00D000000000001", rules, takenAt.AddMinutes(5), TimeSpan.FromHours(70), ct))!.Index.Records.ShouldBe(1);
        await using (var w = await Db.WriteAsync(durable: false, ct))
        {
            await w.Connection.ExecuteAsync("UPDATE caller_index_snapshots SET data = @empty WHERE tenant_id = 't-parts'", new { empty = Array.Empty<byte>() }, w.Transaction);
            await w.CommitAsync(ct);
        }

        // A part missing (an instance that stopped half way, a hand's delete): the snapshot is not read, the index is loaded afresh.
        await using (var w = await Db.WriteAsync(durable: false, ct))
        {
            await w.Connection.ExecuteAsync("DELETE FROM caller_index_snapshot_parts WHERE tenant_id = 't-parts' AND part = 1", transaction: w.Transaction);
            await w.CommitAsync(ct);
        }
        (await snapshots.LoadAsync("t-parts", "rules-1", "00D000000000001", rules, takenAt.AddMinutes(5), TimeSpan.FromHours(70), ct)).ShouldBeNull();

        // A tenant that no longer keeps an index: its snapshot and every part go.
        await snapshots.KeepOnlyAsync([], ct);
        (await PartsAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Events_that_cannot_be_folded_are_set_aside_per_tenant_and_can_be_replayed_or_discarded()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await Tenants.CreateAsync("Poisoned Co", ct);
        var other = await Tenants.CreateAsync("Other Co", ct);
        await using var inbox = new ContactBridge.Intake.InboxStore(Db, Clock);
        var interactions = InteractionsOf(inbox);
        await inbox.AppendAsync(tenant.Id, [E("ok-1", "started", "call-1"), E("bad-1", "note_added", "call-1"), E("ok-2", "ended", "call-1")], ct);
        await inbox.AppendAsync(other.Id, [E("ok-3", "started", "call-2")], ct);
        await using (var c = await Db.OpenAsync(ct))
            await c.ExecuteAsync("UPDATE inbox_events SET data = '{\"note\":[1]}' WHERE event_id = 'bad-1'");

        (await interactions.FoldAsync(100, ct)).ShouldBe(3, "two interactions folded, one event set aside");
        var setAside = (await inbox.QuarantinedAsync(tenant.Id, 10, ct)).ShouldHaveSingleItem();
        setAside.EventId.ShouldBe("bad-1");
        (await inbox.QuarantinedAsync(other.Id, 10, ct)).ShouldBeEmpty();
        (await interactions.GetAsync(tenant.Id, "call-1", ct))!.Parsed.Ended.ShouldBeTrue("the rest of the interaction is folded");
        (await interactions.TenantsWithWorkAsync(ct)).ShouldBe([tenant.Id, other.Id], ignoreOrder: true);

        (await inbox.ReplayQuarantinedAsync(other.Id, setAside.Seq, ct)).ShouldBeFalse();
        (await inbox.ReplayQuarantinedAsync(tenant.Id, setAside.Seq, ct)).ShouldBeTrue();
        (await inbox.UnfoldedAsync(10, ct)).ShouldHaveSingleItem().EventId.ShouldBe("bad-1");
        await interactions.FoldAsync(100, ct);
        (await inbox.DiscardQuarantinedAsync(tenant.Id, setAside.Seq, ct)).ShouldBeTrue();
        (await inbox.QuarantinedAsync(tenant.Id, 10, ct)).ShouldBeEmpty();
        (await inbox.UnfoldedAsync(10, ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task One_request_the_database_refuses_never_fails_the_others_committed_with_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await Tenants.CreateAsync("Grouped Co", ct);
        await using var inbox = new ContactBridge.Intake.InboxStore(Db, Clock);
        ContactBridge.Intake.InteractionEvent E(string id) => new(id, "/t", ContactBridge.Intake.InteractionEvent.TypePrefix + "started", "call-1", Clock.GetUtcNow(), []);
        // PostgreSQL refuses a NUL in text (the intake refuses it first; this is the store's own guard). SQLite stores it.
        var appends = Enumerable.Range(0, 20).Select(i => inbox.AppendAsync(tenant.Id, [E(i == 7 ? "bad\0id" : $"ok-{i}")], ct)).ToList();
        var outcomes = await Task.WhenAll(appends.Select(async a =>
        {
            try
            {
                return await a;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or ArgumentException)
            {
                return -1;
            }
        }));
        outcomes.Where((_, i) => i != 7).ShouldAllBe(n => n == 1);
        outcomes[7].ShouldBe(Expected == DatabaseProvider.PostgreSql ? -1 : 1);
        (await inbox.CountAsync(tenant.Id, ct)).ShouldBe(Expected == DatabaseProvider.PostgreSql ? 19 : 20);
    }

    [Fact]
    public async Task An_outage_keeps_its_start_counts_failures_and_on_recovery_brings_waiting_writes_forward()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await Tenants.CreateAsync("Down Co", ct);
        var options = Options.Create(new ContactBridge.Outbox.LoggingOptions());
        var outages = new ContactBridge.Outbox.SalesforceOutages(Db, options, Clock);
        var outbox = new ContactBridge.Outbox.OutboxStore(Db, Clock);
        var started = Clock.GetUtcNow();
        await outages.FailedAsync(tenant.Id, "UNREACHABLE: connection refused", ct);
        Clock.Advance(TimeSpan.FromMinutes(3));
        await outages.FailedAsync(tenant.Id, "TIMEOUT: no answer", ct);
        var outage = (await outages.ActiveAsync(ct))[tenant.Id];
        outage.Since.ShouldBe(started.ToUnixTimeMilliseconds());
        outage.Failures.ShouldBe(2);
        outage.LastError.ShouldBe("TIMEOUT: no answer");
        outage.RetryAt.ShouldBeGreaterThan(Clock.GetUtcNow().ToUnixTimeMilliseconds());

        await InsertEndedInteractionAsync(tenant.Id, "call-1", ct);
        await outbox.AddAsync([new ContactBridge.Outbox.OutboxStore.NewRow(tenant.Id, "call-1", "{}", 1)], ct);
        var claimed = (await outbox.ClaimAsync("me", tenant.Id, 10, TimeSpan.FromMinutes(1), ct)).ShouldHaveSingleItem();
        var failingSince = Clock.GetUtcNow();
        await outbox.ApplyAsync([new ContactBridge.Outbox.OutboxStore.Outcome(claimed, ContactBridge.Outbox.OutboxState.Pending, "TIMEOUT", "no answer",
            Clock.GetUtcNow().AddMinutes(5), true, FailingSince: failingSince)], (_, _, _, _, _) => Task.CompletedTask, ct);
        Clock.Advance(TimeSpan.FromMinutes(1));
        (await outbox.ClaimAsync("me", tenant.Id, 10, TimeSpan.FromMinutes(1), ct)).ShouldBeEmpty("not due yet");

        await outages.RecoveredAsync(tenant.Id, ct);
        (await outages.ActiveAsync(ct)).ShouldBeEmpty();
        var again = (await outbox.ClaimAsync("me", tenant.Id, 10, TimeSpan.FromMinutes(1), ct)).ShouldHaveSingleItem("brought forward by the recovery");
        again.FailingSince.ShouldBe(failingSince.ToUnixTimeMilliseconds());
        again.Attempts.ShouldBe(1);

        // A round cut short (sent, but the outcome never recorded): the row comes back to its sender as an attempt of
        // unknown outcome, so the next send checks which records exist instead of sending it as new.
        var held = (await outbox.ClaimAsync("me", tenant.Id, 10, TimeSpan.FromMinutes(1), ct)).ShouldHaveSingleItem("still held by the round that was cut short");
        held.Id.ShouldBe(again.Id);
        held.Attempts.ShouldBe(2);
        (await outbox.ClaimAsync("someone else", tenant.Id, 10, TimeSpan.FromMinutes(1), ct)).ShouldBeEmpty("another sender does not take a held row before its lease ends");
    }

    private async Task InsertEndedInteractionAsync(string tenantId, string interactionId, CancellationToken ct, long version = 1)
    {
        await using var c = await Db.OpenAsync(ct);
        await c.ExecuteAsync("""
            INSERT INTO interactions (tenant_id, interaction_id, state, state_version, ended, identification, created_at, updated_at)
            VALUES (@tenantId, @interactionId, '{}', @version, 1, '{}', 0, 0)
            """, new { tenantId, interactionId, version });
    }

    [Fact]
    public async Task A_plan_for_a_version_already_planned_by_another_instance_is_dropped()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await Tenants.CreateAsync("Twice Co", ct);
        var outbox = new ContactBridge.Outbox.OutboxStore(Db, Clock);
        await InsertEndedInteractionAsync(tenant.Id, "call-1", ct, version: 2);
        // Two instances planned the same version at once, and a stale one planned an older version.
        await outbox.AddAsync([new ContactBridge.Outbox.OutboxStore.NewRow(tenant.Id, "call-1", "{}", 2)], ct);
        await outbox.AddAsync([new ContactBridge.Outbox.OutboxStore.NewRow(tenant.Id, "call-1", "{}", 2)], ct);
        await outbox.AddAsync([new ContactBridge.Outbox.OutboxStore.NewRow(tenant.Id, "call-1", "{}", 1)], ct);
        await using var c = await Db.OpenAsync(ct);
        (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE tenant_id = @t", new { t = tenant.Id })).ShouldBe(1);
        (await c.ExecuteScalarAsync<long>("SELECT planned_version FROM interactions WHERE tenant_id = @t", new { t = tenant.Id })).ShouldBe(2);
    }

    [Fact]
    public async Task A_lease_is_held_by_one_instance_until_released_or_expired_and_then_taken_over()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = Microsoft.Extensions.Logging.Abstractions.NullLogger<WorkLeases>.Instance;
        var a = new WorkLeases(Db, new HubInstance(), Clock, log);
        var b = new WorkLeases(Db, new HubInstance(), Clock, log);
        (await a.TryAcquireAsync("pipeline:t1", TimeSpan.FromSeconds(30), ct)).ShouldBeTrue();
        (await b.TryAcquireAsync("pipeline:t1", TimeSpan.FromSeconds(30), ct)).ShouldBeFalse("a holds it");
        (await b.TryAcquireAsync("pipeline:t2", TimeSpan.FromSeconds(30), ct)).ShouldBeTrue("another name is free");
        Clock.Advance(TimeSpan.FromSeconds(20));
        (await a.TryAcquireAsync("pipeline:t1", TimeSpan.FromSeconds(30), ct)).ShouldBeTrue("its holder renews it");
        Clock.Advance(TimeSpan.FromSeconds(20));
        (await b.TryAcquireAsync("pipeline:t1", TimeSpan.FromSeconds(30), ct)).ShouldBeFalse("renewed, so not expired");
        (await a.LiveAsync(ct)).Select(l => (l.Name, l.Owner)).ShouldBe([("pipeline:t1", a.Owner)], "t2 was not renewed and has expired");

        // a dies: it stops renewing, and once the lease has expired b takes the work over.
        Clock.Advance(TimeSpan.FromSeconds(31));
        (await b.IsHeldAsync("pipeline:t1", ct)).ShouldBeFalse();
        (await b.TryAcquireAsync("pipeline:t1", TimeSpan.FromSeconds(30), ct)).ShouldBeTrue();
        (await a.TryAcquireAsync("pipeline:t1", TimeSpan.FromSeconds(30), ct)).ShouldBeFalse("b holds it now");
        await a.ReleaseAsync("pipeline:t1", ct);
        (await a.TryAcquireAsync("pipeline:t1", TimeSpan.FromSeconds(30), ct)).ShouldBeFalse("only its holder can release a lease");
        await b.ReleaseAsync("pipeline:t1", ct);
        (await a.TryAcquireAsync("pipeline:t1", TimeSpan.FromSeconds(30), ct)).ShouldBeTrue("released");

        await using (var held = await b.HoldAsync("worker", TimeSpan.FromSeconds(30), ct))
        {
            held.ShouldNotBeNull();
            (await a.HoldAsync("worker", TimeSpan.FromSeconds(30), ct)).ShouldBeNull();
        }
        (await a.IsHeldAsync("worker", ct)).ShouldBeFalse("released when disposed");
    }

    [Fact]
    public async Task A_named_lock_lets_one_holder_in_at_a_time_and_the_next_in_when_it_ends()
    {
        var ct = TestContext.Current.CancellationToken;
        // Two hub instances: PostgreSQL locks across connections; SQLite (one instance) in the process.
        var other = Expected == DatabaseProvider.PostgreSql ? new HubDatabase(Db.ConnectionString) : Db;
        var first = await Db.LockAsync("contactbridge:refresh:t1", ct);
        var second = other.LockAsync("contactbridge:refresh:t1", ct);
        await using (await other.LockAsync("contactbridge:refresh:t2", ct))
        {
            // Another name does not wait.
        }
        second.IsCompleted.ShouldBeFalse("the first holder still has it");
        await first.DisposeAsync();
        await using var got = await second.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    [Fact]
    public async Task A_fold_stores_the_answers_it_is_given_with_the_interaction_and_never_replaces_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await Tenants.CreateAsync("Indexed Co", ct);
        var other = await Tenants.CreateAsync("Searched Co", ct);
        await using var inbox = new ContactBridge.Intake.InboxStore(Db, Clock);
        var interactions = InteractionsOf(inbox);
        var asked = new List<string>();
        var answers = 0;
        var prefix = "+1415";
        // Answers the tenant's callers on +1 415 numbers (as an index would), nobody else; other tenants have nothing that answers.
        ContactBridge.Interactions.FoldIdentifier identifier = (tenantId, _) =>
        {
            asked.Add(tenantId);
            return ValueTask.FromResult<Func<ContactBridge.Interactions.InteractionState, ContactBridge.Identification.IdentificationResult?>?>(tenantId != tenant.Id ? null : state =>
                state.Caller?.Phone?.StartsWith(prefix, StringComparison.Ordinal) == true
                    ? new ContactBridge.Identification.IdentificationResult(ContactBridge.Identification.IdentificationResult.None, [], null, "phone", Clock.GetUtcNow(), $"answer {++answers}")
                    : null);
        };
        await inbox.AppendAsync(tenant.Id, [E("e-1", "started", "call-1", "+14155550100"), E("e-2", "started", "call-2", "+442079460000")], ct);
        await inbox.AppendAsync(other.Id, [E("e-3", "started", "call-3", "+14155550100")], ct);
        (await interactions.FoldAsync(100, identifier, ct)).ShouldBe(3);
        asked.ShouldBe([tenant.Id, other.Id], ignoreOrder: true);

        var first = (await interactions.GetAsync(tenant.Id, "call-1", ct))!;
        first.ParsedIdentification.ShouldNotBeNull().Reason.ShouldBe("answer 1", "answered in the fold that stored the interaction");
        first.IdentifiedVersion.ShouldBe(first.StateVersion);
        (await interactions.GetAsync(tenant.Id, "call-2", ct))!.Identification.ShouldBeNull("not answered: the lane's search answers it");
        (await interactions.GetAsync(other.Id, "call-3", ct))!.Identification.ShouldBeNull();
        (await interactions.NeedingIdentificationAsync(tenant.Id, 10, ct)).Select(r => r.InteractionId).ShouldBe(["call-2"]);

        // A later event of each, when every caller can be answered: the one answered keeps its answer; the other is answered now,
        // with its new version.
        prefix = "+";
        await inbox.AppendAsync(tenant.Id, [E("e-4", "ended", "call-1"), E("e-5", "ended", "call-2")], ct);
        (await interactions.FoldAsync(100, identifier, ct)).ShouldBe(2);
        var again = (await interactions.GetAsync(tenant.Id, "call-1", ct))!;
        (again.StateVersion, again.ParsedIdentification!.Reason, again.IdentifiedVersion).ShouldBe((2L, "answer 1", 1L), "an answer is never replaced by a later fold");
        var second = (await interactions.GetAsync(tenant.Id, "call-2", ct))!;
        (second.ParsedIdentification?.Reason, second.IdentifiedVersion).ShouldBe(("answer 2", second.StateVersion));
        answers.ShouldBe(2, "an interaction answered before is not asked about again");
    }

    [Fact]
    public async Task Folds_running_at_once_in_two_instances_lose_no_event()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await Tenants.CreateAsync("Busy Co", ct);
        var log = Microsoft.Extensions.Logging.Abstractions.NullLogger<ContactBridge.Interactions.InteractionStore>.Instance;
        await using var inboxA = new ContactBridge.Intake.InboxStore(Db, Clock);
        var dbB = Expected == DatabaseProvider.PostgreSql ? new HubDatabase(Db.ConnectionString) : Db;
        await using var inboxB = new ContactBridge.Intake.InboxStore(dbB, Clock);
        var a = new ContactBridge.Interactions.InteractionStore(Db, inboxA, Clock, log);
        var b = new ContactBridge.Interactions.InteractionStore(dbB, inboxB, Clock, log);
        ContactBridge.Intake.InteractionEvent Note(int i) =>
            new($"n-{i}", "/t", ContactBridge.Intake.InteractionEvent.TypePrefix + "note_added", "call-1", Clock.GetUtcNow().AddSeconds(i),
                new System.Text.Json.Nodes.JsonObject { ["note"] = new System.Text.Json.Nodes.JsonObject { ["text"] = $"note {i}" } });
        // Events keep arriving while both instances fold small batches at once.
        var arriving = Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++) await (i % 2 == 0 ? inboxA : inboxB).AppendAsync(tenant.Id, [Note(i)], ct);
        }, ct);
        async Task FoldUntil(ContactBridge.Interactions.InteractionStore store)
        {
            while (!arriving.IsCompleted) await store.FoldAsync(3, ct);
        }
        await Task.WhenAll(FoldUntil(a), FoldUntil(b), arriving);
        while (await a.FoldAsync(100, ct) > 0)
        {
        }
        var state = (await a.GetAsync(tenant.Id, "call-1", ct))!.Parsed;
        state.Notes.Count.ShouldBe(40, "every note is in the interaction");
    }

    [Fact]
    public async Task Routing_map_imports_settings_and_seen_users_round_trip()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new ContactBridge.RoutingMaps.RoutingMapStore(Db, Clock);
        var tenant = await Tenants.CreateAsync("Mapped Co", ct);
        var request = new ContactBridge.RoutingMaps.RoutingMapRequest("04vE00000000001", ContactBridge.RoutingMaps.MatchBy.Alias, ContactBridge.RoutingMaps.ExistingMapPolicy.Update, DryRun: true);
        var running = await store.CreateAsync(tenant.Id, "csv", request, "cli:someone", ct);
        var portal = await store.CreateAsync(tenant.Id, "csv", request, "user:admin@x.example", ct);
        running.ShouldSatisfyAllConditions(i => i.State.ShouldBe("running"), i => i.MatchBy.ShouldBe("Alias"), i => i.DryRun.ShouldBeTrue());
        await store.ProgressAsync(running.Id, "writing", 3, 10, ct);
        (await store.GetAsync(tenant.Id, running.Id, ct))!.ShouldSatisfyAllConditions(i => i.ProgressDone.ShouldBe(3), i => i.ProgressStage.ShouldBe("writing"));
        var rows = new[] { new ContactBridge.RoutingMaps.RowOutcome(1, "tel-1", "ag1", "agent1@x.example", "005E00000000001IAA", "User_x", "created", "0hnE00000000001IAA", null) };
        await store.FinishAsync(running.Id, "done", "sObject collections", new ContactBridge.RoutingMaps.ImportSummary(1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2), new ContactBridge.RoutingMaps.ImportReport(rows, ["a@x.example"], []), null, 4, ct);
        var done = (await store.GetAsync(tenant.Id, running.Id, ct))!;
        done.ShouldSatisfyAllConditions(i => i.State.ShouldBe("done"), i => i.Summary!.Created.ShouldBe(1), i => i.ApiCalls.ShouldBe(4), i => i.FinishedAt.ShouldNotBeNull());
        (await store.ReportAsync(tenant.Id, running.Id, ct))!.Rows.ShouldBe(rows);
        (await store.GetAsync("another-tenant", running.Id, ct)).ShouldBeNull();
        // An import whose instance (hub or command line) died: its lease lapses, and it is marked interrupted, unless it has just started.
        var leases = new WorkLeases(Db, new HubInstance(), Clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<WorkLeases>.Instance);
        var alive = await store.CreateAsync(tenant.Id, "csv", request, "user:admin@x.example", ct);
        (await store.MarkInterruptedAsync(ct)).ShouldBe(0, "just started: its lease may not be taken yet");
        Clock.Advance(ContactBridge.RoutingMaps.RoutingMapStore.ImportLease + TimeSpan.FromSeconds(1));
        (await leases.TryAcquireAsync(ContactBridge.RoutingMaps.RoutingMapImporter.LeaseName(alive.Id), TimeSpan.FromMinutes(1), ct)).ShouldBeTrue();
        (await store.MarkInterruptedAsync(ct)).ShouldBe(1);
        (await store.GetAsync(tenant.Id, portal.Id, ct))!.State.ShouldBe("interrupted");
        (await store.GetAsync(tenant.Id, alive.Id, ct))!.State.ShouldBe("running", "its instance holds its lease");
        (await store.ListAsync(tenant.Id, 10, ct)).Count.ShouldBe(3);

        (await store.GetSettingsAsync(tenant.Id, ct)).ShouldBe(new ContactBridge.RoutingMaps.RoutingMapSettings(false, null, ContactBridge.RoutingMaps.MatchBy.Email));
        await using (var w = await Db.WriteAsync(ct: ct))
        {
            await ContactBridge.RoutingMaps.RoutingMapStore.RecordSeenAsync(w.Connection, w.Transaction, tenant.Id, [new("tel-1", "one@x.example", null), new("tel-2", null, "Two")], 1);
            await ContactBridge.RoutingMaps.RoutingMapStore.RecordSeenAsync(w.Connection, w.Transaction, tenant.Id, [new("tel-1", null, "One")], 2);
            await w.CommitAsync(ct);
        }
        (await store.SeenUsersAsync(tenant.Id, ct)).Select(u => (u.ExternalId, u.Email, u.Name, u.FirstSeenAt, u.LastSeenAt))
            .ShouldBe([("tel-1", "one@x.example", "One", 1L, 2L), ("tel-2", null, "Two", 1L, 1L)]);
        (await store.TenantsToKeepMappedAsync(0, ct)).ShouldBeEmpty();
        await store.SaveSettingsAsync(tenant.Id, new ContactBridge.RoutingMaps.RoutingMapSettings(true, "04vE00000000001IAA", ContactBridge.RoutingMaps.MatchBy.Username), ct);
        (await store.GetSettingsAsync(tenant.Id, ct)).ShouldBe(new ContactBridge.RoutingMaps.RoutingMapSettings(true, "04vE00000000001IAA", ContactBridge.RoutingMaps.MatchBy.Username));
        (await store.TenantsToKeepMappedAsync(0, ct)).ShouldBe([tenant.Id]);
        await store.MarkCheckedAsync(tenant.Id, [("tel-1", "created"), ("tel-2", "unmatched")], ct);
        (await store.UsersToMapAsync(tenant.Id, Clock.GetUtcNow().ToUnixTimeMilliseconds(), 10, ct)).ShouldBeEmpty();
        Clock.Advance(TimeSpan.FromSeconds(1));
        (await store.UsersToMapAsync(tenant.Id, Clock.GetUtcNow().ToUnixTimeMilliseconds(), 10, ct)).Single().ExternalId.ShouldBe("tel-2");
    }

    [Fact]
    public async Task Tenants_get_unique_slugs()
    {
        var a = await Tenants.CreateAsync("Acme Support", TestContext.Current.CancellationToken);
        var b = await Tenants.CreateAsync("ACME support!", TestContext.Current.CancellationToken);
        a.Slug.ShouldBe("acme-support");
        b.Slug.ShouldBe("acme-support-2");
        (await Tenants.GetAsync("acme-support-2", TestContext.Current.CancellationToken))!.Id.ShouldBe(b.Id);
        (await Tenants.ListAsync(TestContext.Current.CancellationToken)).Count.ShouldBe(2);
        await Should.ThrowAsync<ArgumentException>(() => Tenants.CreateAsync("   ", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Users_are_stored_hashed_and_locked_out_after_repeated_failures()
    {
        var tenant = await Tenants.CreateAsync("Acme", TestContext.Current.CancellationToken);
        await Users.CreateAsync("Admin@Acme.example", "a long enough password", Roles.TenantAdmin, tenant.Id, TestContext.Current.CancellationToken);
        await Should.ThrowAsync<ArgumentException>(() => Users.CreateAsync("admin@acme.example", "another long password", Roles.SystemAdmin, null, TestContext.Current.CancellationToken));
        await Should.ThrowAsync<ArgumentException>(() => Users.CreateAsync("short@acme.example", "short", Roles.SystemAdmin, null, TestContext.Current.CancellationToken));
        var stored = (await Users.FindAsync("admin@acme.example", TestContext.Current.CancellationToken))!;
        stored.PasswordHash.ShouldNotContain("a long enough password");
        stored.TenantId.ShouldBe(tenant.Id);

        for (var i = 0; i < 4; i++) (await Users.SignInAsync("admin@acme.example", "nope", TestContext.Current.CancellationToken)).Outcome.ShouldBe(SignInOutcome.Failed);
        (await Users.SignInAsync("admin@acme.example", "nope", TestContext.Current.CancellationToken)).Outcome.ShouldBe(SignInOutcome.LockedOut);
        (await Users.SignInAsync("admin@acme.example", "a long enough password", TestContext.Current.CancellationToken)).Outcome.ShouldBe(SignInOutcome.LockedOut);
        Clock.Advance(TimeSpan.FromMinutes(16));
        (await Users.SignInAsync("ADMIN@acme.example", "a long enough password", TestContext.Current.CancellationToken)).Outcome.ShouldBe(SignInOutcome.Succeeded);
    }

    [Fact]
    public async Task Links_round_trip_and_status_changes_only_from_the_expected_states()
    {
        var tenant = await Tenants.CreateAsync("Acme", TestContext.Current.CancellationToken);
        var protector = new SecretProtector(new byte[32]);
        var link = new SalesforceLink
        {
            TenantId = tenant.Id, Status = LinkStatus.Linked, StatusChangedAt = 1, LoginUrl = "https://login.salesforce.com", ApiVersion = "62.0",
            OrgId = "00D000000000001AAA", UserId = "005000000000001AAA", Username = "api@acme.example", Flow = LinkFlow.WebServer,
            RefreshTokenEnc = protector.Protect("refresh", "refresh_token:" + tenant.Id), LinkedAt = 5,
        };
        await Links.SaveAsync(link, TestContext.Current.CancellationToken);
        (await Links.GetAsync(tenant.Id, TestContext.Current.CancellationToken)).ShouldBe(link);
        (await Links.SetStatusAsync(tenant.Id, LinkStatus.NeedsRelink, "revoked", [LinkStatus.Linked], TestContext.Current.CancellationToken)).ShouldBeTrue();
        (await Links.SetStatusAsync(tenant.Id, LinkStatus.NeedsRelink, "again", [LinkStatus.Linked], TestContext.Current.CancellationToken)).ShouldBeFalse();
        var changed = (await Links.GetAsync(tenant.Id, TestContext.Current.CancellationToken))!;
        changed.Status.ShouldBe(LinkStatus.NeedsRelink);
        changed.StatusReason.ShouldBe("revoked");
        await Links.SaveAsync(changed with { Status = LinkStatus.Linked, ApiVersion = "61.0" }, TestContext.Current.CancellationToken);
        (await Links.GetAsync(tenant.Id, TestContext.Current.CancellationToken))!.ApiVersion.ShouldBe("61.0");
        (await Links.TenantsWithUsableLinksAsync(TestContext.Current.CancellationToken)).ShouldBe([tenant.Id]);
        (await Links.CountOtherTenantsLinkedByAsync(link.OrgId!, link.UserId!, "other", TestContext.Current.CancellationToken)).ShouldBe(1);
        (await Links.CountOtherTenantsLinkedByAsync(link.OrgId!, link.UserId!, tenant.Id, TestContext.Current.CancellationToken)).ShouldBe(0);
    }

    [Fact]
    public async Task An_oauth_attempt_can_be_taken_once()
    {
        var tenant = await Tenants.CreateAsync("Acme", TestContext.Current.CancellationToken);
        var attempt = new OAuthAttempt("HASH", tenant.Id, "session", "v1:x", "production", "https://login.salesforce.com", "system", "62.0", 10);
        await Links.AddAttemptAsync(attempt, TestContext.Current.CancellationToken);
        var takers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Links.TakeAttemptAsync("HASH", TestContext.Current.CancellationToken)));
        takers.Count(t => t is not null).ShouldBe(1);
        takers.Single(t => t is not null).ShouldBe(attempt);
    }

    [Fact]
    public async Task Events_come_back_newest_first_per_tenant_and_settings_upsert()
    {
        var a = await Tenants.CreateAsync("A", TestContext.Current.CancellationToken);
        var b = await Tenants.CreateAsync("B", TestContext.Current.CancellationToken);
        await Links.AddEventAsync(a.Id, "linked", "first", TestContext.Current.CancellationToken);
        await Links.AddEventAsync(b.Id, "linked", "other tenant", TestContext.Current.CancellationToken);
        await Links.AddEventAsync(a.Id, "unlinked", "second", TestContext.Current.CancellationToken);
        (await Links.EventsAsync(a.Id, 10, TestContext.Current.CancellationToken)).Select(e => e.Detail).ShouldBe(["second", "first"]);

        await Links.SetSystemAppAsync("id-1", "v1:secret-1", TestContext.Current.CancellationToken);
        await Links.SetSystemAppAsync("id-2", "v1:secret-2", TestContext.Current.CancellationToken);
        (await Links.GetSystemAppAsync(TestContext.Current.CancellationToken)).ShouldBe(("id-2", "v1:secret-2"));
        await Links.SetTenantAppAsync(a.Id, "tenant-app", "v1:s", TestContext.Current.CancellationToken);
        (await Links.GetTenantAppAsync(a.Id, TestContext.Current.CancellationToken))!.Value.ClientId.ShouldBe("tenant-app");
        (await Links.GetTenantAppAsync(b.Id, TestContext.Current.CancellationToken)).ShouldBeNull();
    }
}

public sealed class SqliteStorageTests : StorageSuite
{
    [Fact]
    public async Task The_embedded_sqlite_is_current_with_wal_and_a_busy_timeout()
    {
        await using var c = await Db.OpenAsync(TestContext.Current.CancellationToken);
        var version = Version.Parse(await c.ExecuteScalarAsync<string>("SELECT sqlite_version()") ?? "0.0");
        version.ShouldBeGreaterThanOrEqualTo(new Version(3, 50));
        (await c.ExecuteScalarAsync<string>("PRAGMA journal_mode")).ShouldBe("wal");
        (await c.ExecuteScalarAsync<long>("PRAGMA busy_timeout")).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task The_contact_center_is_answered_once_the_log_is_flushed_and_the_fold_sees_the_events_before()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await new TenantStore(Db, Clock).CreateAsync("Flushed Co", ct);
        using var flushing = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        // The real flush, held back until the test lets it go.
        await using var inbox = new ContactBridge.Intake.InboxStore(Db, Clock, null, null, flush =>
        {
            flushing.Release();
            release.Wait(ct);
            flush();
        });
        var append = inbox.AppendAsync(tenant.Id, [E("held-1", "started", "call-held")], ct);
        (await flushing.WaitAsync(TimeSpan.FromSeconds(30), ct)).ShouldBeTrue("the writer committed and the log is being flushed");
        await using (var c = await Db.OpenAsync(ct))
            (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE event_id = 'held-1'")).ShouldBe(1, "the fold can read it already");
        append.IsCompleted.ShouldBeFalse("not acknowledged before it is on disk");
        var flushed = inbox.WhenFlushedAsync(ct);
        flushed.IsCompleted.ShouldBeFalse("nothing goes to Salesforce before it is on disk either");

        release.Release();
        (await append).ShouldBe(1);
        await flushed;
        await inbox.WhenFlushedAsync(ct); // Nothing committed since: at once.
    }

    [Fact]
    public async Task A_flush_that_fails_is_answered_as_a_failure_and_nothing_more_is_acknowledged_until_a_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await new TenantStore(Db, Clock).CreateAsync("Failing Disk Co", ct);
        await using (var inbox = new ContactBridge.Intake.InboxStore(Db, Clock, null, null, _ => throw new IOException("Input/output error")))
        {
            var failed = await Should.ThrowAsync<IOException>(() => inbox.AppendAsync(tenant.Id, [E("eio-1", "started", "call-eio")], ct));
            failed.Message.ShouldContain("could not flush its database to disk (Input/output error)");
            failed.Message.ShouldContain("restart the hub");
            // Stored, but not acknowledged: the contact center sends it again, and is refused at once rather than told it is safe.
            (await Should.ThrowAsync<IOException>(() => inbox.AppendAsync(tenant.Id, [E("eio-1", "started", "call-eio")], ct))).Message.ShouldContain("restart");
            await Should.ThrowAsync<IOException>(() => inbox.WhenFlushedAsync(ct));
        }

        // Restarted: what the disk holds is read, the event sent again counts as a repeat, and it is acknowledged.
        await using var restarted = new ContactBridge.Intake.InboxStore(Db, Clock);
        (await restarted.AppendAsync(tenant.Id, [E("eio-1", "started", "call-eio"), E("eio-2", "ended", "call-eio")], ct)).ShouldBe(1);
    }

    [Fact]
    public async Task Writers_take_turns_and_the_fold_goes_before_the_others_waiting()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await Db.WriteAsync(durable: false, ct);
        var ordinary = Db.WriteAsync(durable: false, ct);
        var urgent = Db.WriteAsync(durable: false, urgent: true, ct);
        ordinary.IsCompleted.ShouldBeFalse("one writer at a time");
        urgent.IsCompleted.ShouldBeFalse();
        await first.DisposeAsync();
        await using (var fold = await urgent)
        {
            await fold.Connection.ExecuteAsync("INSERT INTO tenants (id, slug, name, created_at) VALUES ('t-urgent', 't-urgent', 'Urgent', 0)", transaction: fold.Transaction);
            ordinary.IsCompleted.ShouldBeFalse("the urgent writer came later and went first; the other waits for it");
            await fold.CommitAsync(ct);
        }
        await using var last = await ordinary;
        (await last.Connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM tenants WHERE id = 't-urgent'", transaction: last.Transaction)).ShouldBe(1);
    }

    private readonly string _directory = Directory.CreateTempSubdirectory("cb-sqlite-").FullName;

    protected override DatabaseProvider Expected => DatabaseProvider.Sqlite;

    protected override Task<string> CreateDatabaseAsync() => Task.FromResult($"Data Source={Path.Combine(_directory, "hub.db")}");

    protected override Task DropDatabaseAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class PostgreSqlStorageTests : StorageSuite
{
    private TestDatabase? _database;

    protected override DatabaseProvider Expected => DatabaseProvider.PostgreSql;

    /// <summary>The server ./scripts/test.sh starts; each test gets a database of its own.</summary>
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("CONTACTBRIDGE_TEST_POSTGRES")
        ?? throw new InvalidOperationException("CONTACTBRIDGE_TEST_POSTGRES is not set: run the tests with ./scripts/test.sh, which starts a throwaway PostgreSQL server.");

    protected override async Task<string> CreateDatabaseAsync()
    {
        _database = await TestDatabase.CreateAsync("postgresql");
        return _database.ConnectionString!;
    }

    protected override async Task DropDatabaseAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }
}
