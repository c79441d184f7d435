using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;
using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Client;

/// <summary>
/// Sends the pipeline's commands to the <c>smime-protect</c> queue. Mail that would exceed
/// <see cref="SmimePipelineClientOptions.MaxMessageBytes"/> once protected is refused with a
/// <see cref="MessageTooLargeException"/> before the broker is touched. Commands travel in
/// <see cref="SmimePipelineClientOptions.MessageFormat"/> (binary by default); the producer's bus needs no serializer
/// registered for it. With a producer claim store, a command whose mail payload is above
/// <see cref="SmimePipelineClientOptions.ClaimCheckThresholdBytes"/> is stored there and only a
/// <see cref="ProtectCommandClaim"/> is sent (the producer claim check).
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
    private readonly IProtectClaimStore? _claimStore;
    private readonly int _claimThresholdBytes;
    private readonly TimeProvider _time;

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
        : this(sendEndpointProvider, options, largeMailLane, claimStore: null, TimeProvider.System)
    {
    }

    /// <summary>A publisher with the configured limit and thresholds, and the producer claim check over <paramref name="claimStore"/>.</summary>
    /// <param name="sendEndpointProvider">Where to send.</param>
    /// <param name="options">Limit, large-mail threshold and claim check threshold.</param>
    /// <param name="largeMailLane">Whether large mail may take <see cref="QueueNames.ProtectLarge"/> (see the other constructor).</param>
    /// <param name="claimStore">
    /// Where commands above <see cref="SmimePipelineClientOptions.ClaimCheckThresholdBytes"/> are stored; null: every
    /// command travels inline.
    /// </param>
    /// <param name="time">The clock that stamps a claim's creation (the signers' sweeper deletes by it).</param>
    public SmimeMailPublisher(
        ISendEndpointProvider sendEndpointProvider, IOptions<SmimePipelineClientOptions> options, bool largeMailLane, IProtectClaimStore? claimStore, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _claimStore = claimStore;
        _claimThresholdBytes = claimStore is null ? 0 : options.Value.ClaimCheckThresholdBytes;
        _time = time ?? throw new ArgumentNullException(nameof(time));
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
        await SendToSignersAsync(mail, estimate, PayloadBytes(mail), cancellationToken);
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
        await SendToSignersAsync(new ProtectMimeMessage { MailId = id, Message = message, Policy = policy }, estimate, message.LongLength, cancellationToken);
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

    /// <summary>Whether a command whose mail payload is <paramref name="payloadBytes"/> long goes through the producer claim check.</summary>
    public bool UsesClaimCheck(long payloadBytes) => _claimThresholdBytes > 0 && payloadBytes > _claimThresholdBytes;

    /// <summary>
    /// The bytes of <paramref name="mail"/>'s payloads (bodies as UTF-8, attachments): what its serialized body is, less
    /// the small manifest. Counted without serializing, so that small mail is serialized once, by the send.
    /// </summary>
    public static long PayloadBytes(ProtectEmail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        long bytes = (mail.TextBody is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(mail.TextBody))
            + (mail.HtmlBody is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(mail.HtmlBody));
        foreach (var attachment in mail.Attachments ?? [])
        {
            bytes += attachment?.Content?.LongLength ?? 0;
        }

        return bytes;
    }

    /// <summary>
    /// Sends <paramref name="command"/>, or its <see cref="ProtectCommandClaim"/> when its payload is above the claim
    /// check threshold, to <see cref="QueueNames.ProtectLarge"/> when it is estimated above the large-mail threshold and
    /// a signer has bound that lane, else to <see cref="QueueNames.Protect"/>. The broker confirms either send.
    /// </summary>
    private async Task SendToSignersAsync<T>(T command, long estimatedBytes, long payloadBytes, CancellationToken cancellationToken)
        where T : class
    {
        if (UsesClaimCheck(payloadBytes))
        {
            var claim = await CheckInAsync(command, cancellationToken);
            await RouteAsync(claim, estimatedBytes, cancellationToken);
            return;
        }

        await RouteAsync(command, estimatedBytes, cancellationToken);
    }

    /// <summary>
    /// Stores <paramref name="command"/> in the claim store (committed before this returns) and returns the reference
    /// that travels instead. A claim whose reference is then never confirmed by the broker stays until the signers'
    /// sweeper deletes it after <c>SmimePipeline:ProducerClaims:Retention</c>: the producer may only insert.
    /// </summary>
    private async Task<ProtectCommandClaim> CheckInAsync<T>(T command, CancellationToken cancellationToken)
        where T : class
    {
        // A ProtectEmail's claim is written into a pooled array (cleared and returned once the store has it): for a large
        // mail that is a fresh array of its size on the large object heap saved per claim (issue 17, session 16).
        var (mailId, content) = command switch
        {
            ProtectEmail mail => (mail.MailId, ProtectClaimContent.WritePooled(mail)),
            ProtectMimeMessage mime => (mime.MailId, ProtectClaimBuffer.Of(ProtectClaimContent.Write(mime))),
            _ => throw new ArgumentException($"Only ProtectEmail and ProtectMimeMessage travel by claim, not {typeof(T).Name}.", nameof(command)),
        };
        using (content)
        {
            var id = ProtectClaimId.NewId();
            var sha256 = System.Security.Cryptography.SHA256.HashData(content.Memory.Span);
            await _claimStore!.PutAsync(id, content.Memory, sha256, _time.GetUtcNow(), cancellationToken);
            return new ProtectCommandClaim
            {
                MailId = mailId,
                ClaimAddress = id.Address,
                Length = content.Length,
                Sha256 = Convert.ToHexStringLower(sha256),
            };
        }
    }

    private async Task RouteAsync<T>(T command, long estimatedBytes, CancellationToken cancellationToken)
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
