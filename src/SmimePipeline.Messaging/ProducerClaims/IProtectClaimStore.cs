namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>
/// Where producers leave large protect commands for the signers (the producer claim check). Producers only
/// <see cref="PutAsync"/> (in PostgreSQL: <c>INSERT</c> only); signers <see cref="LoadAsync"/>, <see cref="MarkConsumedAsync"/>
/// and <see cref="DeleteExpiredAsync"/> (<c>SELECT</c>, <c>UPDATE (consumed, content, length)</c>, <c>DELETE</c>).
/// </summary>
public interface IProtectClaimStore
{
    /// <summary>Stores <paramref name="content"/> under <paramref name="id"/> with its SHA-256, written at <paramref name="created"/>.</summary>
    /// <exception cref="ProtectClaimStoreException">The store refused or could not be reached; the message names the store and the cause.</exception>
    Task PutAsync(ProtectClaimId id, ReadOnlyMemory<byte> content, byte[] sha256, DateTimeOffset created, CancellationToken cancellationToken);

    /// <summary>
    /// The claim <paramref name="id"/>, or <see langword="null"/> when there is none. Its content is read only when it is at
    /// most <paramref name="maxBytes"/> long; a longer one comes back with <see cref="StoredProtectClaim.Content"/> null.
    /// </summary>
    Task<StoredProtectClaim?> LoadAsync(ProtectClaimId id, long maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Marks claim <paramref name="id"/> consumed at <paramref name="consumed"/> (the first mark stays) and releases its
    /// content: only the <see cref="ProtectClaimContent.FixedPreambleBytes"/>-byte preamble (which names the mail) and the
    /// SHA-256 stay, so that a reference redelivered after its mail was handed on is recognised as such
    /// (issue 17, session 12: a claim kept whole through the grace period was written a second time, as full-page images,
    /// when the sweeper deleted it). A store not permitted to release (a PostgreSQL role with <c>UPDATE (consumed)</c> only)
    /// marks it consumed and keeps the content. Nothing happens when the claim is gone.
    /// </summary>
    Task MarkConsumedAsync(ProtectClaimId id, DateTimeOffset consumed, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the space of the content released since the last call (<see cref="MarkConsumedAsync"/>) free for the next
    /// claims, where the store needs that done (PostgreSQL: a <c>VACUUM</c> of the table, by a role that owns it); the
    /// signers call it every <c>ProducerClaims:VacuumInterval</c>. Touches no claim.
    /// </summary>
    /// <returns>Whether anything was done.</returns>
    /// <exception cref="ProtectClaimStoreException">The store refused or could not be reached.</exception>
    Task<bool> ReclaimReleasedSpaceAsync(CancellationToken cancellationToken);

    /// <summary>Deletes claims consumed before <paramref name="consumedBefore"/> and any claim created before <paramref name="createdBefore"/>.</summary>
    /// <returns>How many were deleted.</returns>
    Task<int> DeleteExpiredAsync(DateTimeOffset consumedBefore, DateTimeOffset createdBefore, CancellationToken cancellationToken);
}
