using ContactBridge.Storage;

namespace ContactBridge.Tests.Storage;

/// <summary>The loops a screen pop waits on run on threads of their own: every await comes back there, and a loop's failure is its task's.</summary>
public sealed class DedicatedThreadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_loop_comes_back_to_its_own_thread_after_every_kind_of_await()
    {
        using var signal = new SemaphoreSlim(0, 1);
        var handed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var threads = new List<(int Id, string? Name)>();
        void Note() => threads.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.Name));
        var loop = DedicatedThread.Run("test-loop", async () =>
        {
            Note();
            await Task.Delay(5, Ct);
            Note();
            await Task.Yield();
            Note();
            await signal.WaitAsync(Ct);
            Note();
            await handed.Task;
            Note();
        });
        // Released and completed from thread-pool threads: the loop resumes on its own thread all the same.
        await Task.Run(() => signal.Release(), Ct);
        await Task.Run(() => handed.SetResult(), Ct);
        await loop.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        threads.Count.ShouldBe(5);
        threads.Select(t => t.Name).Distinct().ShouldHaveSingleItem().ShouldBe("test-loop");
        threads.Select(t => t.Id).Distinct().ShouldHaveSingleItem().ShouldNotBe(Environment.CurrentManagedThreadId);
    }

    [Fact]
    public async Task A_loop_that_fails_ends_its_task_with_the_failure()
    {
        var loop = DedicatedThread.Run("failing-loop", async () =>
        {
            await Task.Yield();
            throw new InvalidOperationException("the loop's own failure");
        });
        (await Should.ThrowAsync<InvalidOperationException>(() => loop.WaitAsync(TimeSpan.FromSeconds(30), Ct))).Message.ShouldBe("the loop's own failure");

        var thrownAtOnce = DedicatedThread.Run("failing-at-once", () => throw new ArgumentException("before any await"));
        await Should.ThrowAsync<ArgumentException>(() => thrownAtOnce.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }
}
