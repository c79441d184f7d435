namespace SmimePipeline.Delivery.Ledger;

/// <summary>Where a mail stands with the ESP, as far as the ledger knows.</summary>
public enum DeliveryLedgerState
{
    /// <summary>
    /// A sender is handing the mail to the ESP right now, or stopped while doing so (the row is older than
    /// the hand-over limit): the outcome is unknown until the hand-over finishes.
    /// </summary>
    HandingToEsp,

    /// <summary>The ESP accepted the mail; it must never be sent again.</summary>
    Accepted,

    /// <summary>The ESP answered the last attempt with a refusal or an error: it does not have the mail; sending again is safe.</summary>
    Refused,

    /// <summary>
    /// The last attempt ended without a readable answer (timeout, connection lost after the request left,
    /// hand-over cancelled by shutdown): the ESP may have the mail, and sending again may duplicate it.
    /// </summary>
    OutcomeUnknown,
}
