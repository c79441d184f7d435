namespace SmimePipeline.Delivery.Ledger;

/// <summary>
/// The record that keeps a redelivered mail from being sent twice. Before calling the ESP a sender
/// claims the hand-over (<see cref="ClaimHandOverAsync"/>: <see cref="DeliveryLedgerState.HandingToEsp"/>);
/// right after the ESP answers it records the answer: <see cref="DeliveryLedgerState.Accepted"/> with the ESP's
/// id, or <see cref="DeliveryLedgerState.Refused"/> / <see cref="DeliveryLedgerState.OutcomeUnknown"/>. A mail
/// found accepted is acknowledged without sending; a mail another sender is handing over right now is not
/// sent a second time. The window that cannot be closed: a sender dies after the ESP accepted the mail and
/// before <see cref="RecordAcceptedAsync"/> committed. Its claim then goes stale and the mail is sent again
/// (at most once per mail in flight at the crash), because not sending could lose it.
/// </summary>
public interface IDeliveryLedger
{
    /// <summary>The mail's entry, or null when no sender has ever handled it.</summary>
    Task<DeliveryLedgerEntry?> FindAsync(Guid mailId, CancellationToken cancellationToken);

    /// <summary>
    /// Records that a sender is about to hand the mail to the ESP (counting the attempt), whatever the
    /// row says. Does nothing to a mail already <see cref="DeliveryLedgerState.Accepted"/>.
    /// </summary>
    Task RecordHandingAsync(Guid mailId, string provider, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically claims the hand-over of the mail for this sender (state <see cref="DeliveryLedgerState.HandingToEsp"/>,
    /// attempt counted) when nobody holds it: the mail is new, <see cref="DeliveryLedgerState.Refused"/>,
    /// <see cref="DeliveryLedgerState.OutcomeUnknown"/>, or its hand-over claim was last written before
    /// <paramref name="staleBefore"/> (that sender stopped). Reads the mail's entry first, on the same connection
    /// and in the same round trip, so that a sender needs no <see cref="FindAsync"/> before it.
    /// </summary>
    /// <returns>
    /// <see cref="HandOverClaim.Claimed"/> false when the mail is accepted or another sender is handing it over
    /// right now; <see cref="HandOverClaim.Previous"/> the entry read just before the claim (see <see cref="HandOverClaim"/>).
    /// </returns>
    Task<HandOverClaim> ClaimHandOverAsync(Guid mailId, string provider, DateTimeOffset at, DateTimeOffset staleBefore, CancellationToken cancellationToken);

    /// <summary>Records that the ESP accepted the mail, with its id. Durable when the task completes.</summary>
    Task RecordAcceptedAsync(Guid mailId, string provider, string? providerMessageId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Records how an attempt ended without acceptance: <see cref="DeliveryLedgerState.Refused"/> (the ESP
    /// answered with an error) or <see cref="DeliveryLedgerState.OutcomeUnknown"/> (no readable answer). Does
    /// nothing to a mail already <see cref="DeliveryLedgerState.Accepted"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outcome"/> is not one of those two.</exception>
    Task RecordNotAcceptedAsync(Guid mailId, string provider, DeliveryLedgerState outcome, DateTimeOffset at, CancellationToken cancellationToken);
}
