using System.Net.Mime;
using System.Runtime.Serialization;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging;

/// <summary>
/// Writes and reads <see cref="ProtectMimeMessage"/> as <c>application/vnd.smimepipeline.protect-mime-message; v=1</c>
/// (<see cref="ProtectCommandBinaryFormat"/>): the body is the RFC 5322 message as it is; mail id and policy are headers.
/// The size limit is the validator's, as for JSON: the body is the message, nothing it claims needs allocating.
/// </summary>
public sealed class ProtectMimeMessageBinarySerializer : IMessageSerializer, IMessageDeserializer
{
    /// <inheritdoc />
    public ContentType ContentType { get; } = ProtectCommandBinaryFormat.ProtectMimeMessageContentType;

    /// <inheritdoc />
    /// <exception cref="SerializationException">The message is not a <see cref="ProtectMimeMessage"/>.</exception>
    public MessageBody GetMessageBody<T>(SendContext<T> context)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Message is not ProtectMimeMessage mail)
        {
            throw new SerializationException($"The {ProtectCommandBinaryFormat.ProtectMimeMessageMediaType} serializer writes ProtectMimeMessage only, not {typeof(T).Name}.");
        }

        EnvelopeHeaders.Write(context);
        context.Headers.Set(ProtectCommandBinaryFormat.MailIdHeader, mail.MailId.ToString("D"));
        context.Headers.Set(ProtectCommandBinaryFormat.PolicyHeader, JsonSerializer.Serialize(mail.Policy, ProtectCommandJsonContext.Default.SecurityPolicy));
        return new BytesMessageBody(mail.Message ?? []);
    }

    /// <inheritdoc />
    public void Probe(ProbeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.CreateScope("smime-protect-mime-message").Add("contentType", ContentType.ToString());
    }

    /// <inheritdoc />
    /// <exception cref="ProtectCommandFormatException">The content type's version or a header cannot be read.</exception>
    public ConsumeContext Deserialize(ReceiveContext receiveContext)
    {
        ArgumentNullException.ThrowIfNull(receiveContext);
        ProtectCommandHeaderReader.CheckVersion(receiveContext.ContentType, nameof(ProtectMimeMessage));
        return new BodyConsumeContext(receiveContext, Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));
    }

    /// <inheritdoc />
    /// <exception cref="ProtectCommandFormatException">A header cannot be read.</exception>
    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        var mail = new ProtectMimeMessage
        {
            MailId = ProtectCommandHeaderReader.MailId(headers, nameof(ProtectMimeMessage)),
            Policy = ProtectCommandHeaderReader.Policy(headers, nameof(ProtectMimeMessage))!,
            Message = body.GetBytes(),
        };
        var context = new RawMessageContext(headers, destinationAddress, RawSerializerOptions.CopyHeaders);
        return new BinaryCommandSerializerContext<ProtectMimeMessage>(this, context, mail, Fields);
    }

    /// <inheritdoc />
    public MessageBody GetMessageBody(string text) => new StringMessageBody(text);

    private static Dictionary<string, object> Fields(ProtectMimeMessage mail) => new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(ProtectMimeMessage.MailId)] = mail.MailId,
        [nameof(ProtectMimeMessage.Message)] = mail.Message,
        [nameof(ProtectMimeMessage.Policy)] = mail.Policy,
    };
}
