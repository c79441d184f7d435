namespace SmimePipeline.Delivery;

/// <summary>Hands a protected mail to an email service provider (ESP), an SMTP relay or a directory.</summary>
public interface IMailTransport
{
    /// <summary>Short name of the transport ("pickup", "smtp"), used in receipts, logs and metrics.</summary>
    string Name { get; }

    /// <summary>
    /// Delivers <paramref name="mail"/>. Returns when the provider has accepted it for at least one
    /// recipient; recipients it refused are listed in the receipt.
    /// </summary>
    /// <exception cref="DeliveryException">
    /// The provider accepted the mail for no recipient, or could not be reached or used;
    /// <see cref="DeliveryException.Kind"/> says whether to retry.
    /// </exception>
    Task<DeliveryReceipt> SendAsync(OutgoingMail mail, CancellationToken cancellationToken);
}
