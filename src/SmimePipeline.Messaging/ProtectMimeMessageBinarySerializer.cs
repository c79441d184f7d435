using System.Net.Mime;
using System.Runtime.Serialization;
using System.Text.Json;
using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging;

/// <summary>
/// Writes and reads <see cref="ProtectMimeMessage"/> as <c>application/vnd.smimepipeline.protect-mime-message; v=1</c>
/// (<see cref="ProtectCommandBinaryFormat"/>): the body is the RFC 5322 message as it is; mail id and policy are headers.
/// A body above <c>SmimePipeline:MaxMessageBytes</c> is refused as <c>message-too-large</c> before it is copied, the
/// code the validator gives the same message in JSON. What it shares with <see cref="ProtectEmailBinarySerializer"/> is
/// written once, in <see cref="ProtectCommandBinaryCodec{TCommand}"/>.
/// </summary>
public sealed class ProtectMimeMessageBinarySerializer : IMessageSerializer, IMessageDeserializer
{
    private readonly ProtectCommandBinaryCodec<ProtectMimeMessage> _codec;

    /// <summary>Creates the serializer.</summary>
    /// <param name="maxMessageBytes">
    /// <c>SmimePipeline:MaxMessageBytes</c>: a received body above it (<see cref="ProtectCommandBinaryFormat.LargestMimeMessageBody"/>)
    /// is refused as too large before it is copied out of the transport's buffer. Default
    /// <see cref="MessageSizeLimits.DefaultMaxMessageBytes"/>.
    /// </param>
    public ProtectMimeMessageBinarySerializer(int maxMessageBytes = MessageSizeLimits.DefaultMaxMessageBytes)
    {
        _codec = new ProtectCommandBinaryCodec<ProtectMimeMessage>(
            this,
            maxMessageBytes,
            ProtectCommandBinaryFormat.LargestMimeMessageBody(maxMessageBytes),
            (mail, headers) =>
            {
                headers.Set(ProtectCommandBinaryFormat.PolicyHeader, JsonSerializer.Serialize(mail.Policy, ProtectCommandJsonContext.Default.SecurityPolicy));
                return mail.Message ?? [];
            },
            (body, mailId, headers) => new ProtectMimeMessage
            {
                MailId = mailId,
                Policy = ProtectCommandHeaderReader.Policy(headers, nameof(ProtectMimeMessage))!,
                Message = body,
            },
            Fields);
    }

    /// <inheritdoc />
    public ContentType ContentType { get; } = ProtectCommandBinaryFormat.ProtectMimeMessageContentType;

    /// <inheritdoc />
    /// <exception cref="SerializationException">The message is not a <see cref="ProtectMimeMessage"/>.</exception>
    public MessageBody GetMessageBody<T>(SendContext<T> context)
        where T : class => _codec.Write(context, mail => mail.MailId);

    /// <inheritdoc />
    public void Probe(ProbeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.CreateScope("smime-protect-mime-message").Add("contentType", ContentType.ToString());
    }

    /// <inheritdoc />
    /// <exception cref="ProtectCommandFormatException">The content type's version or a header cannot be read.</exception>
    /// <exception cref="ProtectCommandTooLargeException">The body is above the size limit.</exception>
    public ConsumeContext Deserialize(ReceiveContext receiveContext) => _codec.Read(receiveContext);

    /// <inheritdoc />
    /// <exception cref="ProtectCommandFormatException">A header cannot be read.</exception>
    /// <exception cref="ProtectCommandTooLargeException">The body is above the size limit.</exception>
    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null) => _codec.Read(body, headers, destinationAddress);

    /// <inheritdoc />
    public MessageBody GetMessageBody(string text) => new StringMessageBody(text);

    private static Dictionary<string, object> Fields(ProtectMimeMessage mail) => new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(ProtectMimeMessage.MailId)] = mail.MailId,
        [nameof(ProtectMimeMessage.Message)] = mail.Message,
        [nameof(ProtectMimeMessage.Policy)] = mail.Policy,
    };
}
