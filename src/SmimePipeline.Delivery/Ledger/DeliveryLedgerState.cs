namespace SmimePipeline.Delivery.Ledger;

/// <summary>Where a mail stands with the ESP, as far as the ledger knows.</summary>
public enum DeliveryLedgerState
{
    /// <summary>A sender is handing the mail to the ESP (or crashed while doing so): the outcome is unknown.</summary>
    HandingToEsp,

    /// <summary>The ESP accepted the mail; it must never be sent again.</summary>
    Accepted,
}
