using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Client;

/// <summary>Sends the pipeline's commands to the <c>smime-protect</c> queue.</summary>
public sealed class SmimeMailPublisher(ISendEndpointProvider sendEndpointProvider) : ISmimeMailPublisher
{
    // The exchange the signers' queue is bound to, not "queue:": a sender that names the queue also
    // declares it, as a classic queue, and RabbitMQ refuses that for the workers' quorum queue.
    private static readonly Uri ProtectQueue = new($"exchange:{QueueNames.Protect}");
    private static readonly Uri HarvestQueue = new($"exchange:{QueueNames.Harvest}");

    /// <inheritdoc />
    public async Task ProtectAsync(ProtectEmail mail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (mail.MailId == Guid.Empty)
        {
            throw new ArgumentException("MailId must be set: it identifies the mail in every event and in the delivery ledger.", nameof(mail));
        }

        var endpoint = await sendEndpointProvider.GetSendEndpoint(ProtectQueue);
        await endpoint.Send(mail, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Guid> ProtectMimeAsync(byte[] message, SecurityPolicy? policy = null, Guid? mailId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Length == 0)
        {
            throw new ArgumentException("The message is empty.", nameof(message));
        }

        var id = mailId ?? NewId.NextGuid();
        var endpoint = await sendEndpointProvider.GetSendEndpoint(ProtectQueue);
        await endpoint.Send(
            new ProtectMimeMessage { MailId = id, Message = message, Policy = policy ?? SecurityPolicy.SignAndEncrypt },
            cancellationToken);
        return id;
    }

    /// <inheritdoc />
    public async Task HarvestAsync(HarvestCertificate harvest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(harvest);
        var endpoint = await sendEndpointProvider.GetSendEndpoint(HarvestQueue);
        await endpoint.Send(harvest, cancellationToken);
    }
}
