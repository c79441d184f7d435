using SmimePipeline.Contracts;

namespace SmimePipeline.Client;

/// <summary>
/// Hands mail to SmimePipeline. The call returns once the broker has confirmed the command
/// (publisher confirms); signing, encryption and delivery happen in the workers.
/// </summary>
public interface ISmimeMailPublisher
{
    /// <summary>Asks the pipeline to build, protect and deliver <paramref name="mail"/>.</summary>
    Task ProtectAsync(ProtectEmail mail, CancellationToken cancellationToken = default);

    /// <summary>Asks the pipeline to protect and deliver an existing RFC 5322 message unchanged.</summary>
    /// <param name="message">The message bytes (an .eml).</param>
    /// <param name="policy">The protection; default sign and encrypt.</param>
    /// <param name="mailId">The mail id; a new one when omitted.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The mail id, to correlate the events.</returns>
    Task<Guid> ProtectMimeAsync(byte[] message, SecurityPolicy? policy = null, Guid? mailId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Hands a signed mail from a correspondent to the signers, which verify it and file its certificate
    /// (and the algorithms it advertises) in the recipient directory.
    /// </summary>
    Task HarvestAsync(HarvestCertificate harvest, CancellationToken cancellationToken = default);
}
