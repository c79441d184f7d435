using SmimePipeline.Delivery.Pickup;

namespace SmimePipeline.Delivery.Tests.Pickup;

public sealed class DirectoryFlushGroupTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>A flush that the test holds inside until it lets go, counting how many flushes started.</summary>
    private sealed class HeldFlush : IDisposable
    {
        private readonly ManualResetEventSlim _entered = new();
        private readonly ManualResetEventSlim _release = new();
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public Func<int, Exception?> Failure { get; init; } = _ => null;

        public void Flush()
        {
            int number = Interlocked.Increment(ref _started);
            if (number == 1)
            {
                _entered.Set();
                Assert.True(_release.Wait(Patience), "the test never released the first flush");
            }

            if (Failure(number) is { } failure)
            {
                throw failure;
            }
        }

        public void WaitUntilFirstFlushRuns() => Assert.True(_entered.Wait(Patience), "the first flush never started");

        public void Release() => _release.Set();

        public void Dispose()
        {
            _entered.Dispose();
            _release.Dispose();
        }
    }

    [Fact]
    public async Task A_lone_caller_flushes_at_once_on_its_own_thread()
    {
        int flushes = 0;
        var group = new DirectoryFlushGroup(() => flushes++);

        var flushed = group.FlushAsync();

        Assert.True(flushed.IsCompletedSuccessfully);
        Assert.Equal(1, flushes);
        await group.FlushAsync();
        Assert.Equal(2, flushes);
    }

    [Fact]
    public async Task Callers_that_arrive_while_a_flush_runs_wait_for_the_next_flush_and_share_it()
    {
        using var held = new HeldFlush();
        var group = new DirectoryFlushGroup(held.Flush);
        var first = Task.Run(group.FlushAsync);
        held.WaitUntilFirstFlushRuns();

        // Their entries may have been renamed after the running flush started: that flush must not answer them.
        var later = Enumerable.Range(0, 5).Select(_ => group.FlushAsync()).ToList();
        Assert.All(later, t => Assert.False(t.IsCompleted));
        Assert.Equal(1, held.Started);

        held.Release();
        await first;
        await Task.WhenAll(later);

        Assert.Equal(2, held.Started);
    }

    [Fact]
    public async Task Callers_of_a_shared_flush_resume_on_the_thread_that_ran_it_once_it_has_ended()
    {
        int finished = 0;
        int lastFlushThread = 0;
        using var held = new HeldFlush();
        var group = new DirectoryFlushGroup(() =>
        {
            held.Flush();
            Volatile.Write(ref lastFlushThread, Environment.CurrentManagedThreadId);
            Interlocked.Increment(ref finished);
        });
        var first = Task.Run(group.FlushAsync);
        held.WaitUntilFirstFlushRuns();

        // Continuations that may run inline: they do when the flush's thread resumes its callers itself (session 19), with
        // the group's own frame below them; queued to the thread pool instead (before), they start from the pool's loop.
        var resumed = Enumerable.Range(0, 3)
            .Select(_ => group.FlushAsync().ContinueWith(
                _ => (Thread: Environment.CurrentManagedThreadId, Finished: Volatile.Read(ref finished), InsideFlush: CalledFromFlushGroup()),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default))
            .ToList();
        held.Release();
        await first;
        var seen = await Task.WhenAll(resumed);

        Assert.Equal(2, held.Started);
        Assert.All(seen, s =>
        {
            // Never before the flush that started after their call has ended, and on the thread that ran it.
            Assert.Equal(2, s.Finished);
            Assert.Equal(Volatile.Read(ref lastFlushThread), s.Thread);
            Assert.True(s.InsideFlush, "the caller was queued to the thread pool, not resumed by the flush's thread");
        });
    }

    private static bool CalledFromFlushGroup() =>
        new System.Diagnostics.StackTrace().GetFrames().Any(frame =>
            frame.GetMethod()?.DeclaringType?.FullName?.StartsWith(typeof(DirectoryFlushGroup).FullName!, StringComparison.Ordinal) == true);

    [Fact]
    public async Task A_failed_flush_fails_every_caller_it_was_for_and_the_next_caller_flushes_again()
    {
        var failure = new IOException("Flushing the directory /x to disk failed: Input/output error");
        using var held = new HeldFlush { Failure = number => number == 2 ? failure : null };
        var group = new DirectoryFlushGroup(held.Flush);
        var first = Task.Run(group.FlushAsync);
        held.WaitUntilFirstFlushRuns();
        var later = Enumerable.Range(0, 3).Select(_ => group.FlushAsync()).ToList();

        held.Release();
        await first;
        foreach (var waiter in later)
        {
            Assert.Same(failure, await Assert.ThrowsAsync<IOException>(() => waiter));
        }

        await group.FlushAsync();
        Assert.Equal(3, held.Started);
    }
}
