namespace SmimePipeline.Delivery.Pickup;

/// <summary>
/// Group commit of one directory's entries (issue 17, session 11). A caller that has just created or renamed an entry
/// calls <see cref="FlushAsync"/> and gets back only after a flush of the directory (<see cref="DirectoryEntries.Flush"/>)
/// that started after its call, so its entry is on the disk. Callers that arrive while a flush is running share the
/// next one instead of each running their own: with the sender's ten mails at once, one directory <c>fsync</c> covers
/// the renames of every mail that reached it meanwhile. A lone caller flushes on its own thread at once, as before.
/// A flush that fails fails every caller it was for, with the flush's exception.
/// <para>
/// The callers of a shared flush resume on the thread that ran it, one after another, as soon as it ends (issue 17,
/// session 19): that thread was woken for the flush and is free after it, and what each caller does next (the ledger's
/// "accepted", an event's publish up to its confirm wait) is short. Before, each of them was queued to the thread pool
/// again, a wake-up of another thread per mail for no work in between.
/// </para>
/// </summary>
internal sealed class DirectoryFlushGroup
{
    private readonly Action _flush;
    private readonly Lock _gate = new();
    private bool _flushing;
    private TaskCompletionSource? _next;

    /// <summary>Flushes <paramref name="directory"/> with <see cref="DirectoryEntries.Flush"/>.</summary>
    public DirectoryFlushGroup(string directory)
        : this(() => DirectoryEntries.Flush(directory))
    {
    }

    /// <summary>Runs <paramref name="flush"/> for each group (tests count or fail it).</summary>
    internal DirectoryFlushGroup(Action flush) => _flush = flush;

    /// <summary>
    /// Completes once a flush that started after this call has finished; faults with that flush's exception
    /// (<see cref="IOException"/> from <see cref="DirectoryEntries.Flush"/>) when it failed.
    /// </summary>
    public Task FlushAsync()
    {
        lock (_gate)
        {
            if (_flushing)
            {
                // The running flush may have started before this caller's entry existed: wait for the next one.
                // Resumed synchronously by FlushFor, on the thread that ran their flush (no lock held then).
                return (_next ??= new TaskCompletionSource()).Task;
            }

            _flushing = true;
        }

        var failure = Run();
        HandOn();
        return failure is null ? Task.CompletedTask : Task.FromException(failure);
    }

    private Exception? Run()
    {
        try
        {
            _flush();
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not swallowed: every caller of this flush gets it.
            return e;
        }
    }

    // After a flush: the callers that queued meanwhile get theirs on a thread-pool thread, so that the caller whose flush
    // just ended is not held up by later ones; with nobody queued, the next caller flushes at once. That thread resumes
    // them when their flush ends (FlushFor), after handing on to the callers that queued during it.
    private void HandOn()
    {
        TaskCompletionSource? group;
        lock (_gate)
        {
            group = _next;
            _next = null;
            _flushing = group is not null;
        }

        if (group is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Owner.FlushFor(state.Group), (Owner: this, Group: group), preferLocal: false);
        }
    }

    private void FlushFor(TaskCompletionSource group)
    {
        var failure = Run();
        HandOn();
        if (failure is null)
        {
            group.SetResult();
        }
        else
        {
            group.SetException(failure);
        }
    }
}
