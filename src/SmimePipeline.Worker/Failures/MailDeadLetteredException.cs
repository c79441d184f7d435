using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Failures;

/// <summary>
/// Thrown by a signer after it has reported a mail as dead (event, log line, metric), or by a work queue's
/// <c>UnreportedFailureFilter</c> after it reported a failure nobody else did, so that MassTransit moves the message to
/// the endpoint's error queue (<c>smime-protect_error</c>, <c>smime-deliver_error</c>, …) without retrying it. It
/// carries no inner exception: MassTransit writes the innermost exception's message into the error
/// queue's <c>MT-Fault-Message</c> header, and that must be the reason, never text from the mail.
/// The message is <c>reason-code: reason</c>, which <c>smime dlq</c> reads back.
/// </summary>
public sealed class MailDeadLetteredException : Exception, IHasReasonCode
{
    /// <summary>Creates the exception for <paramref name="reason"/>.</summary>
    public MailDeadLetteredException(FailureReason reason)
        : base(FormatMessage(reason))
    {
        ReasonCode = reason.ReasonCode;
    }

    /// <summary>Creates the exception with the <c>unexpected-error</c> code.</summary>
    public MailDeadLetteredException()
        : this(new FailureReason(FailureReason.UnexpectedError, "The mail was dead-lettered.", IsPermanent: true))
    {
    }

    /// <summary>Creates the exception with the <c>unexpected-error</c> code and <paramref name="message"/> as the reason.</summary>
    public MailDeadLetteredException(string message)
        : this(new FailureReason(FailureReason.UnexpectedError, message, IsPermanent: true))
    {
    }

    /// <summary>Not supported with an inner exception: its message could reach the error queue. The inner exception is dropped.</summary>
    public MailDeadLetteredException(string message, Exception innerException)
        : this(message)
    {
        _ = innerException;
    }

    /// <inheritdoc />
    public string ReasonCode { get; }

    /// <summary>Always true: the mail has been reported dead and must not be retried.</summary>
    public bool IsPermanent => true;

    /// <summary>The text of <c>MT-Fault-Message</c>: <c>reason-code: reason</c>.</summary>
    public static string FormatMessage(FailureReason reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return $"{reason.ReasonCode}: {reason.Reason}";
    }
}
