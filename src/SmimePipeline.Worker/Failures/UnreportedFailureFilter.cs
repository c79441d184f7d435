using System.Globalization;
using MassTransit;
using MassTransit.Configuration;
using Microsoft.Extensions.Options;
using SmimePipeline.CertificateDirectory.Dkim;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Messaging;
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
/// It also stops a message the broker has delivered <c>RabbitMq:DeliveryLimit</c> times before (<see cref="DeliveryLimit"/>):
/// reported as <c>delivery-limit</c> and moved to the error queue without running its consumer again; at <c>smime-deliver</c>,
/// a mail the ledger records as accepted is reported as delivered with its event missing instead
/// (<see cref="DeliveredEventRefused"/>: the broker refusing <c>EmailDelivered</c> closes the consume's channel, so the
/// message comes back until the limit).
/// Each failure is reported once (<see cref="FailureReport"/>): when a reporter inside marked it and its event's publish
/// failed, the filter logs only that and dead-letters the message with the reason already reported, or, when the reporter had
/// put it into a dead-letter queue itself (the sender's <c>smime-deliver-dead</c>), acknowledges it.
/// </summary>
public sealed partial class UnreportedFailureFilter(
    string stage,
    int deliveryLimit,
    IDeliveryLedger? ledger,
    MailEventPublisher events,
    SmimeTelemetry telemetry,
    TimeProvider time,
    ILogger<UnreportedFailureFilter> logger)
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

        var options = services.GetRequiredService<IOptions<SmimePipelineOptions>>().Value;
        var logger = services.GetRequiredService<ILogger<UnreportedFailureFilter>>();
        if (options.Transport == TransportKind.RabbitMq && !options.RabbitMq.QuorumQueues && options.RabbitMq.DeliveryLimit > 0)
        {
            // Only quorum queues count deliveries (x-delivery-count): on a classic queue the limit never fires, and a message
            // whose tries keep ending unacknowledged comes back without end. Said once per work queue at start (session 15).
            DeliveryLimitInactive(logger, options.RabbitMq.DeliveryLimit, queueName);
        }

        var filter = new UnreportedFailureFilter(
            stage,
            options.RabbitMq.DeliveryLimit,
            stage == Deliver ? services.GetService<IDeliveryLedger>() : null,
            services.GetRequiredService<MailEventPublisher>(),
            services.GetRequiredService<SmimeTelemetry>(),
            services.GetRequiredService<TimeProvider>(),
            logger);
        // A pre-pipe specification runs before the pipe splits by message type, so outside every consumer's retries.
        endpoint.AddPrePipeSpecification(new Specification(filter));
    }

    /// <inheritdoc />
    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var report = FailureReport.Of(context);
        if (deliveryLimit > 0 && DeliveryLimit.CountOf(context) is { } previous && previous >= deliveryLimit)
        {
            // Delivered this often, the message's tries end neither acknowledged nor routed (the broker refusing the ladder's
            // or the dead-letter queue's sends, a worker dying on it): its consumer is not run again (no ESP call, no
            // protection), and MassTransit moves it to the error queue.
            await StopAtDeliveryLimitAsync(context, previous);
        }

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
                Log.FailureEventNotPublished(logger, mailId, stage, reported.ReasonCode, e.GetType().Name);
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
            await TryPublishFailedAsync(context, mailId, reason);
            throw new MailDeadLetteredException(reason);
        }
    }

    /// <summary>
    /// Reports the message of <paramref name="context"/> at the delivery limit and throws <see cref="MailDeadLetteredException"/>
    /// for MassTransit's error queue. Reported at the delivery that reaches the limit; a later one (the error queue refused
    /// it too, until the broker's own <c>delivery-limit</c> policy parks it) is stopped the same way without a second report.
    /// The event's publish is bounded and may be refused like the rest: that is one more line (1018), and the message still
    /// goes to the error queue.
    /// </summary>
    private async Task StopAtDeliveryLimitAsync(ConsumeContext context, long previous)
    {
        if (await AcceptedAsync(context) is { } accepted)
        {
            // Delivered, and its tries kept ending unacknowledged: what the broker refusing EmailDelivered does. Not a failure.
            var delivered = DeliveredEventRefused.Reason(
                accepted,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the message came back {previous + 1} times at {stage} (RabbitMq:DeliveryLimit {deliveryLimit}), each try ending unacknowledged: the broker refusing the event closes the consume's channel."));
            throw previous == deliveryLimit
                ? DeliveredEventRefused.Report(context, accepted.MailId, stage, delivered, telemetry, logger)
                : new MailDeadLetteredException(delivered);
        }

        var reason = DeliveryLimit.Reason(stage, previous, deliveryLimit);
        if (previous == deliveryLimit && FailureReport.TryMark(context, reason))
        {
            var mailId = FailedMessageId.Of(context);
            telemetry.RecordDeadLetter(stage, reason.ReasonCode);
            Log.MailDeadLettered(logger, mailId, stage, reason.ReasonCode, reason.Reason);
            await TryPublishFailedAsync(context, mailId, reason);
        }

        throw new MailDeadLetteredException(reason);
    }

    // The ledger's entry of smime-deliver's mail when it records the mail accepted; null elsewhere, and when it cannot be
    // read (then the mail is reported at the limit as any other, with a warning that says why it could not be told apart).
    private async Task<DeliveryLedgerEntry?> AcceptedAsync(ConsumeContext context)
    {
        if (ledger is null)
        {
            return null;
        }

        var mailId = FailedMessageId.Of(context);
        try
        {
            return await ledger.FindAsync(mailId, context.CancellationToken) is { State: DeliveryLedgerState.Accepted } entry ? entry : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException && !context.CancellationToken.IsCancellationRequested)
        {
            LedgerNotRead(logger, mailId, stage, e.GetType().Name);
            return null;
        }
    }

    /// <summary>
    /// Publishes the event of a failure the filter has just reported (line, metric). When the broker does not take it (or
    /// anything else fails the publish), that is line 1018, and the message still goes to the error queue with the reason
    /// reported, not the publish's exception: session 16's audit found the unreported path letting
    /// <see cref="BrokerSendRefusedException"/> out here, into <c>MT-Fault-Message</c>, without the line (session 17).
    /// </summary>
    private async Task TryPublishFailedAsync(ConsumeContext context, Guid mailId, FailureReason reason)
    {
        try
        {
            await PublishFailedAsync(context, mailId, reason);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !context.CancellationToken.IsCancellationRequested)
        {
            Log.FailureEventNotPublished(logger, mailId, stage, reason.ReasonCode, e.GetType().Name);
        }
    }

    private async Task PublishFailedAsync(ConsumeContext context, Guid mailId, FailureReason reason)
    {
        if (stage == Harvest)
        {
            // No mail, so no event.
            return;
        }

        // On the bus's channel (MailEventPublisher): a refusal that closed the consume's would bring the message back, to be
        // reported again at each delivery until the delivery limit (session 19).
        await events.PublishAsync(
            context,
            new EmailDeliveryFailed
            {
                MailId = mailId,
                Stage = stage == Deliver ? FailureStage.Deliver : FailureStage.Protect,
                ReasonCode = reason.ReasonCode,
                Reason = reason.Reason,
                FailedAt = time.GetUtcNow(),
            });
    }

    /// <inheritdoc />
    public void Probe(ProbeContext context) => context?.CreateFilterScope("unreported-failures");

    /// <summary>
    /// Whether whoever threw <paramref name="exception"/> reported the failure already: a mail dead-lettered by a signer,
    /// a harvest request refused by the harvest consumer (which logs and counts its refusals).
    /// </summary>
    private bool Reported(Exception exception) => exception is MailDeadLetteredException
        || (stage == Harvest && exception is MailRefusedException or InboundMailRefusedException or ProtectionRefusedException);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "RabbitMq:DeliveryLimit ({Limit}) does nothing on {Queue}: RabbitMq:QuorumQueues is off, and a classic queue does not count deliveries (x-delivery-count), so a message whose tries keep ending unacknowledged comes back without end")]
    private static partial void DeliveryLimitInactive(ILogger logger, int limit, string queue);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Warning, Message = "Mail {MailId} at {Stage} reached RabbitMq:DeliveryLimit; the delivery ledger could not be read ({ExceptionType}) to tell whether the ESP has it")]
    private static partial void LedgerNotRead(ILogger logger, Guid mailId, string stage, string exceptionType);


    /// <summary>Adds the filter to a consume pipe.</summary>
    private sealed class Specification(UnreportedFailureFilter filter) : IPipeSpecification<ConsumeContext>
    {
        public void Apply(IPipeBuilder<ConsumeContext> builder) => builder?.AddFilter(filter);

        public IEnumerable<ValidationResult> Validate() => [];
    }
}
