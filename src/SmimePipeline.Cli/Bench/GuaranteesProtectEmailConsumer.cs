using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Signing;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// <c>smime bench guarantees --via masstransit</c>'s consumer of the product's <see cref="ProtectEmail"/> on
/// <c>smime-protect</c> (the signer's endpoint, <see cref="GuaranteesProtectEmailConsumerDefinition"/>): the guarantees'
/// work (<see cref="GuaranteesMailHandler.HandOverAsync"/>) with no MIME and no cryptography, its events published through
/// the product's own <see cref="MailEventPublisher"/> (bounded, on the bus's channel, as the signer's <see cref="EmailProtected"/>
/// and the sender's <see cref="EmailDelivered"/>), each carrying what the product's would for the pre-made protected mail.
/// Returning completes the consume: MassTransit acks. A failure ends the run with its exception and is thrown on to the
/// endpoint's retries and error queue.
/// </summary>
internal sealed class GuaranteesProtectEmailConsumer(GuaranteesMailHandler handler, ProtectedMail sample, MailEventPublisher events) : IConsumer<ProtectEmail>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<ProtectEmail> context)
    {
        var phase = handler.Current;
        var id = context.Message.MailId;
        try
        {
            await handler.HandOverAsync(id, (which, file) => which == GuaranteesEvent.Protected
                ? events.PublishAsync(context, new EmailProtected
                {
                    MailId = id,
                    SignatureAlgorithm = sample.SignatureAlgorithm,
                    ContentCipher = sample.ContentCipher,
                    ProtectedSize = sample.Content.Length,
                    ProtectedAt = DateTimeOffset.UtcNow,
                    Recipients = [.. sample.EnvelopeTo.Select(a => new RecipientOutcome { Address = a, Outcome = RecipientAssessment.Encrypted })],
                })
                : events.PublishAsync(context, new EmailDelivered
                {
                    MailId = id,
                    Provider = GuaranteesBenchRunner.Provider,
                    ProviderMessageId = file,
                    AcceptedRecipients = sample.EnvelopeTo,
                    DeliveredAt = DateTimeOffset.UtcNow,
                }));
            phase?.Handled(id);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            phase?.Fail(e);
            throw;
        }
    }
}
