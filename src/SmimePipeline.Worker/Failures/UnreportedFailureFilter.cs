using MassTransit;
using MassTransit.Configuration;
using SmimePipeline.CertificateDirectory.Dkim;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Failures;

/// <summary>
/// The last net of a work queue's endpoint (<c>smime-protect</c>, <c>smime-protect-large</c>, <c>smime-deliver</c>,
/// <c>smime-harvest</c>): it sits outside every retry of every consumer there, so an exception that reaches it has had all
/// its tries and is about to take the message to the queue's <c>_error</c> queue. If nobody reported that failure (a
/// PKCS#11 token that stayed away through its retry, the broker refusing the retry ladder's send, a harvest whose DNS or
/// directory stayed down, a bug), it is reported here as every failure is: its reason (<see cref="FailureReason"/>: the
/// exception's code, or <c>unexpected-error</c> naming only its type), <c>smime_dead_letters_total{stage,reason}</c>, one
/// error log line and, for mail, <see cref="EmailDeliveryFailed"/>; then <see cref="MailDeadLetteredException"/> carries
/// <c>code: reason</c> into the error queue's <c>MT-Fault-Message</c> for <c>smime dlq</c>. One filter per endpoint, not a
/// check per consumer: it does not need to know any retry policy, only that it is outside all of them.
/// A consume cancelled because the bus is stopping is not a failure (the message comes back) and passes untouched.
/// Each failure is reported once (<see cref="FailureReport"/>): when a reporter inside marked it and its event's publish
/// failed, the filter logs only that and dead-letters the message with the reason already reported, or, when the reporter had
/// put it into a dead-letter queue itself (the sender's <c>smime-deliver-dead</c>), acknowledges it.
/// </summary>
public sealed partial class UnreportedFailureFilter(string stage, SmimeTelemetry telemetry, TimeProvider time, ILogger<UnreportedFailureFilter> logger)
    : IFilter<ConsumeContext>
{
    /// <summary>The stage of <c>smime-protect</c> and <c>smime-protect-large</c>.</summary>
    public const string Protect = "protect";

    /// <summary>The stage of <c>smime-deliver</c>.</summary>
    public const string Deliver = "deliver";

    /// <summary>The stage of <c>smime-harvest</c>.</summary>
    public const string Harvest = "harvest";

    /// <summary>
    /// Puts the filter of <paramref name="queueName"/>'s stage in front of everything else on <paramref name="endpoint"/>'s
    /// consume pipe; does nothing for a queue that is not one of the pipeline's work queues.
    /// </summary>
    public static void Apply(IReceiveEndpointConfigurator endpoint, string queueName, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(services);
        string? stage = queueName switch
        {
            QueueNames.Protect or QueueNames.ProtectLarge => Protect,
            QueueNames.Deliver => Deliver,
            QueueNames.Harvest => Harvest,
            _ => null,
        };
        if (stage is null)
        {
            return;
        }

        var filter = new UnreportedFailureFilter(
            stage,
            services.GetRequiredService<SmimeTelemetry>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<UnreportedFailureFilter>>());
        // A pre-pipe specification runs before the pipe splits by message type, so outside every consumer's retries.
        endpoint.AddPrePipeSpecification(new Specification(filter));
    }

    /// <inheritdoc />
    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var report = FailureReport.Of(context);
        try
        {
            await next.Send(context);
        }
        catch (Exception e) when (!Reported(e) && e is not OutOfMemoryException && !context.CancellationToken.IsCancellationRequested)
        {
            var mailId = FailedMessageId.Of(context);
            if (report.Reason is { } reported)
            {
                // Reported inside (log line, metric), and then the event's publish failed: that is all there is left to say.
                EventNotPublished(logger, mailId, stage, reported.ReasonCode, e.GetType().Name);
                if (report.DeadLetterEvent is not null)
                {
                    // Already in the reporter's dead-letter queue (smime-deliver-dead, confirmed): acknowledged, not a second entry.
                    return;
                }

                throw new MailDeadLetteredException(reported);
            }

            var reason = FailureReason.Of(e);
            FailureReport.TryMark(context, reason);
            telemetry.RecordDeadLetter(stage, reason.ReasonCode);
            Log.MailDeadLettered(logger, mailId, stage, reason.ReasonCode, reason.Reason);
            if (stage != Harvest)
            {
                await context.Publish(
                    new EmailDeliveryFailed
                    {
                        MailId = mailId,
                        Stage = stage == Deliver ? FailureStage.Deliver : FailureStage.Protect,
                        ReasonCode = reason.ReasonCode,
                        Reason = reason.Reason,
                        FailedAt = time.GetUtcNow(),
                    },
                    context.CancellationToken);
            }

            throw new MailDeadLetteredException(reason);
        }
    }

    /// <inheritdoc />
    public void Probe(ProbeContext context) => context?.CreateFilterScope("unreported-failures");

    /// <summary>
    /// Whether whoever threw <paramref name="exception"/> reported the failure already: a mail dead-lettered by a signer,
    /// a harvest request refused by the harvest consumer (which logs and counts its refusals).
    /// </summary>
    private bool Reported(Exception exception) => exception is MailDeadLetteredException
        || (stage == Harvest && exception is MailRefusedException or InboundMailRefusedException or ProtectionRefusedException);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Error, Message = "Mail {MailId} dead-lettered at {Stage} as {ReasonCode} (reported above), but its EmailDeliveryFailed event could not be published ({ExceptionType})")]
    private static partial void EventNotPublished(ILogger logger, Guid mailId, string stage, string reasonCode, string exceptionType);

    /// <summary>Adds the filter to a consume pipe.</summary>
    private sealed class Specification(UnreportedFailureFilter filter) : IPipeSpecification<ConsumeContext>
    {
        public void Apply(IPipeBuilder<ConsumeContext> builder) => builder?.AddFilter(filter);

        public IEnumerable<ValidationResult> Validate() => [];
    }
}
