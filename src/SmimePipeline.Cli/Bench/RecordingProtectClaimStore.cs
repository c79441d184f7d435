using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The bench host's producer claim store: the worker's own store (<paramref name="inner"/>, as its registration made it),
/// with each claim the bench's producer stores noted in <paramref name="ids"/> (<see cref="BenchClaimIds"/>).
/// </summary>
internal sealed class RecordingProtectClaimStore(IProtectClaimStore inner, BenchClaimIds ids) : IProtectClaimStore, IAsyncDisposable
{
    /// <inheritdoc />
    public async Task PutAsync(ProtectClaimId id, ReadOnlyMemory<byte> content, byte[] sha256, DateTimeOffset created, CancellationToken cancellationToken)
    {
        // Noted before the insert: a claim whose insert failed after reaching the table is still this run's.
        ids.Add(id);
        await inner.PutAsync(id, content, sha256, created, cancellationToken);
    }

    /// <inheritdoc />
    public Task<StoredProtectClaim?> LoadAsync(ProtectClaimId id, long maxBytes, CancellationToken cancellationToken) =>
        inner.LoadAsync(id, maxBytes, cancellationToken);

    /// <inheritdoc />
    public Task MarkConsumedAsync(ProtectClaimId id, DateTimeOffset consumed, CancellationToken cancellationToken) =>
        inner.MarkConsumedAsync(id, consumed, cancellationToken);

    /// <inheritdoc />
    public Task<bool> ReclaimReleasedSpaceAsync(CancellationToken cancellationToken) => inner.ReclaimReleasedSpaceAsync(cancellationToken);

    /// <inheritdoc />
    public Task<int> DeleteExpiredAsync(DateTimeOffset consumedBefore, DateTimeOffset createdBefore, CancellationToken cancellationToken) =>
        inner.DeleteExpiredAsync(consumedBefore, createdBefore, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => inner is IAsyncDisposable owned ? owned.DisposeAsync() : ValueTask.CompletedTask;
}
