using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Messaging;

/// <summary>
/// A send or publish of the worker's own that RabbitMQ did not take: not confirmed within <c>RabbitMq:SendTimeout</c>
/// (write permission withheld: <c>ACCESS_REFUSED</c>, which MassTransit 8.5 retries for hours unless the send's token ends
/// it), or refused with a nack (<c>x-overflow reject-publish</c> at a queue's length limit). Reason code
/// <see cref="Code"/>; transient unless its thrower says otherwise (<see cref="IsPermanent"/>). The message names what was sent and where, never
/// the mail. Thrown by <see cref="BoundedBrokerSend"/>.
/// </summary>
public sealed class BrokerSendRefusedException : Exception, IHasReasonCode
{
    /// <summary>The reason code of a send the broker did not take.</summary>
    public const string Code = "broker-refused";

    /// <summary>Creates the exception for <paramref name="message"/>.</summary>
    public BrokerSendRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception for <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public BrokerSendRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a general message.</summary>
    public BrokerSendRefusedException()
        : this("RabbitMQ did not take a send of the worker.")
    {
    }

    /// <inheritdoc />
    public string ReasonCode => Code;

    /// <summary>
    /// False by default: a later try may find the broker taking it. True when the thrower decided the message is not to be
    /// tried again in this delivery (the sender, when the broker refused the mail's copy for a rung or the dead-letter queue):
    /// MassTransit's short retries skip it and the endpoint's filter reports it.
    /// </summary>
    public bool IsPermanent { get; init; }
}
