using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>A producer claim the signer has loaded and checked against its reference on the bus.</summary>
/// <param name="Id">The claim's id.</param>
/// <param name="Command">The stored <c>ProtectEmail</c> or <c>ProtectMimeMessage</c>, read by the binary serializers.</param>
/// <param name="Length">The claim's length in bytes (what the size rule of an inline body is applied to).</param>
public sealed record ProducerClaim(ProtectClaimId Id, object Command, long Length);
