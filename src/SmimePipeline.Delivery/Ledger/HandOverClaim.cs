namespace SmimePipeline.Delivery.Ledger;

/// <summary>
/// What <see cref="IDeliveryLedger.ClaimHandOverAsync"/> found and did: whether this sender now holds the
/// hand-over, and the mail's entry as it stood just before the claim was tried.
/// </summary>
/// <param name="Claimed">True when this sender holds the hand-over and may call the ESP.</param>
/// <param name="Previous">
/// The entry read just before the claim (null when no sender had handled the mail): when claimed, what the
/// previous attempt left (<see cref="DeliveryLedgerState.Refused"/>, <see cref="DeliveryLedgerState.OutcomeUnknown"/>
/// or a stale <see cref="DeliveryLedgerState.HandingToEsp"/>); when not claimed and
/// <see cref="DeliveryLedgerState.Accepted"/>, the acceptance (final: no write ever changes it). When not claimed
/// and not accepted, another sender holds the hand-over, or took it between the read and the claim.
/// </param>
public sealed record HandOverClaim(bool Claimed, DeliveryLedgerEntry? Previous);
