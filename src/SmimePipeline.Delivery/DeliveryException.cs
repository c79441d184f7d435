namespace SmimePipeline.Delivery;

/// <summary>
/// A delivery failed. The message never contains the mail's content, only the provider's answer.
/// </summary>
public sealed class DeliveryException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">Whether and when to retry.</param>
    /// <param name="provider">The transport's <see cref="IMailTransport.Name"/>.</param>
    /// <param name="providerResponse">The provider's answer (status code and text), if it gave one.</param>
    /// <param name="message">What failed, without any message content.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public DeliveryException(DeliveryFailureKind kind, string provider, string? providerResponse, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Provider = provider;
        ProviderResponse = providerResponse;
    }

    /// <summary>Whether and when to retry.</summary>
    public DeliveryFailureKind Kind { get; }

    /// <summary>The transport's <see cref="IMailTransport.Name"/>.</summary>
    public string Provider { get; }

    /// <summary>
    /// A machine-readable reason for dead-letter headers and <c>EmailDeliveryFailed</c> (e.g.
    /// <c>message-too-large</c>); null lets the sender derive one from <see cref="Kind"/>.
    /// </summary>
    public string? ReasonCode { get; init; }

    /// <summary>The provider's answer (status code and text), or null when it gave none (e.g. connection failure).</summary>
    public string? ProviderResponse { get; }
}
