namespace SmimePipeline.Delivery.Ledger;

/// <summary>One mail's row in the delivery ledger.</summary>
/// <param name="MailId">The pipeline's mail id (the key).</param>
/// <param name="State">Handing to the ESP, or accepted.</param>
/// <param name="Provider">The transport that handled it (<see cref="IMailTransport.Name"/>).</param>
/// <param name="ProviderMessageId">The ESP's id (SparkPost transmission id) once accepted.</param>
/// <param name="Attempts">How many times a sender started handing it to the ESP.</param>
/// <param name="UpdatedAt">When the row last changed.</param>
public sealed record DeliveryLedgerEntry(
    Guid MailId,
    DeliveryLedgerState State,
    string Provider,
    string? ProviderMessageId,
    int Attempts,
    DateTimeOffset UpdatedAt);
