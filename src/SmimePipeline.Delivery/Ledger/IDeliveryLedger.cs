namespace SmimePipeline.Delivery.Ledger;

/// <summary>
/// The record that keeps a redelivered mail from being sent twice. Before calling the ESP a sender
/// records <see cref="DeliveryLedgerState.HandingToEsp"/>; right after the ESP accepts it records
/// <see cref="DeliveryLedgerState.Accepted"/> with the ESP's id; a mail found accepted is acknowledged
/// without sending. The window that cannot be closed: a crash after the ESP accepted the mail and
/// before <see cref="RecordAcceptedAsync"/> committed. The mail is then found "handing to ESP" and
/// sent again (at most once per mail in flight at the crash), because not sending could lose it.
/// </summary>
public interface IDeliveryLedger
{
    /// <summary>The mail's entry, or null when no sender has ever handled it.</summary>
    Task<DeliveryLedgerEntry?> FindAsync(Guid mailId, CancellationToken cancellationToken);

    /// <summary>
    /// Records that a sender is about to hand the mail to the ESP (counting the attempt). Does nothing
    /// to a mail already <see cref="DeliveryLedgerState.Accepted"/>.
    /// </summary>
    Task RecordHandingAsync(Guid mailId, string provider, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records that the ESP accepted the mail, with its id. Durable when the task completes.</summary>
    Task RecordAcceptedAsync(Guid mailId, string provider, string? providerMessageId, DateTimeOffset at, CancellationToken cancellationToken);
}
