using System.Net.Mime;
using System.Runtime.Serialization;
using MassTransit;
using MassTransit.Serialization;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;

namespace SmimePipeline.Worker.Messaging;

/// <summary>
/// Writes and reads <see cref="DeliverEmail"/> in the <see cref="DeliverEmailBinaryFormat"/>. Registered on the bus
/// as an additional serializer (not the default: every other message stays JSON) and deserializer; a send selects it
/// by content type (<see cref="DeliverEmailWireFormat"/>), a receive by the message's <c>content_type</c>.
/// </summary>
public sealed class DeliverEmailBinarySerializer : IMessageSerializer, IMessageDeserializer
{

    /// <inheritdoc />
    public ContentType ContentType { get; } = DeliverEmailBinaryFormat.ContentType;

    /// <inheritdoc />
    /// <exception cref="SerializationException">The message is not a <see cref="DeliverEmail"/>.</exception>
    public MessageBody GetMessageBody<T>(SendContext<T> context)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Message is not DeliverEmail mail)
        {
            throw new SerializationException($"The {DeliverEmailBinaryFormat.MediaType} serializer writes DeliverEmail only, not {typeof(T).Name}.");
        }

        EnvelopeHeaders.Write(context);
        var headers = context.Headers;
        headers.Set(DeliverEmailBinaryFormat.MailIdHeader, mail.MailId.ToString("D"));
        headers.Set(DeliverEmailBinaryFormat.EnvelopeFromHeader, mail.EnvelopeFrom);
        headers.Set(DeliverEmailBinaryFormat.EnvelopeToHeader, string.Join(',', mail.EnvelopeTo));
        headers.Set(DeliverEmailBinaryFormat.AttemptHeader, mail.Attempt);
        if (mail.ContentAddress is not null)
        {
            headers.Set(DeliverEmailBinaryFormat.ContentAddressHeader, mail.ContentAddress.ToString());
        }

        if (mail.Protection is { } protection)
        {
            headers.Set(DeliverEmailBinaryFormat.ProtectionHeader, protection.ToString());
        }

        return new BytesMessageBody(mail.Content ?? []);
    }

    /// <inheritdoc />
    public void Probe(ProbeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scope = context.CreateScope("smime-deliver-email");
        scope.Add("contentType", ContentType.ToString());
    }

    /// <inheritdoc />
    /// <exception cref="DeliverEmailHeaderException">The content type's version or a header cannot be read.</exception>
    public ConsumeContext Deserialize(ReceiveContext receiveContext)
    {
        ArgumentNullException.ThrowIfNull(receiveContext);
        if (receiveContext.ContentType?.Parameters["v"] is { } version && version != DeliverEmailBinaryFormat.Version)
        {
            throw new DeliverEmailHeaderException("content-type", $"names version {Printable(version)}; this sender reads version {DeliverEmailBinaryFormat.Version}");
        }

        return new BodyConsumeContext(receiveContext, Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));
    }

    /// <inheritdoc />
    /// <exception cref="DeliverEmailHeaderException">A header cannot be read.</exception>
    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        var mail = DeliverEmailHeaderReader.Read(headers, body.GetBytes());
        var context = new RawMessageContext(headers, destinationAddress, RawSerializerOptions.CopyHeaders);
        return new BinaryCommandSerializerContext<DeliverEmail>(this, context, mail, Fields);
    }

    /// <inheritdoc />
    public MessageBody GetMessageBody(string text) => new StringMessageBody(text);

    // What MassTransit's outbox or redelivery sees of a received mail when it forwards it.
    private static Dictionary<string, object> Fields(DeliverEmail mail)
    {
        var result = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase)
        {
            [nameof(DeliverEmail.MailId)] = mail.MailId,
            [nameof(DeliverEmail.EnvelopeFrom)] = mail.EnvelopeFrom,
            [nameof(DeliverEmail.EnvelopeTo)] = mail.EnvelopeTo,
            [nameof(DeliverEmail.Content)] = mail.Content,
            [nameof(DeliverEmail.Attempt)] = mail.Attempt,
        };
        if (mail.ContentAddress is not null)
        {
            result[nameof(DeliverEmail.ContentAddress)] = mail.ContentAddress;
        }

        if (mail.Protection is { } protection)
        {
            result[nameof(DeliverEmail.Protection)] = protection;
        }

        return result;
    }

    // A version parameter is short; anything else is not echoed.
    private static string Printable(string version) =>
        version.Length <= 8 && version.All(char.IsAsciiLetterOrDigit) ? $"'{version}'" : "(unprintable)";
}
