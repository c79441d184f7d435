using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Validation;

/// <summary>
/// A message from the bus was refused (<see cref="Refusal"/>); retrying cannot help. The consumers turn it
/// into a dead letter with its reason, an <c>EmailDeliveryFailed</c> event, one log line and a metric.
/// </summary>
public sealed class MailRefusedException : Exception, IHasReasonCode
{
    public MailRefusedException(MailRefusal refusal)
        : base((refusal ?? throw new ArgumentNullException(nameof(refusal))).Reason) => Refusal = refusal;

    public MailRefusedException()
        : this(new MailRefusal(MailRefusal.InvalidMessage, "The message was refused."))
    {
    }

    public MailRefusedException(string message)
        : this(new MailRefusal(MailRefusal.InvalidMessage, message))
    {
    }

    public MailRefusedException(string message, Exception innerException)
        : base(message, innerException) => Refusal = new MailRefusal(MailRefusal.InvalidMessage, message);

    /// <summary>The reason code and sentence.</summary>
    public MailRefusal Refusal { get; }

    /// <summary>Shorthand for <see cref="MailRefusal.ReasonCode"/>.</summary>
    public string ReasonCode => Refusal.ReasonCode;

    /// <summary>Always true: the same message would be refused again, so it is dead-lettered at once.</summary>
    public bool IsPermanent => true;
}
