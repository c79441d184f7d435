using System.Security.Cryptography;
using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// Hands inbound mail to the signer role's harvest queue (<c>smime-harvest</c>): each send completes only when
/// RabbitMQ confirmed it (publisher confirms), and is marked mandatory so that a mail RabbitMQ cannot route (no
/// signer ever declared the queue) fails the send instead of vanishing.
/// </summary>
public sealed class HarvestIntake(IBus bus)
{
    // The exchange the signers' queue is bound to; "queue:" would declare it as a classic queue, which the
    // signers' quorum queue declaration then refuses.
    private static readonly Uri HarvestExchange = new($"exchange:{QueueNames.Harvest}");

    /// <summary>Sends one mail and waits for the broker's confirm.</summary>
    /// <exception cref="Exception">Any failure to hand over (broker down, unroutable, timeout): the caller answers 5xx.</exception>
    public async Task EnqueueAsync(HarvestCertificate harvest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(harvest);
        var endpoint = await bus.GetSendEndpoint(HarvestExchange);
        await endpoint.Send(harvest, context =>
        {
            // The same mail delivered twice (a provider retry) keeps its id, so the two are recognisable.
            context.MessageId = harvest.RequestId;
            if (context.TryGetPayload<RabbitMqSendContext>(out var rabbit))
            {
                rabbit.Mandatory = true;
            }
        }, cancellationToken);
    }

    /// <summary>A request id derived from the mail's bytes: the same mail gets the same id on every retry.</summary>
    public static Guid RequestIdFor(ReadOnlySpan<byte> mail)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(mail, hash);
        return new Guid(hash[..16]);
    }
}
