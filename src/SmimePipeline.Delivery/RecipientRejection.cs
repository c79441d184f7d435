namespace SmimePipeline.Delivery;

/// <summary>One envelope recipient the provider refused while accepting the mail for others.</summary>
/// <param name="Recipient">The refused address.</param>
/// <param name="Kind">Whether retrying this recipient later may succeed.</param>
/// <param name="ProviderResponse">The provider's answer (status code and text).</param>
public sealed record RecipientRejection(string Recipient, DeliveryFailureKind Kind, string ProviderResponse);
