using System.Security.Cryptography;
using SmimePipeline.Delivery.Dsn;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// Bounces of SMTP transmissions: a delivery status notification (RFC 3464) posted to <c>POST /webhooks/raw</c>
/// (<see cref="RawMailHandler"/> hands over every <c>multipart/report; report-type=delivery-status</c> body) is mapped
/// to its mail by Original-Envelope-Id or the returned <c>X-Smime-Mail-Id</c> header, and each per-recipient block is
/// recorded in the fate ledger (failed → bounced, hard for 5.x.x, soft for 4.x.x; delayed → delayed;
/// delivered/relayed/expanded → delivered) and published as <c>EmailRecipientBounced</c>/<c>EmailRecipientDelivered</c>.
/// Each block's event id is derived from the report's bytes, so a report posted twice is recorded and published once.
/// Answers: 200 when all is recorded and published, 400 for an unreadable report, 422 for a report naming no mail id
/// or a mail id the delivery ledger does not know (never guessed), 503 when the ledger or the broker failed or did not
/// answer within <c>Webhooks:HandOverTimeout</c> of the raw request's arrival (the sender retries; nothing is counted twice).
/// </summary>
public sealed class DeliveryStatusNotificationHandler(
    IDeliveryLedger deliveries,
    RecipientFateRecorder fates,
    ReturnPathTelemetry telemetry,
    TimeProvider time,
    ILogger<DeliveryStatusNotificationHandler> logger)
{
    /// <summary>The endpoint name in metrics and logs.</summary>
    public const string Endpoint = "dsn";

    /// <summary>Records and publishes the report in <paramref name="mail"/> and answers the request.</summary>
    /// <param name="context">The request, already authenticated by the raw endpoint.</param>
    /// <param name="mail">The report's bytes.</param>
    /// <param name="deadline">The raw request's deadline (<see cref="WebhooksOptions.HandOverTimeout"/> from its arrival).</param>
    internal async Task HandleAsync(HttpContext context, byte[] mail, WebhookDeadline deadline)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(deadline);
        DeliveryStatusReport report;
        try
        {
            report = DeliveryStatusReportReader.Read(mail);
        }
        catch (DeliveryStatusReportException refused)
        {
            await RefuseAsync(context, WebhookRefusal.UnreadableReport, refused.Message);
            return;
        }

        if (report.MailId is not { } mailId)
        {
            await RefuseAsync(context, WebhookRefusal.NoMailId,
                "the delivery status notification names no mail id (no Original-Envelope-Id and no returned X-Smime-Mail-Id header)");
            return;
        }

        bool known;
        try
        {
            known = await deadline.RunAsync(token => RecordAsync(report, mail, mailId, token), logger, Endpoint);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await WebhookAnswers.HandOverFailedAsync(context, telemetry, logger, Endpoint, ex, "The report could not be recorded; retry later.");
            return;
        }

        if (!known)
        {
            await RefuseAsync(context, WebhookRefusal.UnknownMailId,
                $"the delivery status notification names mail {mailId:N}, which the delivery ledger does not know");
            return;
        }

        ReturnPathLog.WebhookBatchAccepted(logger, Endpoint, report.Recipients.Count, report.Recipients.Count, 0);
        telemetry.RecordWebhookRequest(Endpoint, StatusCodes.Status200OK);
        await WebhookAnswers.CountsAsync(context, StatusCodes.Status200OK, report.Recipients.Count, 0);
    }

    /// <returns>False when the delivery ledger does not know <paramref name="mailId"/> (nothing recorded).</returns>
    private async Task<bool> RecordAsync(DeliveryStatusReport report, byte[] mail, Guid mailId, CancellationToken cancellationToken)
    {
        if (await deliveries.FindAsync(mailId, cancellationToken) is not { } sent)
        {
            return false;
        }

        string reportId = Convert.ToHexStringLower(SHA256.HashData(mail))[..32];
        var now = time.GetUtcNow();
        for (int i = 0; i < report.Recipients.Count; i++)
        {
            var fate = FateOf(report, report.Recipients[i], $"dsn:{reportId}:{i}", mailId, sent, now);
            await fates.RecordAndPublishAsync(fate, cancellationToken);

            telemetry.RecordWebhookEntry(Endpoint, "accepted");
        }

        return true;
    }

    private static RecipientFate FateOf(DeliveryStatusReport report, DsnRecipient recipient, string eventId, Guid mailId, DeliveryLedgerEntry sent, DateTimeOffset now)
    {
        var kind = recipient.Action switch
        {
            "failed" => RecipientFateKind.Bounced,
            "delayed" => RecipientFateKind.Delayed,
            _ => RecipientFateKind.Delivered,
        };

        // RFC 3463: 4.x.x is a persistent transient failure (soft), 5.x.x a permanent one (hard).
        bool? hard = kind == RecipientFateKind.Bounced ? !recipient.Status.StartsWith("4.", StringComparison.Ordinal) : null;
        string answer = recipient.DiagnosticCode is { } diagnostic ? $"{recipient.Status} ({diagnostic})" : recipient.Status;
        return new RecipientFate(
            eventId,
            mailId,
            recipient.Recipient,
            kind,
            "dsn_" + recipient.Action,
            recipient.LastAttempt ?? report.ArrivalDate ?? now,
            sent.Provider,
            sent.ProviderMessageId,
            BounceClass: null,
            hard,
            answer.Length > 1000 ? answer[..1000] : answer);
    }

    private Task RefuseAsync(HttpContext context, WebhookRefusal refusal, string answer)
    {
        telemetry.RecordWebhookEntry(Endpoint, refusal.Reason);
        return WebhookAnswers.RefusedAsync(context, telemetry, logger, Endpoint, refusal, answer);
    }
}
