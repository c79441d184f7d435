using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;

namespace SmimePipeline.Client;

/// <summary>
/// Sends the pipeline's commands to the <c>smime-protect</c> queue. Mail that would exceed
/// <see cref="SmimePipelineClientOptions.MaxMessageBytes"/> once protected is refused with a
/// <see cref="MessageTooLargeException"/> before the broker is touched.
/// </summary>
public sealed class SmimeMailPublisher : ISmimeMailPublisher
{
    // The exchange the signers' queue is bound to, not "queue:": a sender that names the queue also
    // declares it, as a classic queue, and RabbitMQ refuses that for the workers' quorum queue.
    private static readonly Uri ProtectQueue = new($"exchange:{QueueNames.Protect}");
    private static readonly Uri HarvestQueue = new($"exchange:{QueueNames.Harvest}");

    private readonly ISendEndpointProvider _sendEndpointProvider;
    private readonly int _maxMessageBytes;

    /// <summary>A publisher with the default limit (<see cref="MessageSizeLimits.DefaultMaxMessageBytes"/>).</summary>
    public SmimeMailPublisher(ISendEndpointProvider sendEndpointProvider)
        : this(sendEndpointProvider, Options.Create(new SmimePipelineClientOptions()))
    {
    }

    /// <summary>A publisher with the configured limit.</summary>
    public SmimeMailPublisher(ISendEndpointProvider sendEndpointProvider, IOptions<SmimePipelineClientOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _sendEndpointProvider = sendEndpointProvider ?? throw new ArgumentNullException(nameof(sendEndpointProvider));
        _maxMessageBytes = options.Value.MaxMessageBytes;
    }

    /// <inheritdoc />
    /// <exception cref="MessageTooLargeException">The mail would exceed the size limit once protected.</exception>
    public async Task ProtectAsync(ProtectEmail mail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (mail.MailId == Guid.Empty)
        {
            throw new ArgumentException("MailId must be set: it identifies the mail in every event and in the delivery ledger.", nameof(mail));
        }

        EnsureFits(mail.MailId, ProtectedSizeEstimate.Of(mail));
        var endpoint = await _sendEndpointProvider.GetSendEndpoint(ProtectQueue);
        await endpoint.Send(mail, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="MessageTooLargeException">The message would exceed the size limit once protected.</exception>
    public async Task<Guid> ProtectMimeAsync(byte[] message, SecurityPolicy? policy = null, Guid? mailId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Length == 0)
        {
            throw new ArgumentException("The message is empty.", nameof(message));
        }

        var id = mailId ?? NewId.NextGuid();
        policy ??= SecurityPolicy.SignAndEncrypt;
        EnsureFits(id, ProtectedSizeEstimate.Of(message.LongLength, policy));
        var endpoint = await _sendEndpointProvider.GetSendEndpoint(ProtectQueue);
        await endpoint.Send(new ProtectMimeMessage { MailId = id, Message = message, Policy = policy }, cancellationToken);
        return id;
    }

    /// <inheritdoc />
    /// <exception cref="MessageTooLargeException">The signed mail is above the size limit.</exception>
    public async Task HarvestAsync(HarvestCertificate harvest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(harvest);
        EnsureFits(harvest.RequestId, harvest.Mail?.LongLength ?? 0);
        var endpoint = await _sendEndpointProvider.GetSendEndpoint(HarvestQueue);
        await endpoint.Send(harvest, cancellationToken);
    }

    private void EnsureFits(Guid mailId, long estimatedBytes)
    {
        if (estimatedBytes > _maxMessageBytes)
        {
            throw new MessageTooLargeException(mailId, estimatedBytes, _maxMessageBytes);
        }
    }
}
