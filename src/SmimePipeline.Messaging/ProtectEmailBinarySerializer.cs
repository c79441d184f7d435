using System.Net.Mime;
using System.Runtime.Serialization;
using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging;

/// <summary>
/// Writes and reads <see cref="ProtectEmail"/> as <c>application/vnd.smimepipeline.protect-email; v=1</c>
/// (<see cref="ProtectCommandBinaryFormat"/>). The client sets it on each send of a <see cref="ProtectEmail"/>; the
/// workers register it as a deserializer chosen by the message's <c>content_type</c>. What it shares with
/// <see cref="ProtectMimeMessageBinarySerializer"/> is written once, in <see cref="ProtectCommandBinaryCodec{TCommand}"/>.
/// </summary>
public sealed class ProtectEmailBinarySerializer : IMessageSerializer, IMessageDeserializer
{
    private readonly ProtectCommandBinaryCodec<ProtectEmail> _codec;

    /// <summary>Creates the serializer.</summary>
    /// <param name="maxMessageBytes">
    /// <c>SmimePipeline:MaxMessageBytes</c>: a received body above it plus the largest manifest
    /// (<see cref="ProtectCommandBinaryFormat.LargestBody"/>) is refused before it is read. Default
    /// <see cref="MessageSizeLimits.DefaultMaxMessageBytes"/>.
    /// </param>
    public ProtectEmailBinarySerializer(int maxMessageBytes = MessageSizeLimits.DefaultMaxMessageBytes)
    {
        _codec = new ProtectCommandBinaryCodec<ProtectEmail>(
            this,
            maxMessageBytes,
            ProtectCommandBinaryFormat.LargestBody(maxMessageBytes),
            (mail, _) => ProtectEmailBinaryWriter.Write(mail),
            (body, mailId, _) => ProtectEmailBinaryReader.Read(body, mailId, maxMessageBytes),
            Fields);
    }

    /// <inheritdoc />
    public ContentType ContentType { get; } = ProtectCommandBinaryFormat.ProtectEmailContentType;

    /// <inheritdoc />
    /// <exception cref="SerializationException">The message is not a <see cref="ProtectEmail"/>, or a field cannot be written (named).</exception>
    public MessageBody GetMessageBody<T>(SendContext<T> context)
        where T : class => _codec.Write(context, mail => mail.MailId);

    /// <inheritdoc />
    public void Probe(ProbeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.CreateScope("smime-protect-email").Add("contentType", ContentType.ToString());
    }

    /// <inheritdoc />
    /// <exception cref="ProtectCommandFormatException">The content type's version, a header or the body's framing cannot be read.</exception>
    /// <exception cref="ProtectCommandTooLargeException">The body is above the size limit.</exception>
    public ConsumeContext Deserialize(ReceiveContext receiveContext) => _codec.Read(receiveContext);

    /// <inheritdoc />
    /// <exception cref="ProtectCommandFormatException">A header or the body's framing cannot be read.</exception>
    /// <exception cref="ProtectCommandTooLargeException">The body is above the size limit.</exception>
    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null) => _codec.Read(body, headers, destinationAddress);

    /// <inheritdoc />
    public MessageBody GetMessageBody(string text) => new StringMessageBody(text);

    private static Dictionary<string, object> Fields(ProtectEmail mail) => new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(ProtectEmail.MailId)] = mail.MailId,
        [nameof(ProtectEmail.From)] = mail.From,
        [nameof(ProtectEmail.To)] = mail.To,
        [nameof(ProtectEmail.Cc)] = mail.Cc,
        [nameof(ProtectEmail.Bcc)] = mail.Bcc,
        [nameof(ProtectEmail.Subject)] = mail.Subject,
        [nameof(ProtectEmail.Attachments)] = mail.Attachments,
        [nameof(ProtectEmail.Headers)] = mail.Headers,
        [nameof(ProtectEmail.Policy)] = mail.Policy,
    };
}
