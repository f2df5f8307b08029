using ContactBridge.Storage;
using Microsoft.Extensions.Time.Testing;

namespace ContactBridge.Tests.Storage;

/// <summary>The turns of an instance's SQLite writers: one at a time, urgent ones first, and a writer that gives up leaves the line.</summary>
public sealed class WriterGateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_writer_that_waits_past_its_patience_goes_on_without_a_turn_and_the_turn_then_passes_to_the_next()
    {
        var clock = new FakeTimeProvider();
        var gate = new WriterGate(clock);
        (await gate.EnterAsync(urgent: false, Patience, Ct)).ShouldBeTrue("free: the first writer's turn at once");
        var impatient = gate.EnterAsync(urgent: false, Patience, Ct);
        clock.Advance(TimeSpan.FromSeconds(2));
        var next = gate.EnterAsync(urgent: false, Patience, Ct);
        clock.Advance(TimeSpan.FromSeconds(4));
        (await impatient).ShouldBeFalse("5 s waited: it goes on to SQLite's own wait");
        next.IsCompleted.ShouldBeFalse("the first writer still has its turn");

        gate.Exit();
        (await next).ShouldBeTrue("the turn passes over the writer that gave up");
        gate.Exit();
        (await gate.EnterAsync(urgent: true, Patience, Ct)).ShouldBeTrue("nobody waits: free again");
    }

    [Fact]
    public async Task A_writer_cancelled_while_waiting_leaves_the_line_and_urgent_writers_go_first()
    {
        var gate = new WriterGate(new FakeTimeProvider());
        (await gate.EnterAsync(urgent: false, Patience, Ct)).ShouldBeTrue();
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(urgent: true, Patience, cancel.Token);
        var ordinary = gate.EnterAsync(urgent: false, Patience, Ct);
        var urgent = gate.EnterAsync(urgent: true, Patience, Ct);
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => cancelled);

        gate.Exit();
        (await urgent).ShouldBeTrue("the urgent writer came after the ordinary one and goes first");
        ordinary.IsCompleted.ShouldBeFalse();
        gate.Exit();
        (await ordinary).ShouldBeTrue();
    }
}
