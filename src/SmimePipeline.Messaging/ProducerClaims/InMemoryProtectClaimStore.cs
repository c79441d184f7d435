using System.Collections.Concurrent;

namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>
/// Producer claims in this process's memory, for the in-memory transport where producer and signer share the process
/// (the README's first set-up, the demo, tests). The same semantics as <see cref="PostgresProtectClaimStore"/>; nothing
/// survives a restart.
/// </summary>
public sealed class InMemoryProtectClaimStore : IProtectClaimStore
{
    private readonly ConcurrentDictionary<Guid, Entry> _claims = new();

    /// <summary>How many claims are held (for tests and the bench).</summary>
    public int Count => _claims.Count;

    /// <inheritdoc />
    public Task PutAsync(ProtectClaimId id, ReadOnlyMemory<byte> content, byte[] sha256, DateTimeOffset created, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        if (!_claims.TryAdd(id.Value, new Entry(content.ToArray(), [.. sha256], created)))
        {
            throw new ProtectClaimStoreException($"Producer claim {id} already exists; claim ids are never reused.");
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<StoredProtectClaim?> LoadAsync(ProtectClaimId id, long maxBytes, CancellationToken cancellationToken)
    {
        if (!_claims.TryGetValue(id.Value, out var entry))
        {
            return Task.FromResult<StoredProtectClaim?>(null);
        }

        var content = entry.Content.LongLength <= maxBytes ? entry.Content : null;
        return Task.FromResult<StoredProtectClaim?>(new StoredProtectClaim(entry.Content.LongLength, entry.Sha256, content, entry.Consumed));
    }

    /// <inheritdoc />
    public Task MarkConsumedAsync(ProtectClaimId id, DateTimeOffset consumed, CancellationToken cancellationToken)
    {
        if (_claims.TryGetValue(id.Value, out var entry) && entry.Consumed is null)
        {
            var kept = entry.Content.AsSpan(0, Math.Min(entry.Content.Length, ProtectClaimContent.FixedPreambleBytes)).ToArray();
            _claims.TryUpdate(id.Value, entry with { Content = kept, Consumed = consumed }, entry);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Released content is garbage for the runtime at once: nothing to do.</remarks>
    public Task<bool> ReclaimReleasedSpaceAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    /// <inheritdoc />
    public Task<int> DeleteExpiredAsync(DateTimeOffset consumedBefore, DateTimeOffset createdBefore, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var (key, entry) in _claims)
        {
            if ((entry.Consumed < consumedBefore || entry.Created < createdBefore) && _claims.TryRemove(key, out _))
            {
                deleted++;
            }
        }

        return Task.FromResult(deleted);
    }

    private sealed record Entry(byte[] Content, byte[] Sha256, DateTimeOffset Created, DateTimeOffset? Consumed = null);
}
