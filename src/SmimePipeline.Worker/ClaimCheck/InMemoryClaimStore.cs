using System.Collections.Concurrent;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// Claims in this process's memory, for the in-memory transport where signer and sender share the process.
/// Same ids and the same refusals as <see cref="FileClaimStore"/>; nothing survives a restart.
/// </summary>
public sealed class InMemoryClaimStore(TimeProvider time) : IClaimStore
{
    private readonly ConcurrentDictionary<string, (byte[] Content, DateTimeOffset WrittenAt)> _claims = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<ClaimId> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var id = ClaimId.NewId();
        _claims[id.Value] = (content.ToArray(), time.GetUtcNow());
        return Task.FromResult(id);
    }

    /// <inheritdoc />
    public Task<byte[]> LoadAsync(ClaimId id, long maxBytes, CancellationToken cancellationToken)
    {
        if (id.Value is null || !_claims.TryGetValue(id.Value, out var claim))
        {
            throw new MailRefusedException(new MailRefusal(MailRefusal.ClaimMissing, $"claim {id} is not in this process's claim store (already delivered and deleted, or swept)"));
        }

        if (claim.Content.Length > maxBytes)
        {
            throw new MailRefusedException(new MailRefusal(MailRefusal.MessageTooLarge, $"claim {id} holds {claim.Content.Length} bytes, above the limit of {maxBytes} (SmimePipeline:MaxMessageBytes)"));
        }

        return Task.FromResult(claim.Content);
    }

    /// <inheritdoc />
    public void Delete(ClaimId id)
    {
        if (id.Value is not null)
        {
            _claims.TryRemove(id.Value, out _);
        }
    }

    /// <inheritdoc />
    public int DeleteOlderThan(DateTimeOffset cutoff)
    {
        var deleted = 0;
        foreach (var (key, claim) in _claims)
        {
            if (claim.WrittenAt < cutoff && _claims.TryRemove(key, out _))
            {
                deleted++;
            }
        }

        return deleted;
    }
}
