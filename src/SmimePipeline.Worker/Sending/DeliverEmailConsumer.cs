using System.Diagnostics;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Hands protected bytes to the configured ESP and announces the outcome. Transient failures are
/// rethrown for the retry policy; a permanent refusal publishes <see cref="EmailDeliveryFailed"/> and
/// is rethrown unretried, so the mail lands in the error queue with the ESP's answer.
/// </summary>
public sealed class DeliverEmailConsumer(
    IMailTransport transport,
    DeliveryContentStore claimCheck,
    SmimeTelemetry telemetry,
    TimeProvider time,
    ILogger<DeliverEmailConsumer> logger) : IConsumer<DeliverEmail>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<DeliverEmail> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mail = context.Message;
        var started = time.GetTimestamp();
        var content = await claimCheck.LoadAsync(mail, context.CancellationToken);

        DeliveryReceipt receipt;
        using (var activity = SmimeTelemetry.ActivitySource.StartActivity("smime deliver"))
        {
            activity?.SetTag("smime.mail_id", mail.MailId);
            activity?.SetTag("smime.provider", transport.Name);
            try
            {
                receipt = await transport.SendAsync(
                    new OutgoingMail(mail.MailId, mail.EnvelopeFrom, mail.EnvelopeTo, content),
                    context.CancellationToken);
            }
            catch (DeliveryException failure)
            {
                activity?.SetStatus(ActivityStatusCode.Error, failure.Kind.ToString());
                Log.DeliveryAttemptFailed(logger, mail.MailId, failure.Kind.ToString(), failure.Provider, failure.ProviderResponse);
                if (failure.Kind == DeliveryFailureKind.Permanent)
                {
                    var reasonCode = "esp-rejected";
                    telemetry.RecordDeadLetter("deliver", reasonCode);
                    Log.MailDeadLettered(logger, mail.MailId, "deliver", reasonCode, failure.Message);
                    await context.Publish(
                        new EmailDeliveryFailed
                        {
                            MailId = mail.MailId,
                            Stage = FailureStage.Deliver,
                            ReasonCode = reasonCode,
                            Reason = failure.Message,
                            FailedAt = time.GetUtcNow(),
                        },
                        context.CancellationToken);
                }

                throw;
            }

            activity?.SetTag("smime.provider_message_id", receipt.ProviderMessageId);
        }

        await context.Publish(
            new EmailDelivered
            {
                MailId = mail.MailId,
                Provider = receipt.Provider,
                ProviderMessageId = receipt.ProviderMessageId,
                AcceptedRecipients = receipt.AcceptedRecipients,
                DeliveredAt = time.GetUtcNow(),
            },
            context.CancellationToken);

        telemetry.RecordDelivered(receipt.Provider, time.GetElapsedTime(started));
        Log.MailDelivered(logger, mail.MailId, receipt.Provider, receipt.ProviderMessageId);
    }
}
