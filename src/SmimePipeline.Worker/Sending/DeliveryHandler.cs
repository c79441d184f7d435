using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// One delivery attempt of one mail, and what happens after it:
/// <list type="number">
/// <item>ledger: a mail already accepted by the ESP is acknowledged without sending (redelivery after a crash
/// or a broker blink); a mail another sender is handing over right now is waited for, not sent again;</item>
/// <item>the hand-over: a ledger claim, the ESP call, and the ESP's answer in the ledger before anything else
/// ("accepted (ESP id)", "refused" or "outcome unknown"), then <see cref="EmailDelivered"/>. The hand-over runs on
/// its own deadline (<see cref="HandOverDeadline"/>), never on the message's token, so a broker connection that
/// drops meanwhile does not abandon a request the ESP may already have accepted;</item>
/// <item>transient failure: a few in-process retries (<see cref="SenderOptions.ImmediateRetries"/>), then the
/// next step of the retry ladder, or the dead-letter queue after the last step;</item>
/// <item>permanent failure: the dead-letter queue at once;</item>
/// <item>ESP down for everyone or misconfigured: the circuit breaker pauses consumption and the mail is held
/// in the first rung without counting an attempt;</item>
/// <item>anything else thrown (the ledger unreachable, a claim check refused, a bug): after MassTransit's short
/// retries (<see cref="UnexpectedFailureRetry"/>) the ladder, or at once the dead-letter queue when the exception
/// says the failure is permanent (<see cref="IHasReasonCode"/>).</item>
/// </list>
/// Dead-lettered mail publishes <see cref="EmailDeliveryFailed"/>, logs one error line and counts
/// <c>smime_dead_letters_total</c>. Every hand-off to a queue is confirmed by the broker before the original
/// is acknowledged, so no path loses a mail.
/// </summary>
public sealed class DeliveryHandler
{
    private static readonly TimeSpan ClaimPollInterval = TimeSpan.FromMilliseconds(200);

    private readonly IMailTransport _transport;
    private readonly IDeliveryLedger _ledger;
    private readonly IRetryLadder _ladder;
    private readonly MailEventPublisher _events;
    private readonly EspCircuitBreaker _breaker;
    private readonly SmimeTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<TimeSpan> _immediateRetries;
    private readonly HandOverDeadline _deadline;
    private readonly ILogger<DeliveryHandler> _logger;

    public DeliveryHandler(
        IMailTransport transport,
        IDeliveryLedger ledger,
        IRetryLadder ladder,
        MailEventPublisher events,
        EspCircuitBreaker breaker,
        SmimeTelemetry telemetry,
        TimeProvider time,
        IOptions<SmimePipelineOptions> options,
        HandOverDeadline deadline,
        ILogger<DeliveryHandler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _transport = transport;
        _ledger = ledger;
        _ladder = ladder;
        _events = events;
        _breaker = breaker;
        _telemetry = telemetry;
        _time = time;
        _immediateRetries = DurationList.Parse(options.Value.Sender.ImmediateRetries);
        _deadline = deadline;
        _logger = logger;
    }

    /// <summary>
    /// Delivers the mail of <paramref name="context"/> whose protected bytes <paramref name="loadContent"/>
    /// returns (from the message or its claim check), routing every failure of either step.
    /// </summary>
    /// <returns>
    /// True when the mail ends this attempt accepted by the ESP as the ledger records it, an acceptance no later write
    /// changes: this attempt handed it over, or its ledger claim found it accepted by an earlier attempt or by another
    /// sender. False when the mail was routed to the retry ladder or the dead-letter queue instead; the ledger may yet
    /// come to show it accepted, by another copy of the same mail. A failure that MassTransit's own retries are to see
    /// again is thrown, not returned.
    /// </returns>
    public async Task<bool> DeliverAsync(ConsumeContext<DeliverEmail> context, Func<CancellationToken, Task<ReadOnlyMemory<byte>>> loadContent)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(loadContent);
        try
        {
            ReadOnlyMemory<byte> content;
            try
            {
                content = await loadContent(context.CancellationToken);
            }
            catch (MailRefusedException missing) when (missing.ReasonCode == MailRefusal.ClaimMissing)
            {
                // A claim is deleted once its mail is accepted. A copy redelivered after a sender handed the mail over,
                // deleted the claim and stopped before its ack finds the claim gone: the ledger tells that copy (already
                // delivered, acknowledged as a duplicate) from a claim that never existed or was swept (dead-lettered).
                if (await _ledger.FindAsync(context.Message.MailId, context.CancellationToken) is { State: DeliveryLedgerState.Accepted } accepted)
                {
                    await AcknowledgeAcceptedAsync(context, accepted);
                    return true;
                }

                throw;
            }

            return await DeliverCoreAsync(context, content);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not BrokerSendRefusedException { IsPermanent: true } and not MailDeadLetteredException && !context.CancellationToken.IsCancellationRequested)
        {
            // A broker blink cancels the context: not the mail's failure, the message comes back by itself. A mail this
            // attempt put into smime-deliver-dead is not routed again whatever failed after that (its event's publish), nor
            // one whose routing the broker refused (RouteFailureAsync): the endpoint's filter reports that. Nor a delivered
            // mail whose EmailDelivered the broker refused through every try (PublishDeliveredAsync): reported already.
            if (FailureReport.DeadLetterEventOf(context) is not null)
            {
                throw;
            }

            var reason = FailureReason.Of(e);
            if (!reason.IsPermanent && !UnexpectedFailureRetry.IsLastAttempt(context))
            {
                throw;
            }

            var failure = new DeliveryException(
                reason.IsPermanent ? DeliveryFailureKind.Permanent : DeliveryFailureKind.Transient, _transport.Name, null, reason.Reason)
            {
                ReasonCode = reason.ReasonCode,
            };
            await RouteFailureAsync(context, failure, countsForBreaker: false);
            return false;
        }
    }

    /// <summary>Delivers the mail of <paramref name="context"/> whose protected bytes are <paramref name="content"/>.</summary>
    /// <returns>Whether the mail ends this attempt accepted by the ESP, as for the overload that loads the content.</returns>
    public Task<bool> DeliverAsync(ConsumeContext<DeliverEmail> context, ReadOnlyMemory<byte> content)
        => DeliverAsync(context, _ => Task.FromResult(content));

    /// <returns>True when the mail is accepted (now or before), false when it was routed to the ladder or the DLQ.</returns>
    private async Task<bool> DeliverCoreAsync(ConsumeContext<DeliverEmail> context, ReadOnlyMemory<byte> content)
    {
        var mail = context.Message;
        var started = _time.GetTimestamp();
        using var activity = SmimeTelemetry.ActivitySource.StartActivity("smime deliver");
        activity?.SetTag("smime.mail_id", mail.MailId);
        activity?.SetTag("smime.provider", _transport.Name);

        var outgoing = new OutgoingMail(mail.MailId, mail.EnvelopeFrom, mail.EnvelopeTo, content);
        for (var retry = 0; ; retry++)
        {
            // No read before the claim: the claim reads the entry itself, in the same round trip.
            var claim = await ClaimHandOverAsync(context);
            if (!claim.Claimed)
            {
                // Accepted before (a redelivery after a crash or a broker blink), or by another sender meanwhile.
                await AcknowledgeAcceptedAsync(context, claim.Previous);
                return true;
            }

            if (retry == 0)
            {
                ExplainPreviousAttempt(mail.MailId, claim.Previous);
            }

            DeliveryReceipt receipt;
            try
            {
                receipt = await HandOverAsync(outgoing);
            }
            catch (DeliveryException failure)
            {
                Log.DeliveryAttemptFailed(_logger, mail.MailId, failure.Kind.ToString(), failure.Provider, failure.ProviderResponse);
                var retryable = failure.Kind is DeliveryFailureKind.Transient or DeliveryFailureKind.Quota;
                if (retryable && retry < _immediateRetries.Count && !_breaker.IsOpen)
                {
                    await Task.Delay(_immediateRetries[retry], _time, context.CancellationToken);
                    continue;
                }

                activity?.SetStatus(ActivityStatusCode.Error, failure.Kind.ToString());
                await RouteFailureAsync(context, failure, countsForBreaker: true);
                return false;
            }

            _breaker.RecordSuccess(receipt.Provider);
            activity?.SetTag("smime.provider_message_id", receipt.ProviderMessageId);
            foreach (var rejection in receipt.Rejected)
            {
                SenderLog.PartiallyAccepted(_logger, mail.MailId, rejection.Recipient, rejection.ProviderResponse);
            }

            // Delivered from here on, whatever happens to its event: counted and logged before the publish (session 15; a
            // refused EmailDelivered had left a delivered mail out of smime_delivered_total).
            var deliveredAt = _time.GetUtcNow();
            _telemetry.RecordDelivered(receipt.Provider, _time.GetElapsedTime(started));
            Log.MailDelivered(_logger, mail.MailId, receipt.Provider, receipt.ProviderMessageId);
            await PublishDeliveredAsync(
                context,
                new DeliveryLedgerEntry(mail.MailId, DeliveryLedgerState.Accepted, receipt.Provider, receipt.ProviderMessageId, 0, deliveredAt),
                receipt.AcceptedRecipients);
            return true;
        }
    }

    /// <summary>
    /// Calls the ESP and writes its answer into the ledger before anything else happens. Runs on the
    /// hand-over's own deadline; the ledger writes that record the answer are not cancelled by it (the "accepted" record
    /// has its own bounded retry, <see cref="AcceptedRecordRetry"/>).
    /// </summary>
    private async Task<DeliveryReceipt> HandOverAsync(OutgoingMail outgoing)
    {
        using var handOver = _deadline.Start();
        DeliveryReceipt receipt;
        try
        {
            receipt = await _transport.SendAsync(outgoing, handOver.Token);
        }
        catch (DeliveryException failure)
        {
            var outcome = failure.MayHaveBeenAccepted ? DeliveryLedgerState.OutcomeUnknown : DeliveryLedgerState.Refused;
            await _ledger.RecordNotAcceptedAsync(outgoing.MailId, _transport.Name, outcome, _time.GetUtcNow(), CancellationToken.None);
            throw;
        }
        catch (OperationCanceledException e) when (handOver.IsCancellationRequested)
        {
            await _ledger.RecordNotAcceptedAsync(outgoing.MailId, _transport.Name, DeliveryLedgerState.OutcomeUnknown, _time.GetUtcNow(), CancellationToken.None);
            if (_deadline.GraceExpired)
            {
                // The host's grace period is over: leave the mail unacknowledged, the broker gives it to another sender.
                SenderLog.HandOverCancelledByShutdown(_logger, outgoing.MailId, _transport.Name);
                throw;
            }

            throw new DeliveryException(
                DeliveryFailureKind.Transient, _transport.Name, null, $"The hand-over to {_transport.Name} took longer than {_deadline.Limit.TotalSeconds:F0} s.", e)
            {
                ReasonCode = "esp-timeout",
                MayHaveBeenAccepted = true,
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever escaped the transport: the ESP may have the mail, and the claim must not block the next attempt.
            await _ledger.RecordNotAcceptedAsync(outgoing.MailId, _transport.Name, DeliveryLedgerState.OutcomeUnknown, _time.GetUtcNow(), CancellationToken.None);
            throw;
        }

        var answered = _time.GetTimestamp();
        // Written before anything else can fail or wait: this closes the duplicate window as far as the ledger allows. A
        // failed write is tried again in place (AcceptedRecordRetry); if it never succeeds, the mail still counts as accepted.
        if (await AcceptedRecordRetry.RecordAsync(_ledger, outgoing.MailId, receipt, _time, _logger))
        {
            _telemetry.RecordAcceptedRecordLag(receipt.Provider, _time.GetElapsedTime(answered));
        }
        else
        {
            _telemetry.RecordAcceptedNotRecorded(receipt.Provider);
        }

        return receipt;
    }

    /// <summary>
    /// Claims the hand-over in the ledger. While another sender holds a fresh claim on the same mail (a copy
    /// redelivered after a broker blink while the first hand-over is still running), waits for it to finish.
    /// </summary>
    /// <returns>Claimed, with the entry the previous attempt left; or not claimed because the mail is accepted.</returns>
    private async Task<HandOverClaim> ClaimHandOverAsync(ConsumeContext<DeliverEmail> context)
    {
        var mailId = context.Message.MailId;
        var waiting = false;
        while (true)
        {
            var now = _time.GetUtcNow();
            var claim = await _ledger.ClaimHandOverAsync(mailId, _transport.Name, now, now - _deadline.Limit, context.CancellationToken);
            if (claim.Claimed || claim.Previous is { State: DeliveryLedgerState.Accepted })
            {
                return claim;
            }

            if (!waiting)
            {
                waiting = true;
                SenderLog.WaitingForOtherHandOver(_logger, mailId, claim.Previous?.Provider ?? _transport.Name);
            }

            await Task.Delay(ClaimPollInterval, _time, context.CancellationToken);
        }
    }

    private void ExplainPreviousAttempt(Guid mailId, DeliveryLedgerEntry? known)
    {
        switch (known)
        {
            case { State: DeliveryLedgerState.OutcomeUnknown }:
                SenderLog.ResendingAfterUnknownOutcome(_logger, mailId, known.Provider, known.Attempts);
                break;
            case { State: DeliveryLedgerState.HandingToEsp } when known.UpdatedAt < _time.GetUtcNow() - _deadline.Limit:
                // The one window that cannot be closed: the ESP may have accepted it before that sender stopped.
                SenderLog.ResendingAfterSenderStopped(_logger, mailId, known.Provider, known.Attempts);
                break;
            case { State: DeliveryLedgerState.Refused }:
                SenderLog.RetryingAfterRefusal(_logger, mailId, known.Provider, known.Attempts);
                break;
        }
    }

    private async Task AcknowledgeAcceptedAsync(ConsumeContext<DeliverEmail> context, DeliveryLedgerEntry? known)
    {
        var provider = known?.Provider ?? _transport.Name;
        _telemetry.RecordDuplicateSuppressed(provider);
        SenderLog.AlreadyAccepted(_logger, context.Message.MailId, provider, known?.ProviderMessageId);
        // The event may not have gone out before the crash or blink: events are at-least-once anyway.
        await PublishDeliveredAsync(
            context,
            known ?? new DeliveryLedgerEntry(context.Message.MailId, DeliveryLedgerState.Accepted, provider, null, 0, _time.GetUtcNow()),
            context.Message.EnvelopeTo);
    }

    /// <summary>
    /// Routes the failed mail of <paramref name="context"/> (<see cref="RouteToQueuesAsync"/>). When the broker refuses the
    /// copy for the rung or the dead-letter queue (a nack at a length limit, a send not confirmed in time), the mail is not
    /// handed to the ESP again in this delivery: the refusal is thrown as permanent, naming the mail's own failure, and the
    /// endpoint's filter reports it (<c>broker-refused</c>) and has MassTransit move it to <c>smime-deliver_error</c>, where
    /// <c>smime dlq requeue</c> gives it back. Before, each of MassTransit's short retries called the ESP again first.
    /// </summary>
    private async Task RouteFailureAsync(ConsumeContext<DeliverEmail> context, DeliveryException failure, bool countsForBreaker)
    {
        try
        {
            await RouteToQueuesAsync(context, failure, countsForBreaker);
        }
        catch (BrokerSendRefusedException refused) when (!context.CancellationToken.IsCancellationRequested && FailureReport.DeadLetterEventOf(context) is null)
        {
            // Only the rung's or the dead-letter queue's send: a mail already in smime-deliver-dead is marked before its event.
            throw new BrokerSendRefusedException(
                $"{refused.Message} It was to go there after {failure.EffectiveReasonCode}: {failure.Message} Not handed to the ESP again in this delivery.",
                refused)
            {
                IsPermanent = true,
            };
        }
    }

    private async Task RouteToQueuesAsync(ConsumeContext<DeliverEmail> context, DeliveryException failure, bool countsForBreaker)
    {
        var mail = context.Message;
        var previousAttempts = SenderMessageHeaders.ReadAttempts(context);
        var history = SenderMessageHeaders.ReadFailedAt(context);
        switch (failure.Kind)
        {
            case DeliveryFailureKind.Configuration:
                // Not the mail's fault: keep it (held in the first rung, attempt not counted) and stop consuming.
                _breaker.TripForConfiguration(failure);
                await _ladder.ScheduleAsync(context, 1, previousAttempts, history);
                return;

            case DeliveryFailureKind.Transient when countsForBreaker && _breaker.RecordTransientFailure(failure):
                SenderLog.HeldWhileBreakerOpen(_logger, mail.MailId, failure.Provider);
                await _ladder.ScheduleAsync(context, 1, previousAttempts, history);
                return;

            case DeliveryFailureKind.Quota:
                // Quota resets on the ESP's clock: wait on the longest step; it is not the mail's fault, so no attempt is counted.
                await _ladder.ScheduleAsync(context, _ladder.Schedule.Count, previousAttempts, SenderMessageHeaders.AppendFailedAt(history, _time.GetUtcNow()));
                return;
        }

        var attempts = previousAttempts + 1;
        history = SenderMessageHeaders.AppendFailedAt(history, _time.GetUtcNow());
        if (failure.Kind == DeliveryFailureKind.Transient && attempts <= _ladder.Schedule.Count)
        {
            _telemetry.RecordRetryScheduled(failure.Provider, attempts);
            SenderLog.RetryScheduled(_logger, mail.MailId, attempts, _ladder.Schedule[attempts - 1]);
            await _ladder.ScheduleAsync(context, attempts, attempts, history);
            return;
        }

        var reasonCode = failure.Kind == DeliveryFailureKind.Transient ? "retries-exhausted" : failure.EffectiveReasonCode;
        var reason = failure.Kind == DeliveryFailureKind.Transient
            ? $"Still failing after {attempts} attempt(s): {failure.Message}"
            : failure.Message;
        await _ladder.DeadLetterAsync(context, new DeadLetter(reasonCode, reason, failure.ProviderResponse, failure.Provider, attempts, history));
        await DeadLetterReport.ReportAsync(
            context,
            new FailureReason(reasonCode, reason, IsPermanent: true),
            new EmailDeliveryFailed
            {
                MailId = mail.MailId,
                Stage = FailureStage.Deliver,
                ReasonCode = reasonCode,
                Reason = failure.ProviderResponse is null ? reason : $"{reason} ESP answer: {failure.ProviderResponse}",
                FailedAt = _time.GetUtcNow(),
            },
            _events,
            _telemetry,
            _logger);
    }

    // Bounded, past the consume context, on the bus's channel (MailEventPublisher): a refused publish ends the try with
    // broker-refused, whether the broker nacked it or closed the channel (session 19: on the consume's channel a closing
    // refusal took the delivery with it, and the message came back until RabbitMq:DeliveryLimit); the
    // ledger says accepted, so the next try (a short retry) publishes it again without calling the ESP. On the last of them
    // the mail is reported as delivered with its event missing (DeliveredEventRefused), never routed as failed: not onto
    // the ladder, whose end is smime-deliver-dead and an EmailDeliveryFailed for a mail the recipient has. The signer's
    // in-process attempt does not report it: it hands the mail to smime-deliver, whose copy does.
    private async Task PublishDeliveredAsync(ConsumeContext<DeliverEmail> context, DeliveryLedgerEntry accepted, IReadOnlyList<string> recipients)
    {
        try
        {
            await _events.PublishAsync(
                context,
                new EmailDelivered
                {
                    MailId = accepted.MailId,
                    Provider = accepted.Provider,
                    ProviderMessageId = accepted.ProviderMessageId,
                    AcceptedRecipients = recipients,
                    DeliveredAt = accepted.UpdatedAt,
                });
        }
        catch (BrokerSendRefusedException refused) when (
            !context.CancellationToken.IsCancellationRequested && context is not InProcessDeliverContext && UnexpectedFailureRetry.IsLastAttempt(context))
        {
            throw DeliveredEventRefused.Report(
                context, accepted.MailId, UnreportedFailureFilter.Deliver, DeliveredEventRefused.Reason(accepted, refused.Message), _telemetry, _logger);
        }
    }
}
