using ContactBridge.Storage;

namespace ContactBridge.Tests.Storage;

/// <summary>The loops a screen pop waits on run on threads of their own: every await comes back there, and a loop's failure is its task's.</summary>
public sealed class DedicatedThreadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_loop_comes_back_to_its_own_thread_after_every_kind_of_await()
    {
        using var signal = new SemaphoreSlim(0, 1);
        var handed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waitingForSignal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waitingForHand = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var threads = new List<(int Id, string? Name)>();
        void Note() => threads.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.Name));
        var loop = DedicatedThread.Run("test-loop", async () =>
        {
            Note();
            await Task.Delay(5, Ct);
            Note();
            await Task.Yield();
            Note();
            // Each of these is still pending when awaited (the test completes it only once told), so the loop truly waits.
            var signalled = signal.WaitAsync(Ct);
            waitingForSignal.SetResult(signalled.IsCompleted);
            await signalled;
            Note();
            var hand = handed.Task;
            waitingForHand.SetResult(hand.IsCompleted);
            await hand;
            Note();
        });
        (await waitingForSignal.Task.WaitAsync(Patience, Ct)).ShouldBeFalse();
        // Released and completed from thread-pool threads: the loop resumes on its own thread all the same.
        await Task.Run(() => signal.Release(), Ct);
        (await waitingForHand.Task.WaitAsync(Patience, Ct)).ShouldBeFalse();
        await Task.Run(() => handed.SetResult(), Ct);
        await loop.WaitAsync(Patience, Ct);

        threads.Count.ShouldBe(5);
        threads.Select(t => t.Name).Distinct().ShouldHaveSingleItem().ShouldBe("test-loop");
        threads.Select(t => t.Id).Distinct().ShouldHaveSingleItem().ShouldNotBe(Environment.CurrentManagedThreadId);
    }

    [Fact]
    public async Task A_loop_that_fails_ends_its_task_with_the_failure_and_so_does_a_callback_posted_to_it_that_throws()
    {
        var loop = DedicatedThread.Run("failing-loop", async () =>
        {
            await Task.Yield();
            throw new InvalidOperationException("the loop's own failure");
        });
        (await Should.ThrowAsync<InvalidOperationException>(() => loop.WaitAsync(Patience, Ct))).Message.ShouldBe("the loop's own failure");

        var thrownAtOnce = DedicatedThread.Run("failing-at-once", () => throw new ArgumentException("before any await"));
        await Should.ThrowAsync<ArgumentException>(() => thrownAtOnce.WaitAsync(Patience, Ct));

        // A callback posted to the loop's thread that throws does not take the process down: the loop runs on, and its task says so.
        var ranOn = false;
        var posting = DedicatedThread.Run("posting-loop", async () =>
        {
            SynchronizationContext.Current!.Post(_ => throw new FormatException("a posted callback's failure"), null);
            await Task.Yield();
            ranOn = true;
        });
        (await Should.ThrowAsync<FormatException>(() => posting.WaitAsync(Patience, Ct))).Message.ShouldBe("a posted callback's failure");
        ranOn.ShouldBeTrue();
    }

    [Fact]
    public async Task A_callback_posted_after_the_loop_ended_runs_on_the_thread_pool()
    {
        SynchronizationContext? context = null;
        await DedicatedThread.Run("short-loop", () =>
        {
            context = SynchronizationContext.Current;
            return Task.CompletedTask;
        }).WaitAsync(Patience, Ct);
        var ran = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        context.ShouldNotBeNull().Post(_ => ran.SetResult(Thread.CurrentThread.IsThreadPoolThread), null);
        (await ran.Task.WaitAsync(Patience, Ct)).ShouldBeTrue();
    }
}
