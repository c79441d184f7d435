using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// How many mails are composed and protected at once: <c>Signer:Concurrency</c>, one per core by default,
/// because that work is CPU-bound. The signer endpoints hold more mails than that (<c>Signer:InFlight</c>),
/// so that while some wait for the broker to confirm their hand-over, others use the cores. A slot is held
/// only for the CPU-bound part, so a large mail never holds one while it waits on the broker or the claim check.
/// </summary>
public sealed class ProtectionSlots : IDisposable
{
    private readonly SemaphoreSlim _free;

    public ProtectionSlots(IOptions<SmimePipelineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Count = options.Value.Signer.EffectiveConcurrency;
        _free = new SemaphoreSlim(Count, Count);
    }

    /// <summary>How many mails may be protected at once.</summary>
    public int Count { get; }

    /// <summary>Slots not taken at the moment.</summary>
    public int Free => _free.CurrentCount;

    /// <summary>Waits for a free slot; disposing the result gives it back.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _free.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_free);
    }

    /// <inheritdoc />
    public void Dispose() => _free.Dispose();

    private sealed class Slot(SemaphoreSlim free) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                free.Release();
            }
        }
    }
}
