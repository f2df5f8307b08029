namespace ContactBridge.Storage;

/// <summary>
/// This instance's SQLite writers, one at a time, each starting the moment the last one ends (SQLite's own busy handler would poll
/// with sleeps), in order of arrival, except that an urgent writer goes before the ordinary ones waiting: the intake's durable write of
/// new events (the contact center waits for its answer) and the fold, which offers contacts to agents with their screen pops.
/// </summary>
/// <param name="clock">Times the wait (the real clock in the hub: a writer stuck behind a frozen test clock would wait forever).</param>
internal sealed class WriterGate(TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _sync = new();
    private readonly LinkedList<TaskCompletionSource<bool>> _urgent = new();
    private readonly LinkedList<TaskCompletionSource<bool>> _ordinary = new();
    private bool _held;

    /// <summary>Waits for the turn; false when it did not come within <paramref name="timeout"/> (the writer then goes on without it).</summary>
    public async Task<bool> EnterAsync(bool urgent, TimeSpan timeout, CancellationToken ct)
    {
        TaskCompletionSource<bool> turn;
        LinkedListNode<TaskCompletionSource<bool>> place;
        lock (_sync)
        {
            if (!_held)
            {
                _held = true;
                return true;
            }
            turn = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            place = (urgent ? _urgent : _ordinary).AddLast(turn);
        }
        using (var expiry = new CancellationTokenSource(timeout, _clock))
        using (var giveUp = CancellationTokenSource.CreateLinkedTokenSource(ct, expiry.Token))
        {
            await using (giveUp.Token.Register(() => turn.TrySetResult(false)))
            {
                if (await turn.Task) return true;
            }
        }
        // Gave up before the turn came: out of the line (a turn handed to it meanwhile was refused and went to the next).
        lock (_sync)
        {
            place.List?.Remove(place);
        }
        ct.ThrowIfCancellationRequested();
        return false;
    }

    /// <summary>Ends a turn: the next urgent writer's begins, else the next ordinary one's.</summary>
    public void Exit()
    {
        lock (_sync)
        {
            while ((_urgent.First ?? _ordinary.First) is { } next)
            {
                next.List!.Remove(next);
                if (next.Value.TrySetResult(true)) return;
            }
            _held = false;
        }
    }
}
