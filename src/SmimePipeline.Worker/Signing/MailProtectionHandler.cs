using System.Diagnostics;
using MassTransit;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// The signer role's work for one mail, shared by the consumers of <see cref="ProtectEmail"/> and
/// <see cref="ProtectMimeMessage"/>: protect, hand the bytes to the sender role, announce the result.
/// A refusal (no key, no certificate, policy) publishes <see cref="EmailDeliveryFailed"/> and is
/// rethrown so that the mail lands in the error queue with its reason; it is never retried.
/// </summary>
public sealed class MailProtectionHandler
{
    private static readonly Uri DeliverQueue = new($"queue:{QueueNames.Deliver}");

    private readonly SmimeProtector _protector;
    private readonly SmimeTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger<MailProtectionHandler> _logger;
    private readonly DeliveryContentStore _claimCheck;

    public MailProtectionHandler(SmimeProtector protector, SmimeTelemetry telemetry, TimeProvider time, ILogger<MailProtectionHandler> logger, DeliveryContentStore claimCheck)
    {
        _claimCheck = claimCheck;
        _protector = protector;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
    }

    /// <summary>Protects the mail that <paramref name="compose"/> builds and sends it on to the sender role.</summary>
    public async Task HandleAsync(ConsumeContext context, Guid mailId, SecurityPolicy policy, Func<MimeMessage> compose)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(compose);

        var started = _time.GetTimestamp();
        ProtectedMail result;
        using (var activity = SmimeTelemetry.ActivitySource.StartActivity("smime protect"))
        {
            activity?.SetTag("smime.mail_id", mailId);
            try
            {
                using var message = compose();
                result = _protector.Protect(message, policy ?? SecurityPolicy.SignAndEncrypt);
            }
            catch (ProtectionRefusedException refusal)
            {
                activity?.SetStatus(ActivityStatusCode.Error, refusal.ReasonCode);
                await DeadLetterAsync(context, mailId, refusal.ReasonCode, refusal.Message);
                throw;
            }

            activity?.SetTag("smime.signature_algorithm", result.SignatureAlgorithm);
            activity?.SetTag("smime.content_cipher", result.ContentCipher);
            activity?.SetTag("smime.protected_size", result.Content.Length);
        }

        var deliver = await _claimCheck.CheckInAsync(
            new DeliverEmail
            {
                MailId = mailId,
                EnvelopeFrom = result.EnvelopeFrom,
                EnvelopeTo = result.EnvelopeTo,
                Content = result.Content,
            },
            context.CancellationToken);
        var endpoint = await context.GetSendEndpoint(DeliverQueue);
        await endpoint.Send(deliver, context.CancellationToken);

        await context.Publish(
            new EmailProtected
            {
                MailId = mailId,
                SignatureAlgorithm = result.SignatureAlgorithm,
                ContentCipher = result.ContentCipher,
                ProtectedSize = result.Content.Length,
                ProtectedAt = _time.GetUtcNow(),
            },
            context.CancellationToken);

        _telemetry.RecordProtected(result.SignatureAlgorithm, result.ContentCipher, _time.GetElapsedTime(started));
        Log.MailProtected(_logger, mailId, result.SignatureAlgorithm, result.ContentCipher, result.Content.Length);
    }

    private async Task DeadLetterAsync(ConsumeContext context, Guid mailId, string reasonCode, string reason)
    {
        _telemetry.RecordDeadLetter("protect", reasonCode);
        Log.MailDeadLettered(_logger, mailId, "protect", reasonCode, reason);
        await context.Publish(
            new EmailDeliveryFailed
            {
                MailId = mailId,
                Stage = FailureStage.Protect,
                ReasonCode = reasonCode,
                Reason = reason,
                FailedAt = _time.GetUtcNow(),
            },
            context.CancellationToken);
    }
}
