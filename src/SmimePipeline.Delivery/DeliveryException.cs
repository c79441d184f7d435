using SmimePipeline.Contracts;

namespace SmimePipeline.Delivery;

/// <summary>
/// A delivery failed. The message never contains the mail's content, only the provider's answer.
/// </summary>
public sealed class DeliveryException : Exception, IHasReasonCode
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

    /// <summary>
    /// True when the provider may have accepted the mail although the call failed: no answer came
    /// (timeout, connection reset after the request was sent) or the answer could not be read. The
    /// sender then records the outcome as unknown, and a later attempt may produce a duplicate.
    /// False (the default) when the provider answered with a refusal or was never reached with the mail.
    /// </summary>
    public bool MayHaveBeenAccepted { get; init; }

    /// <summary>The <see cref="ReasonCode"/>, or one derived from <see cref="Kind"/> when none was given.</summary>
    public string EffectiveReasonCode => ReasonCode ?? Kind switch
    {
        DeliveryFailureKind.Configuration => "esp-configuration",
        DeliveryFailureKind.Quota => "esp-quota",
        DeliveryFailureKind.Transient => "esp-unavailable",
        _ => "esp-rejected",
    };

    string IHasReasonCode.ReasonCode => EffectiveReasonCode;

    bool IHasReasonCode.IsPermanent => Kind == DeliveryFailureKind.Permanent;
}
