using System.Collections.Concurrent;

namespace ContactBridge.Storage;

/// <summary>
/// Runs an asynchronous loop on a thread of its own: every continuation of its awaits comes back to that thread, woken by the
/// operating system, instead of queueing behind the thread pool's other work. For the few loops a screen pop waits on (the inbox's
/// writer, the fold): on a busy machine a thread-pool hop can wait a millisecond or more, and the pop makes several.
/// </summary>
internal static class DedicatedThread
{
    /// <summary>Starts <paramref name="loop"/> on a new background thread named <paramref name="name"/>; the task ends as the loop does.</summary>
    public static Task Run(string name, Func<Task> loop)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            using var context = new OneThreadContext();
            SynchronizationContext.SetSynchronizationContext(context);
            Task running;
            try
            {
                running = loop();
            }
            catch (Exception e)
            {
                running = Task.FromException(e);
            }
            running.ContinueWith(_ => context.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            var failures = context.RunUntilComplete();
            if (running.IsFaulted || failures.Count > 0) ended.SetException([.. running.Exception?.InnerExceptions ?? [], .. failures]);
            else if (running.IsCanceled) ended.SetCanceled();
            else ended.SetResult();
        })
        {
            IsBackground = true,
            Name = name,
        };
        // The loop does not take on the async-local state of whoever started it (a request's trace, say).
        thread.UnsafeStart();
        return ended.Task;
    }

    /// <summary>Continuations posted to the loop's thread, run there in order until the loop ends.</summary>
    private sealed class OneThreadContext : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _posted = new();

        public override void Post(SendOrPostCallback d, object? state)
        {
            try
            {
                _posted.Add((d, state));
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                // The loop has ended (a late callback of something it awaited): the thread pool runs it.
                ThreadPool.QueueUserWorkItem(s => d(s), state, preferLocal: false);
            }
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("A dedicated thread's loop is never waited on synchronously.");

        public override SynchronizationContext CreateCopy() => this;

        public void Complete() => _posted.CompleteAdding();

        /// <summary>Runs what is posted until the loop ends; a callback that throws (not an await's, which its task keeps) ends the loop's task with the failure.</summary>
        public List<Exception> RunUntilComplete()
        {
            var failures = new List<Exception>();
            foreach (var (callback, state) in _posted.GetConsumingEnumerable())
            {
                try
                {
                    callback(state);
                }
                catch (Exception e)
                {
                    failures.Add(e);
                }
            }
            return failures;
        }

        public void Dispose() => _posted.Dispose();
    }
}
