using System.Net.Mime;
using System.Runtime.Serialization;
using MassTransit;
using MassTransit.Serialization;
using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging;

/// <summary>
/// Writes and reads <see cref="ProtectEmail"/> as <c>application/vnd.smimepipeline.protect-email; v=1</c>
/// (<see cref="ProtectCommandBinaryFormat"/>). The client sets it on each send of a <see cref="ProtectEmail"/>; the
/// workers register it as a deserializer chosen by the message's <c>content_type</c>.
/// </summary>
/// <param name="maxMessageBytes">
/// <c>SmimePipeline:MaxMessageBytes</c>: a received body above it (plus the largest manifest) is refused before it is
/// read. Default <see cref="MessageSizeLimits.DefaultMaxMessageBytes"/>.
/// </param>
public sealed class ProtectEmailBinarySerializer(int maxMessageBytes = MessageSizeLimits.DefaultMaxMessageBytes) : IMessageSerializer, IMessageDeserializer
{
    /// <inheritdoc />
    public ContentType ContentType { get; } = ProtectCommandBinaryFormat.ProtectEmailContentType;

    /// <inheritdoc />
    /// <exception cref="SerializationException">The message is not a <see cref="ProtectEmail"/>, or a field cannot be written (named).</exception>
    public MessageBody GetMessageBody<T>(SendContext<T> context)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Message is not ProtectEmail mail)
        {
            throw new SerializationException($"The {ProtectCommandBinaryFormat.ProtectEmailMediaType} serializer writes ProtectEmail only, not {typeof(T).Name}.");
        }

        var body = ProtectEmailBinaryWriter.Write(mail);
        EnvelopeHeaders.Write(context);
        context.Headers.Set(ProtectCommandBinaryFormat.MailIdHeader, mail.MailId.ToString("D"));
        return new BytesMessageBody(body);
    }

    /// <inheritdoc />
    public void Probe(ProbeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.CreateScope("smime-protect-email").Add("contentType", ContentType.ToString());
    }

    /// <inheritdoc />
    /// <exception cref="ProtectCommandFormatException">The content type's version, a header or the body's framing cannot be read.</exception>
    public ConsumeContext Deserialize(ReceiveContext receiveContext)
    {
        ArgumentNullException.ThrowIfNull(receiveContext);
        ProtectCommandHeaderReader.CheckVersion(receiveContext.ContentType, nameof(ProtectEmail));
        return new BodyConsumeContext(receiveContext, Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));
    }

    /// <inheritdoc />
    /// <exception cref="ProtectCommandFormatException">A header or the body's framing cannot be read.</exception>
    /// <exception cref="ProtectCommandTooLargeException">The body is above the size limit.</exception>
    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        var mailId = ProtectCommandHeaderReader.MailId(headers, nameof(ProtectEmail));
        if (body.Length is { } length && length > (long)maxMessageBytes + ProtectCommandBinaryFormat.MaxManifestBytes + ProtectCommandBinaryFormat.ManifestLengthBytes)
        {
            // Refused before the body is copied out of the transport's buffer.
            throw new ProtectCommandTooLargeException(nameof(ProtectEmail), length, maxMessageBytes);
        }

        var mail = ProtectEmailBinaryReader.Read(body.GetBytes(), mailId, maxMessageBytes);
        var context = new RawMessageContext(headers, destinationAddress, RawSerializerOptions.CopyHeaders);
        return new BinaryCommandSerializerContext<ProtectEmail>(this, context, mail, Fields);
    }

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
