using System.Security.Cryptography;
using System.Text;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery.Ledger;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// Publishes a recorded fate as <see cref="EmailRecipientDelivered"/>, <see cref="EmailRecipientBounced"/> or
/// <see cref="EmailRecipientComplained"/> (a delay is only recorded), and waits for the broker's confirm. The
/// message id is derived from the ESP's event id, so a re-publication after a crash carries the same id.
/// </summary>
public sealed class RecipientFatePublisher(IBus bus)
{
    /// <summary>Publishes <paramref name="fate"/>; does nothing for <see cref="RecipientFateKind.Delayed"/>.</summary>
    public Task PublishAsync(RecipientFate fate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fate);
        var messageId = MessageIdFor(fate.EventId);
        return fate.Kind switch
        {
            RecipientFateKind.Delivered => bus.Publish(
                new EmailRecipientDelivered
                {
                    MailId = fate.MailId,
                    Recipient = fate.Recipient,
                    Provider = fate.Provider,
                    ProviderMessageId = fate.ProviderMessageId,
                    DeliveredAt = fate.OccurredAt,
                },
                context => context.MessageId = messageId,
                cancellationToken),
            RecipientFateKind.Bounced => bus.Publish(
                new EmailRecipientBounced
                {
                    MailId = fate.MailId,
                    Recipient = fate.Recipient,
                    Provider = fate.Provider,
                    ProviderMessageId = fate.ProviderMessageId,
                    BounceClass = fate.BounceClass,
                    Hard = fate.Hard ?? false,
                    RemoteAnswer = fate.RemoteAnswer,
                    BouncedAt = fate.OccurredAt,
                },
                context => context.MessageId = messageId,
                cancellationToken),
            RecipientFateKind.Complained => bus.Publish(
                new EmailRecipientComplained
                {
                    MailId = fate.MailId,
                    Recipient = fate.Recipient,
                    Provider = fate.Provider,
                    ProviderMessageId = fate.ProviderMessageId,
                    FeedbackType = fate.RemoteAnswer,
                    ComplainedAt = fate.OccurredAt,
                },
                context => context.MessageId = messageId,
                cancellationToken),
            _ => Task.CompletedTask,
        };
    }

    private static Guid MessageIdFor(string eventId)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes("sparkpost-event:" + eventId), hash);
        return new Guid(hash[..16]);
    }
}
