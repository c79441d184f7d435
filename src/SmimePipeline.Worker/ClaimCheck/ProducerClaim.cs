using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>A producer claim the signer has loaded and checked against its reference on the bus.</summary>
/// <param name="Id">The claim's id.</param>
/// <param name="Command">
/// The stored <c>ProtectEmail</c> or <c>ProtectMimeMessage</c>, read by the binary serializers; <see langword="null"/> when
/// the claim was already consumed (<paramref name="HandedOn"/>) and its content released.
/// </param>
/// <param name="Length">The claim's length in bytes (what the size rule of an inline body is applied to).</param>
/// <param name="HandedOn">
/// When a signer marked the claim consumed, if it had: its mail was protected and handed on then, and this reference is a
/// redelivery (a signer that stopped between the mark and its ack) with nothing left to do.
/// </param>
public sealed record ProducerClaim(ProtectClaimId Id, object? Command, long Length, DateTimeOffset? HandedOn = null);
