namespace SmimePipeline.Worker.Concurrency;

/// <summary>
/// A fixed number of places where small work goes first (issue 17, target 2): when a place is given back, the small item
/// that has waited longest gets it before any large one; and large items hold at most <see cref="LargeLimit"/> places at
/// once, so that a small item always has the other places. Those kept places are the large items' in turn: when
/// <see cref="LargeLimit"/> is below <see cref="Count"/>, a large item waiting under its limit gets the next freed place
/// (small items then wait for one of the places large items cannot hold), so that small items arriving without pause
/// cannot hold a large one back for as long as they keep coming (session 13: the signer's in-process attempts wait here
/// beside the queue's mails). Within each size, first come, first served. The signer's protect slots
/// (<c>Signing.ProtectionSlots</c>) and the sender's delivery places (<c>Sending.DeliverySlots</c>) are this, each with
/// its own settings.
/// </summary>
public abstract class SizeOrderedSlots : IDisposable
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _smallWaiting = new();
    private readonly LinkedList<Waiter> _largeWaiting = new();
    private int _free;
    private int _largeHeld;
    private bool _disposed;

    /// <summary><paramref name="count"/> places, of which large items may hold at most <paramref name="largeLimit"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1, or <paramref name="largeLimit"/> outside 1–<paramref name="count"/>.</exception>
    protected SizeOrderedSlots(int count, int largeLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(largeLimit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(largeLimit, count);
        Count = count;
        LargeLimit = largeLimit;
        _free = Count;
    }

    /// <summary>How many items may be inside at once.</summary>
    public int Count { get; }

    /// <summary>How many of the places large items may hold at once (at least 1, at most <see cref="Count"/>).</summary>
    public int LargeLimit { get; }

    /// <summary>Slots not taken at the moment.</summary>
    public int Free
    {
        get
        {
            lock (_gate)
            {
                return _free;
            }
        }
    }

    /// <summary>Slots held by large mails at the moment.</summary>
    public int LargeHeld
    {
        get
        {
            lock (_gate)
            {
                return _largeHeld;
            }
        }
    }

    /// <summary>Large items waiting for a place at the moment.</summary>
    public int LargeWaiting
    {
        get
        {
            lock (_gate)
            {
                return _largeWaiting.Count;
            }
        }
    }

    /// <summary>Waits for a free place as a small item; disposing the result gives it back.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting; no slot is held.</exception>
    public Task<IDisposable> EnterAsync(CancellationToken cancellationToken) => EnterAsync(large: false, cancellationToken);

    /// <summary>
    /// Waits for a free place; a <paramref name="large"/> item waits while large ones hold <see cref="LargeLimit"/> places
    /// or no place is free, a small one while the free places are kept for large items waiting under their limit.
    /// Disposing the result gives the place back (once, however often it is disposed).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting; no slot is held.</exception>
    /// <exception cref="ObjectDisposedException">The slots were disposed (the host is stopping).</exception>
    public Task<IDisposable> EnterAsync(bool large, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IDisposable>(cancellationToken);
        }

        Waiter waiter;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (CanGrant(large) && (large ? _largeWaiting.Count == 0 : _smallWaiting.Count == 0))
            {
                return Task.FromResult<IDisposable>(Take(large));
            }

            waiter = new Waiter(large, cancellationToken);
            waiter.Node = (large ? _largeWaiting : _smallWaiting).AddLast(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Cancellation = cancellationToken.Register(
                static state =>
                {
                    var (slots, w) = ((SizeOrderedSlots, Waiter))state!;
                    slots.Cancel(w);
                },
                (this, waiter));
            if (waiter.Granted.Task.IsCompleted)
            {
                // Granted between the enqueue and the registration: nothing left to cancel.
                waiter.Cancellation.Dispose();
            }
        }

        return waiter.Granted.Task;
    }

    /// <summary>
    /// Takes a free place at once, or none: null when every place is taken, when a <paramref name="large"/> item would
    /// exceed <see cref="LargeLimit"/>, when a small item would take a place kept for a waiting large one, or when items of
    /// the same size are already waiting (they keep their turn).
    /// Disposing the result gives the place back.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The slots were disposed (the host is stopping).</exception>
    public IDisposable? TryEnter(bool large)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return CanGrant(large) && (large ? _largeWaiting.Count == 0 : _smallWaiting.Count == 0) ? Take(large) : null;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Fails every waiter with <see cref="ObjectDisposedException"/> (the host is stopping); places held stay valid to give back.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        List<Waiter> abandoned;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            abandoned = [.. _smallWaiting, .. _largeWaiting];
            _smallWaiting.Clear();
            _largeWaiting.Clear();
        }

        foreach (var waiter in abandoned)
        {
            waiter.Cancellation.Dispose();
            waiter.Granted.TrySetException(new ObjectDisposedException(GetType().Name));
        }
    }

    private bool CanGrant(bool large) => large ? _free > 0 && _largeHeld < LargeLimit : _free > KeptForLarge;

    // Free places a small item may not take: one per large item waiting under the large limit, while large items may not
    // hold every place (with LargeLimit = Count there is nothing to keep: small items simply go first).
    private int KeptForLarge => LargeLimit < Count ? Math.Min(_largeWaiting.Count, LargeLimit - _largeHeld) : 0;

    // Hands free places to the waiting items the rules allow, small ones first; called under the gate when a place is given
    // back.
    private List<(Waiter Waiter, Slot Slot)> GrantWaiting()
    {
        var granted = new List<(Waiter Waiter, Slot Slot)>(2);
        while (NextToGrant() is { } node)
        {
            node.List!.Remove(node);
            granted.Add((node.Value, Take(node.Value.Large)));
        }

        return granted;
    }

    private LinkedListNode<Waiter>? NextToGrant()
    {
        if (_smallWaiting.First is { } small && CanGrant(large: false))
        {
            return small;
        }

        return _largeWaiting.First is { } large && CanGrant(large: true) ? large : null;
    }

    // Completed outside the gate: the continuations run asynchronously (see Waiter) in any case.
    private static void Complete(List<(Waiter Waiter, Slot Slot)> granted)
    {
        foreach (var (waiter, slot) in granted)
        {
            waiter.Cancellation.Dispose();
            waiter.Granted.TrySetResult(slot);
        }
    }

    private Slot Take(bool large)
    {
        _free--;
        if (large)
        {
            _largeHeld++;
        }

        return new Slot(this, large);
    }

    private void Cancel(Waiter waiter)
    {
        lock (_gate)
        {
            if (waiter.Node?.List is not { } list)
            {
                return;  // granted (or abandoned) before the cancellation: the holder gives the slot back
            }

            // No place is free while one is kept: a large item under its limit takes any free place at once.
            list.Remove(waiter.Node);
        }

        waiter.Granted.TrySetCanceled(waiter.Token);
    }

    private void Release(bool large)
    {
        List<(Waiter Waiter, Slot Slot)> granted;
        lock (_gate)
        {
            _free++;
            if (large)
            {
                _largeHeld--;
            }

            granted = GrantWaiting();
        }

        Complete(granted);
    }

    private sealed class Waiter(bool large, CancellationToken token)
    {
        public bool Large { get; } = large;

        public CancellationToken Token { get; } = token;

        public TaskCompletionSource<IDisposable> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }
    }

    private sealed class Slot(SizeOrderedSlots slots, bool large) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release(large);
            }
        }
    }
}
