using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// One delivery attempt of one mail, and what happens after it:
/// <list type="number">
/// <item>ledger: a mail already accepted by the ESP is acknowledged without sending (redelivery after a crash);</item>
/// <item>ledger "handing to ESP", the ESP call, ledger "accepted (ESP id)", <see cref="EmailDelivered"/>;</item>
/// <item>transient failure: a few in-process retries (<see cref="SenderOptions.ImmediateRetries"/>), then the
/// next step of the retry ladder, or the dead-letter queue after the last step;</item>
/// <item>permanent failure: the dead-letter queue at once;</item>
/// <item>ESP down for everyone or misconfigured: the circuit breaker pauses consumption and the mail is held
/// in the first rung without counting an attempt.</item>
/// </list>
/// Dead-lettered mail publishes <see cref="EmailDeliveryFailed"/>. Every hand-off to a queue is confirmed
/// by the broker before the original is acknowledged, so no path loses a mail.
/// </summary>
public sealed class DeliveryHandler
{
    private readonly IMailTransport _transport;
    private readonly IDeliveryLedger _ledger;
    private readonly IRetryLadder _ladder;
    private readonly EspCircuitBreaker _breaker;
    private readonly SmimeTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<TimeSpan> _immediateRetries;
    private readonly ILogger<DeliveryHandler> _logger;

    public DeliveryHandler(
        IMailTransport transport,
        IDeliveryLedger ledger,
        IRetryLadder ladder,
        EspCircuitBreaker breaker,
        SmimeTelemetry telemetry,
        TimeProvider time,
        IOptions<SmimePipelineOptions> options,
        ILogger<DeliveryHandler> logger)
    {
        _transport = transport;
        _ledger = ledger;
        _ladder = ladder;
        _breaker = breaker;
        _telemetry = telemetry;
        _time = time;
        _immediateRetries = DurationList.Parse(options.Value.Sender.ImmediateRetries);
        _logger = logger;
    }

    /// <summary>Delivers the mail of <paramref name="context"/> whose protected bytes are <paramref name="content"/>.</summary>
    public async Task DeliverAsync(ConsumeContext<DeliverEmail> context, ReadOnlyMemory<byte> content)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mail = context.Message;
        var cancellationToken = context.CancellationToken;
        var started = _time.GetTimestamp();
        using var activity = SmimeTelemetry.ActivitySource.StartActivity("smime deliver");
        activity?.SetTag("smime.mail_id", mail.MailId);
        activity?.SetTag("smime.provider", _transport.Name);

        var known = await _ledger.FindAsync(mail.MailId, cancellationToken);
        if (known is { State: DeliveryLedgerState.Accepted })
        {
            _telemetry.RecordDuplicateSuppressed(known.Provider);
            SenderLog.AlreadyAccepted(_logger, mail.MailId, known.Provider, known.ProviderMessageId);
            // The event may not have gone out before the crash: events are at-least-once anyway.
            await PublishDeliveredAsync(context, known.Provider, known.ProviderMessageId, mail.EnvelopeTo);
            return;
        }

        if (known is { State: DeliveryLedgerState.HandingToEsp })
        {
            // The one window that cannot be closed: the ESP may have accepted it before the crash.
            SenderLog.ResendingAfterUnknownOutcome(_logger, mail.MailId, known.Provider, known.Attempts);
        }

        var outgoing = new OutgoingMail(mail.MailId, mail.EnvelopeFrom, mail.EnvelopeTo, content);
        for (var retry = 0; ; retry++)
        {
            DeliveryReceipt receipt;
            try
            {
                await _ledger.RecordHandingAsync(mail.MailId, _transport.Name, _time.GetUtcNow(), cancellationToken);
                receipt = await _transport.SendAsync(outgoing, cancellationToken);
            }
            catch (DeliveryException failure)
            {
                Log.DeliveryAttemptFailed(_logger, mail.MailId, failure.Kind.ToString(), failure.Provider, failure.ProviderResponse);
                var retryable = failure.Kind is DeliveryFailureKind.Transient or DeliveryFailureKind.Quota;
                if (retryable && retry < _immediateRetries.Count && !_breaker.IsOpen)
                {
                    await Task.Delay(_immediateRetries[retry], _time, cancellationToken);
                    continue;
                }

                activity?.SetStatus(ActivityStatusCode.Error, failure.Kind.ToString());
                await RouteFailureAsync(context, failure);
                return;
            }

            // Written before anything else can fail: this closes the duplicate window as far as it can be.
            await _ledger.RecordAcceptedAsync(mail.MailId, receipt.Provider, receipt.ProviderMessageId, _time.GetUtcNow(), CancellationToken.None);
            _breaker.RecordSuccess(receipt.Provider);
            activity?.SetTag("smime.provider_message_id", receipt.ProviderMessageId);
            foreach (var rejection in receipt.Rejected)
            {
                SenderLog.PartiallyAccepted(_logger, mail.MailId, rejection.Recipient, rejection.ProviderResponse);
            }

            await PublishDeliveredAsync(context, receipt.Provider, receipt.ProviderMessageId, receipt.AcceptedRecipients);
            _telemetry.RecordDelivered(receipt.Provider, _time.GetElapsedTime(started));
            Log.MailDelivered(_logger, mail.MailId, receipt.Provider, receipt.ProviderMessageId);
            return;
        }
    }

    private async Task RouteFailureAsync(ConsumeContext<DeliverEmail> context, DeliveryException failure)
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

            case DeliveryFailureKind.Transient when _breaker.RecordTransientFailure(failure):
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

        var reasonCode = failure.Kind == DeliveryFailureKind.Transient ? "retries-exhausted" : failure.ReasonCode ?? "esp-rejected";
        var reason = failure.Kind == DeliveryFailureKind.Transient
            ? $"Still failing after {attempts} attempt(s): {failure.Message}"
            : failure.Message;
        await _ladder.DeadLetterAsync(context, new DeadLetter(reasonCode, reason, failure.ProviderResponse, failure.Provider, attempts, history));
        _telemetry.RecordDeadLetter("deliver", reasonCode);
        Log.MailDeadLettered(_logger, mail.MailId, "deliver", reasonCode, reason);
        await context.Publish(
            new EmailDeliveryFailed
            {
                MailId = mail.MailId,
                Stage = FailureStage.Deliver,
                ReasonCode = reasonCode,
                Reason = failure.ProviderResponse is null ? reason : $"{reason} ESP answer: {failure.ProviderResponse}",
                FailedAt = _time.GetUtcNow(),
            },
            context.CancellationToken);
    }

    private Task PublishDeliveredAsync(ConsumeContext<DeliverEmail> context, string provider, string? providerMessageId, IReadOnlyList<string> accepted)
        => context.Publish(
            new EmailDelivered
            {
                MailId = context.Message.MailId,
                Provider = provider,
                ProviderMessageId = providerMessageId,
                AcceptedRecipients = accepted,
                DeliveredAt = _time.GetUtcNow(),
            },
            context.CancellationToken);
}
