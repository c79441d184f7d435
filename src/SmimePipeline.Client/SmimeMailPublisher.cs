using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;

namespace SmimePipeline.Client;

/// <summary>
/// Sends the pipeline's commands to the <c>smime-protect</c> queue. Mail that would exceed
/// <see cref="SmimePipelineClientOptions.MaxMessageBytes"/> once protected is refused with a
/// <see cref="MessageTooLargeException"/> before the broker is touched. Commands travel in
/// <see cref="SmimePipelineClientOptions.MessageFormat"/> (binary by default); the producer's bus needs no serializer
/// registered for it.
/// </summary>
public sealed class SmimeMailPublisher : ISmimeMailPublisher
{
    // The exchange the signers' queue is bound to, not "queue:": a sender that names the queue also
    // declares it, as a classic queue, and RabbitMQ refuses that for the workers' quorum queue.
    private static readonly Uri ProtectQueue = new($"exchange:{QueueNames.Protect}");
    private static readonly Uri HarvestQueue = new($"exchange:{QueueNames.Harvest}");
    private static readonly Uri ProtectLargeQueue = new($"exchange:{QueueNames.ProtectLarge}");

    private readonly ISendEndpointProvider _sendEndpointProvider;
    private readonly int _maxMessageBytes;
    private readonly int _largeMailThresholdBytes;
    private readonly bool _binary;

    /// <summary>A publisher with the default limit (<see cref="MessageSizeLimits.DefaultMaxMessageBytes"/>).</summary>
    public SmimeMailPublisher(ISendEndpointProvider sendEndpointProvider)
        : this(sendEndpointProvider, Options.Create(new SmimePipelineClientOptions()))
    {
    }

    /// <summary>A publisher with the configured limit; without the large-mail lane unless <paramref name="sendEndpointProvider"/> is a RabbitMQ bus.</summary>
    public SmimeMailPublisher(ISendEndpointProvider sendEndpointProvider, IOptions<SmimePipelineClientOptions> options)
        : this(sendEndpointProvider, options, IsRabbitMq(sendEndpointProvider as IBus))
    {
    }

    /// <summary>A publisher with the configured limit and threshold.</summary>
    /// <param name="sendEndpointProvider">Where to send.</param>
    /// <param name="options">Limit and large-mail threshold.</param>
    /// <param name="largeMailLane">
    /// Whether large mail may take <see cref="QueueNames.ProtectLarge"/>: only on RabbitMQ, where a message nobody has
    /// bound a queue for comes back (mandatory) and can be sent to <see cref="QueueNames.Protect"/> instead. On another
    /// transport it would be dropped, so pass false.
    /// </param>
    public SmimeMailPublisher(ISendEndpointProvider sendEndpointProvider, IOptions<SmimePipelineClientOptions> options, bool largeMailLane)
    {
        ArgumentNullException.ThrowIfNull(options);
        _sendEndpointProvider = sendEndpointProvider ?? throw new ArgumentNullException(nameof(sendEndpointProvider));
        _maxMessageBytes = options.Value.MaxMessageBytes;
        _largeMailThresholdBytes = largeMailLane ? options.Value.LargeMailThresholdBytes : 0;
        _binary = options.Value.MessageFormat == ProtectCommandFormat.Binary;
    }

    /// <summary>Whether <paramref name="bus"/> is a RabbitMQ bus (the only transport the large-mail lane is used on).</summary>
    public static bool IsRabbitMq(IBus? bus) => bus?.Address.Scheme is "rabbitmq" or "rabbitmqs";

    /// <inheritdoc />
    /// <exception cref="MessageTooLargeException">The mail would exceed the size limit once protected.</exception>
    public async Task ProtectAsync(ProtectEmail mail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (mail.MailId == Guid.Empty)
        {
            throw new ArgumentException("MailId must be set: it identifies the mail in every event and in the delivery ledger.", nameof(mail));
        }

        var estimate = ProtectedSizeEstimate.Of(mail);
        EnsureFits(mail.MailId, estimate);
        await SendToSignersAsync(mail, estimate, cancellationToken);
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
        var estimate = ProtectedSizeEstimate.Of(message.LongLength, policy);
        EnsureFits(id, estimate);
        await SendToSignersAsync(new ProtectMimeMessage { MailId = id, Message = message, Policy = policy }, estimate, cancellationToken);
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

    /// <summary>
    /// Sends <paramref name="command"/> to <see cref="QueueNames.ProtectLarge"/> when it is estimated above the threshold
    /// and a signer has bound that lane, else to <see cref="QueueNames.Protect"/>. The broker confirms either send.
    /// </summary>
    private async Task SendToSignersAsync<T>(T command, long estimatedBytes, CancellationToken cancellationToken)
        where T : class
    {
        if (_largeMailThresholdBytes > 0 && estimatedBytes > _largeMailThresholdBytes)
        {
            var lane = await _sendEndpointProvider.GetSendEndpoint(ProtectLargeQueue);
            try
            {
                // Mandatory: with no queue bound (signers of an earlier version) the broker returns the message
                // instead of dropping it, MassTransit throws, and the mail takes the main queue.
                await lane.Send(command, context =>
                {
                    ChooseFormat(context);
                    if (context is RabbitMqSendContext rabbit)
                    {
                        rabbit.Mandatory = true;
                    }
                }, cancellationToken);
                return;
            }
            catch (MessageReturnedException)
            {
                // Not sent: the broker returned it. The main queue takes every command.
            }
        }

        var endpoint = await _sendEndpointProvider.GetSendEndpoint(ProtectQueue);
        await endpoint.Send(command, context => ChooseFormat(context), cancellationToken);
    }

    /// <summary>Binary (<see cref="ProtectCommandWireFormat"/>) unless <see cref="SmimePipelineClientOptions.MessageFormat"/> says JSON.</summary>
    private void ChooseFormat(SendContext context)
    {
        if (_binary)
        {
            ProtectCommandWireFormat.UseBinary(context);
        }
    }

    private void EnsureFits(Guid mailId, long estimatedBytes)
    {
        if (estimatedBytes > _maxMessageBytes)
        {
            throw new MessageTooLargeException(mailId, estimatedBytes, _maxMessageBytes);
        }
    }
}
