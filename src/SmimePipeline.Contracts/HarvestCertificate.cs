namespace SmimePipeline.Contracts;

/// <summary>
/// Command: take the recipient certificate from this signed mail into the directory (after verifying the
/// signature, the chain, and that the signer is the From address). Published to the <c>smime-harvest</c> queue.
/// </summary>
public sealed record HarvestCertificate
{
    public required Guid RequestId { get; init; }

    /// <summary>The signed mail, RFC 5322 bytes as received.</summary>
    public required byte[] Mail { get; init; }
}
