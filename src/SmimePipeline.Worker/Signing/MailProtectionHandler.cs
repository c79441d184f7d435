using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Options;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Sending;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// The signer role's work for one mail, shared by the consumers of <see cref="ProtectEmail"/> and
/// <see cref="ProtectMimeMessage"/>: protect, hand the bytes to the sender role, announce the result.
/// Every failure ends the same way, whatever threw it: a refusal (no key, no certificate, policy), a mail
/// that cannot be composed (no From, an invalid address or header, unreadable MIME, missing fields), a
/// refusal of another part of the worker (any <see cref="IHasReasonCode"/>) at once, anything unexpected
/// after MassTransit's short retries (<see cref="UnexpectedFailureRetry"/>): <see cref="EmailDeliveryFailed"/>
/// is published, one error line is logged, <c>smime_dead_letters_total{stage="protect"}</c> rises, and
/// <see cref="MailDeadLetteredException"/> moves the mail to <c>smime-protect_error</c> with the reason (and
/// never the mail's text) in its <c>MT-Fault-Message</c> header, where <c>smime dlq</c> lists it.
/// </summary>
public sealed class MailProtectionHandler
{
    // Where a protected mail went, for ProtectedEventRefused's report.
    private const string HandedOver = "handed to the sender role on smime-deliver";
    private const string AttemptedInProcess = "its first delivery attempt made in the signer's process (delivered, or on the retry ladder or in smime-deliver-dead with its own report)";

    private readonly SmimeProtector _protector;
    private readonly RecipientAssessment _assessment;
    private readonly MissingCertificatePolicy _defaultMissingCertificate;
    private readonly SmimeTelemetry _telemetry;
    private readonly BoundedBrokerSend _broker;
    private readonly MailEventPublisher _events;
    private readonly TimeProvider _time;
    private readonly ILogger<MailProtectionHandler> _logger;
    private readonly DeliveryContentStore _claimCheck;
    private readonly ProtectionSlots _slots;
    private readonly LargeMailThreads _largeMailThreads;
    private readonly DeliverEmailFormat _deliverEmailFormat;
    private readonly InProcessDelivery? _inProcessDelivery;

    public MailProtectionHandler(
        SmimeProtector protector,
        RecipientAssessment assessment,
        IOptions<SmimePipelineOptions> options,
        SmimeTelemetry telemetry,
        BoundedBrokerSend broker,
        TimeProvider time,
        ILogger<MailProtectionHandler> logger,
        DeliveryContentStore claimCheck,
        ProtectionSlots slots,
        LargeMailThreads largeMailThreads,
        MailEventPublisher events,
        InProcessDelivery? inProcessDelivery = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _events = events;
        _inProcessDelivery = inProcessDelivery;
        _claimCheck = claimCheck;
        _slots = slots;
        _largeMailThreads = largeMailThreads;
        _protector = protector;
        _assessment = assessment;
        _defaultMissingCertificate = options.Value.Signer.MissingCertificate;
        _deliverEmailFormat = options.Value.Signer.DeliverEmailFormat;
        _telemetry = telemetry;
        _broker = broker;
        _time = time;
        _logger = logger;
    }

    /// <summary>Protects the mail that <paramref name="compose"/> builds and sends it on to the sender role.</summary>
    /// <param name="context">The consume context of the command (or of its claim).</param>
    /// <param name="mailId">The mail's id.</param>
    /// <param name="policy">Sign, encrypt, or both (null: both).</param>
    /// <param name="large">
    /// Whether the command is large mail (<see cref="SignerOptions.LargeMailThresholdBytes"/>): it waits behind small mails
    /// for a protect slot and is protected on a niced thread (<see cref="LargeMailThreads"/>).
    /// </param>
    /// <param name="compose">Builds the mail's MIME message.</param>
    /// <exception cref="MailDeadLetteredException">The mail failed for good and has been reported (event, log, metric).</exception>
    /// <exception cref="OperationCanceledException">The consume was cancelled (e.g. while waiting for a slot): the message comes back.</exception>
    public async Task HandleAsync(ConsumeContext context, Guid mailId, SecurityPolicy policy, bool large, Func<MimeMessage> compose)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(compose);
        try
        {
            await ProtectAndHandOverAsync(context, mailId, policy, large, compose);
        }
        catch (MailDeadLetteredException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException && !UnavailableBackoff.IsWaitedFor(e) && !context.CancellationToken.IsCancellationRequested)
        {
            // A broker blink cancels the context: that is not the mail's failure, the message comes back.
            var reason = FailureReason.Of(e);
            if (!reason.IsPermanent && !UnexpectedFailureRetry.IsLastAttempt(context))
            {
                throw;
            }

            await DeadLetterAsync(context, mailId, reason.ReasonCode, reason.Reason, []);
            throw new MailDeadLetteredException(reason);
        }
    }

    private async Task ProtectAndHandOverAsync(ConsumeContext context, Guid mailId, SecurityPolicy policy, bool large, Func<MimeMessage> compose)
    {
        var started = _time.GetTimestamp();
        ProtectedMail result;
        IReadOnlyList<RecipientOutcome> outcomes;
        policy ??= SecurityPolicy.SignAndEncrypt;
        // Composing and protecting is the CPU-bound part: it waits for a slot (one per core by default, small mails
        // first, large mails never in all of them); handing the result to the sender below waits on the broker and holds
        // no slot. A large mail's CPU work runs on a niced thread (LargeMailThreads) so that the kernel prefers the rest.
        using (var activity = SmimeTelemetry.ActivitySource.StartActivity("smime protect"))
        using (await _slots.EnterAsync(large, context.CancellationToken))
        {
            activity?.SetTag("smime.mail_id", mailId);
            activity?.SetTag("smime.large", large);
            var (protectedMail, protectedOutcomes, failure, refused) = large && _largeMailThreads.Enabled
                ? await _largeMailThreads.RunAsync(() => Protect(mailId, policy, compose, activity), context.CancellationToken)
                : Protect(mailId, policy, compose, activity);
            outcomes = protectedOutcomes;

            if (protectedMail is null)
            {
                // The policy decided the mail is not sent: the error queue gets the refusal with every recipient's reason.
                var refusal = refused ?? throw new InvalidOperationException("The mail was neither protected nor refused.");
                activity?.SetStatus(ActivityStatusCode.Error, refusal.ReasonCode);
                var reason = new FailureReason(refusal.ReasonCode, failure ?? refusal.Message, IsPermanent: true);
                await DeadLetterAsync(context, mailId, reason.ReasonCode, reason.Reason, outcomes);
                throw new MailDeadLetteredException(reason);
            }

            result = protectedMail;

            activity?.SetTag("smime.signature_algorithm", result.SignatureAlgorithm);
            activity?.SetTag("smime.content_cipher", result.ContentCipher);
            activity?.SetTag("smime.protected_size", result.Content.Length);
        }

        var mail = new DeliverEmail
        {
            MailId = mailId,
            EnvelopeFrom = result.EnvelopeFrom,
            EnvelopeTo = result.EnvelopeTo,
            Content = result.Content,
            Protection = (result.SignatureAlgorithm is null ? AppliedProtection.None : AppliedProtection.Signature)
                | (result.ContentCipher is null ? AppliedProtection.None : AppliedProtection.Encryption),
        };
        // The broker refusing EmailProtected after the mail went on its way is not the mail's failure: it is reported as
        // what happened (ProtectedEventRefused), never retried (each try would protect it and hand it over again).
        BrokerSendRefusedException? eventRefused = null;
        string sentOn = HandedOver;
        if (_inProcessDelivery is not null)
        {
            // This process runs the sender role too: the first delivery attempt is made here when it can be, while the
            // event goes out (the slot above is free again). Both are confirmed or routed before the command is acked.
            // Large mail too (session 14): delivered here, its protected bytes skip the claim file and its read back.
            var announced = AnnounceAsync(context, mailId, result, outcomes);
            var attempted = _inProcessDelivery.TryDeliverAsync(context, mail);
            try
            {
                await Task.WhenAll(announced, attempted);
            }
            catch (BrokerSendRefusedException refused) when (announced.IsFaulted && attempted.IsCompletedSuccessfully)
            {
                eventRefused = refused;
            }

            if (await attempted)
            {
                sentOn = AttemptedInProcess;
            }
            else
            {
                await HandOverAsync(context, mail);
            }
        }
        else
        {
            await HandOverAsync(context, mail);
            try
            {
                await AnnounceAsync(context, mailId, result, outcomes);
            }
            catch (BrokerSendRefusedException refused)
            {
                eventRefused = refused;
            }
        }

        _telemetry.RecordProtected(result.SignatureAlgorithm, result.ContentCipher, _time.GetElapsedTime(started));
        Log.MailProtected(_logger, mailId, result.SignatureAlgorithm, result.ContentCipher, result.Content.Length);
        if (eventRefused is not null)
        {
            throw ProtectedEventRefused.Report(context, mailId, sentOn, eventRefused, _telemetry, _logger);
        }
    }

    /// <summary>
    /// Sends <paramref name="mail"/> to the sender role through <c>smime-deliver</c>'s exchange (by claim check when large);
    /// completes once the broker confirmed it. The exchange, not "queue:": that would declare a classic queue, which RabbitMQ
    /// refuses when the senders have declared a quorum queue. Bounded, and past the consume context (<see cref="BoundedBrokerSend"/>).
    /// </summary>
    private async Task HandOverAsync(ConsumeContext context, DeliverEmail mail)
    {
        var deliver = await _claimCheck.CheckInAsync(mail, context.CancellationToken);
        await _broker.SendAsync(context, QueueNames.Deliver, deliver, send => DeliverEmailWireFormat.Apply(send, _deliverEmailFormat));
    }

    /// <summary>
    /// Publishes <see cref="EmailProtected"/> on the bus's channel, apart from the command's (<see cref="MailEventPublisher"/>):
    /// the mail is with the sender role by now, so a refusal that closes the channel must not take the command's delivery with
    /// it (session 18; before, the command came back and each redelivery protected the mail and handed it over again, until
    /// <c>RabbitMq:DeliveryLimit</c> reported it failed). Refused either way, it ends as <see cref="ProtectedEventRefused"/>.
    /// </summary>
    private Task AnnounceAsync(ConsumeContext context, Guid mailId, ProtectedMail result, IReadOnlyList<RecipientOutcome> outcomes) =>
        _events.PublishAsync(
            context,
            new EmailProtected
            {
                MailId = mailId,
                SignatureAlgorithm = result.SignatureAlgorithm,
                ContentCipher = result.ContentCipher,
                ProtectedSize = result.Content.Length,
                ProtectedAt = _time.GetUtcNow(),
                Recipients = outcomes,
            });

    /// <summary>
    /// The CPU-bound step, run in a protect slot (on the consumer's thread, or a large mail's niced one): compose, protect,
    /// and after a recipient's refusal apply the missing-certificate policy. A protected mail comes back with its
    /// outcomes; a mail the policy does not send comes back without one, with the refusal and why.
    /// </summary>
    private (ProtectedMail? Result, IReadOnlyList<RecipientOutcome> Outcomes, string? Failure, ProtectionRefusedException? Refused) Protect(
        Guid mailId, SecurityPolicy policy, Func<MimeMessage> compose, Activity? activity)
    {
        using var message = Compose(mailId, compose);
        try
        {
            var protectedMail = _protector.Protect(message, policy);
            return (protectedMail, [.. protectedMail.EnvelopeTo.Select(a => new RecipientOutcome { Address = a, Outcome = policy.Encrypt ? RecipientAssessment.Encrypted : RecipientAssessment.SignedOnly })], null, null);
        }
        catch (ProtectionRefusedException refusal) when (policy.Encrypt && RecipientAssessment.IsRecipientRefusal(refusal, message))
        {
            var (protectedMail, outcomes, failure) = ApplyMissingCertificatePolicy(message, policy, refusal, compose);
            return (protectedMail, outcomes, failure, refusal);
        }
        catch (ProtectionRefusedException refusal)
        {
            activity?.SetStatus(ActivityStatusCode.Error, refusal.ReasonCode);
            throw;
        }
    }

    /// <summary>
    /// Applies the missing-certificate policy after a recipient was refused: <c>fail</c> names every
    /// recipient and its reason; <c>sign-only</c> (only when the producer allowed it) signs without
    /// encrypting; <c>split</c> encrypts to the recipients with valid certificates and reports the rest.
    /// </summary>
    private (ProtectedMail? Result, IReadOnlyList<RecipientOutcome> Outcomes, string? Failure) ApplyMissingCertificatePolicy(
        MimeMessage message, SecurityPolicy policy, ProtectionRefusedException refusal, Func<MimeMessage> compose)
    {
        var outcomes = _assessment.Assess(message);
        var refused = outcomes.Where(o => o.Outcome == RecipientAssessment.Refused).ToList();
        var mode = policy.MissingCertificate ?? _defaultMissingCertificate;
        if (mode == MissingCertificatePolicy.SignOnly && policy.AllowSignOnly && policy.Sign)
        {
            var signedOnly = _protector.Protect(message, policy with { Encrypt = false });
            return (signedOnly, [.. outcomes.Select(o => o with { Outcome = RecipientAssessment.SignedOnly })], null);
        }

        if (mode == MissingCertificatePolicy.Split && refused.Count > 0 && refused.Count < outcomes.Count)
        {
            // The encrypted copy is addressed only to the recipients it can reach: the others are removed
            // from To/Cc/Bcc of this copy and reported in the event.
            using var copy = compose();
            var drop = new HashSet<string>(refused.Select(r => r.Address), StringComparer.OrdinalIgnoreCase);
            foreach (var list in new[] { copy.To, copy.Cc, copy.Bcc })
            {
                foreach (var mailbox in list.Mailboxes.Where(m => drop.Contains(m.Address)).ToList())
                {
                    list.Remove(mailbox);
                }
            }

            return (_protector.Protect(copy, policy), outcomes, null);
        }

        string why = mode == MissingCertificatePolicy.SignOnly && !policy.AllowSignOnly
            ? " (policy sign-only, but the producer did not allow unencrypted delivery)"
            : "";
        string failure = refused.Count == 0
            ? refusal.Message + why
            : string.Join("; ", refused.Take(AddressSummary.DefaultShown).Select(r => $"{r.Address}: {r.ReasonCode}: {r.Reason}"))
                + (refused.Count > AddressSummary.DefaultShown ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"; and {refused.Count - AddressSummary.DefaultShown:N0} more recipients refused") : "")
                + why;
        return (null, outcomes, failure);
    }

    // Composing only reads the command: whatever it throws, the same command would throw again. An
    // exception that is not already a refusal becomes one, named by its type only (its message could quote the mail).
    private static MimeMessage Compose(Guid mailId, Func<MimeMessage> compose)
    {
        try
        {
            return compose();
        }
        catch (Exception e) when (e is not IHasReasonCode and not OutOfMemoryException)
        {
            throw new ProtectionRefusedException(
                ProtectionRefusal.InvalidMessage, null, $"Mail {mailId} cannot be composed: its fields or MIME are invalid ({e.GetType().Name}).");
        }
    }

    private async Task DeadLetterAsync(ConsumeContext context, Guid mailId, string reasonCode, string reason, IReadOnlyList<RecipientOutcome> outcomes)
    {
        // Marked before the publish: if it fails, the endpoint's filter does not report the failure a second time.
        if (FailureReport.TryMark(context, new FailureReason(reasonCode, reason, IsPermanent: true)))
        {
            _telemetry.RecordDeadLetter("protect", reasonCode);
            Log.MailDeadLettered(_logger, mailId, "protect", reasonCode, reason);
        }

        // On the bus's channel (MailEventPublisher): a refusal that closed the command's would bring it back, refused again
        // at each delivery until RabbitMq:DeliveryLimit (session 19). Refused, the endpoint's filter writes line 1018.
        await _events.PublishAsync(
            context,
            new EmailDeliveryFailed
            {
                MailId = mailId,
                Stage = FailureStage.Protect,
                ReasonCode = reasonCode,
                Reason = reason,
                FailedAt = _time.GetUtcNow(),
                Recipients = outcomes,
            });
    }
}
