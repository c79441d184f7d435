namespace SmimePipeline.Delivery;

/// <summary>What the provider answered when it accepted a mail.</summary>
/// <param name="Provider">The transport's <see cref="IMailTransport.Name"/>.</param>
/// <param name="ProviderMessageId">The provider's id for the accepted mail, when it gives one.</param>
/// <param name="AcceptedRecipients">Envelope recipients the provider accepted (at least one).</param>
/// <param name="Rejected">Envelope recipients the provider refused; empty when all were accepted.</param>
public sealed record DeliveryReceipt(
    string Provider,
    string? ProviderMessageId,
    IReadOnlyList<string> AcceptedRecipients,
    IReadOnlyList<RecipientRejection> Rejected);
