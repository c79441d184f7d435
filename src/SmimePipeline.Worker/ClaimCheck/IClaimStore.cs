namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// Where large protected mail waits between the signer and the sender. Claims are addressed only by a
/// <see cref="ClaimId"/> the store minted; an address from the bus is parsed into one before anything is opened.
/// </summary>
public interface IClaimStore
{
    /// <summary>Stores <paramref name="content"/> under a new id and returns it.</summary>
    /// <exception cref="IOException">The claim could not be written (disk full, volume not writable).</exception>
    Task<ClaimId> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>
    /// The bytes of claim <paramref name="id"/>, refusing a claim above <paramref name="maxBytes"/> before reading it.
    /// </summary>
    /// <exception cref="Validation.MailRefusedException">
    /// <c>claim-missing</c> when no such claim exists; <c>claim-refused</c> when the claim is not a regular file
    /// of the claim directory (a symbolic link, a directory); <c>message-too-large</c> above <paramref name="maxBytes"/>.
    /// </exception>
    Task<byte[]> LoadAsync(ClaimId id, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Deletes claim <paramref name="id"/>; nothing happens when it is already gone.</summary>
    void Delete(ClaimId id);

    /// <summary>Deletes claims (and abandoned partial writes) last written before <paramref name="cutoff"/>.</summary>
    /// <returns>How many were deleted.</returns>
    int DeleteOlderThan(DateTimeOffset cutoff);
}
