using System.Globalization;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// The report of a mail the signer protected and sent on its way (its <see cref="DeliverEmail"/> confirmed on
/// <c>smime-deliver</c>, or its delivery attempt in the signer's process done) whose <see cref="EmailProtected"/> the broker
/// would not take (a nack, no confirm within <c>RabbitMq:SendTimeout</c>). The mail is not a failure: it is with the sender
/// role, or delivered. So it is reported as what it is — reason code <see cref="ReasonCode"/>, one error line that says the
/// mail went on (1021, never "dead-lettered"), <c>smime_dead_letters_total{stage="protect",reason="protected-event-refused"}</c>
/// — and no <see cref="EmailDeliveryFailed"/>: a user reading a failure would send the mail again. The command goes to
/// <c>smime-protect_error</c> at once (<see cref="MailDeadLetteredException"/>, no short retry: each one would protect the
/// mail and hand it over again), with <c>MT-Fault-Message</c> <c>protected-event-refused: Protected and …</c>. Session 17;
/// before, the handler's short retries protected and handed over the mail again each time and the last one reported it
/// failed at protect (<c>broker-refused</c>, with <see cref="EmailDeliveryFailed"/>) though the sender had it.
/// </summary>
public static partial class ProtectedEventRefused
{
    /// <summary>The reason code of a protected mail whose event the broker would not take.</summary>
    public const string ReasonCode = "protected-event-refused";

    /// <summary>
    /// Reports the mail of <paramref name="context"/> once (marks its <see cref="FailureReport"/>, counts, writes the line) and
    /// returns the exception that moves the command to <c>smime-protect_error</c> without a retry.
    /// </summary>
    /// <param name="context">The protect command's consume context.</param>
    /// <param name="mailId">The mail.</param>
    /// <param name="where">Where the mail went: "handed to the sender role on smime-deliver", "delivered in the signer's process", ….</param>
    /// <param name="refused">The broker's refusal of the event.</param>
    /// <param name="telemetry">The metric.</param>
    /// <param name="logger">The line.</param>
    public static MailDeadLetteredException Report(
        ConsumeContext context, Guid mailId, string where, BrokerSendRefusedException refused, SmimeTelemetry telemetry, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(refused);
        ArgumentNullException.ThrowIfNull(telemetry);
        var reason = new FailureReason(
            ReasonCode,
            string.Create(
                CultureInfo.InvariantCulture,
                $"Protected and {where}: only its EmailProtected event is missing: {refused.Message} Do not send it again; smime dlq requeue protects it again and publishes the event, and the sender's delivery ledger keeps it from reaching the ESP twice."),
            IsPermanent: true);
        if (FailureReport.TryMark(context, reason))
        {
            telemetry.RecordDeadLetter(UnreportedFailureFilter.Protect, reason.ReasonCode);
            ProtectedButEventRefused(logger, mailId, UnreportedFailureFilter.Protect, reason.ReasonCode, reason.Reason);
        }

        return new MailDeadLetteredException(reason);
    }

    [LoggerMessage(EventId = 1021, Level = LogLevel.Error, Message = "Mail {MailId} was protected and sent on, but RabbitMQ did not take its EmailProtected event; kept in the error queue at {Stage}: {ReasonCode}: {Reason}")]
    private static partial void ProtectedButEventRefused(ILogger logger, Guid mailId, string stage, string reasonCode, string reason);
}
