using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// How many mails are composed and protected at once: <c>Signer:Concurrency</c>, one per core by default,
/// because that work is CPU-bound. The signer endpoints hold more mails than that (<c>Signer:InFlight</c>),
/// so that while some wait for the broker to confirm their hand-over, others use the cores. A slot is held
/// only for the CPU-bound part, so a large mail never holds one while it waits on the broker or the claim check.
/// <para>
/// Small mails go first (issue 17, target 2): when a slot is given back, the small mail that has waited longest gets it
/// before any large one, however long that one has waited; and large mails hold at most <see cref="LargeLimit"/> slots
/// at once (<c>Signer:LargeMailSlots</c>, default <c>max(1, Count − 1)</c>), so that with two or more slots a small mail
/// never waits for a large one's 80 ms of protection. Within each size, first come, first served.
/// </para>
/// </summary>
public sealed class ProtectionSlots : IDisposable
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _smallWaiting = new();
    private readonly LinkedList<Waiter> _largeWaiting = new();
    private int _free;
    private int _largeHeld;
    private bool _disposed;

    /// <summary>Slots as <c>SmimePipeline:Signer</c> configures them (<see cref="SignerOptions.EffectiveConcurrency"/>, <see cref="SignerOptions.EffectiveLargeMailSlots"/>).</summary>
    public ProtectionSlots(IOptions<SmimePipelineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Count = options.Value.Signer.EffectiveConcurrency;
        LargeLimit = options.Value.Signer.EffectiveLargeMailSlots;
        _free = Count;
    }

    /// <summary>How many mails may be protected at once.</summary>
    public int Count { get; }

    /// <summary>How many of the slots large mails may hold at once (at least 1, at most <see cref="Count"/>).</summary>
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

    /// <summary>Waits for a free slot as a small mail; disposing the result gives it back.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting; no slot is held.</exception>
    public Task<IDisposable> EnterAsync(CancellationToken cancellationToken) => EnterAsync(large: false, cancellationToken);

    /// <summary>
    /// Waits for a free slot; a <paramref name="large"/> mail waits while small mails wait or while large mails hold
    /// <see cref="LargeLimit"/> slots. Disposing the result gives the slot back (once, however often it is disposed).
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
                    var (slots, w) = ((ProtectionSlots, Waiter))state!;
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

    /// <inheritdoc />
    public void Dispose()
    {
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
            waiter.Granted.TrySetException(new ObjectDisposedException(nameof(ProtectionSlots)));
        }
    }

    private bool CanGrant(bool large) => _free > 0 && (!large || _largeHeld < LargeLimit);

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

            list.Remove(waiter.Node);
        }

        waiter.Granted.TrySetCanceled(waiter.Token);
    }

    private void Release(bool large)
    {
        var granted = new List<(Waiter Waiter, Slot Slot)>(2);
        lock (_gate)
        {
            _free++;
            if (large)
            {
                _largeHeld--;
            }

            // Small mails first; a large one only while it stays under the limit.
            while (_free > 0 && (_smallWaiting.First ?? (_largeHeld < LargeLimit ? _largeWaiting.First : null)) is { } node)
            {
                node.List!.Remove(node);
                granted.Add((node.Value, Take(node.Value.Large)));
            }
        }

        // Completed outside the lock: the continuations run asynchronously (see Waiter) in any case.
        foreach (var (waiter, slot) in granted)
        {
            waiter.Cancellation.Dispose();
            waiter.Granted.TrySetResult(slot);
        }
    }

    private sealed class Waiter(bool large, CancellationToken token)
    {
        public bool Large { get; } = large;

        public CancellationToken Token { get; } = token;

        public TaskCompletionSource<IDisposable> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }
    }

    private sealed class Slot(ProtectionSlots slots, bool large) : IDisposable
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
