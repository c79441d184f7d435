using System.Net.Mime;
using System.Runtime.Serialization;
using MassTransit;
using MassTransit.Serialization;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Messaging;

/// <summary>
/// Writes and reads <see cref="DeliverEmail"/> in the <see cref="DeliverEmailBinaryFormat"/>. Registered on the bus
/// as an additional serializer (not the default: every other message stays JSON) and deserializer; a send selects it
/// by content type (<see cref="DeliverEmailWireFormat"/>), a receive by the message's <c>content_type</c>.
/// </summary>
public sealed class DeliverEmailBinarySerializer : IMessageSerializer, IMessageDeserializer
{
    private static readonly string[] MessageTypes = [MessageUrn.ForTypeString<DeliverEmail>()];

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

        WriteEnvelopeHeaders(context);
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
        return new DeliverEmailBinarySerializerContext(this, context, MessageTypes, mail);
    }

    /// <inheritdoc />
    public MessageBody GetMessageBody(string text) => new StringMessageBody(text);

    // What MassTransit's envelope carried and its transport does not: the transport itself writes the message and
    // correlation ids into the AMQP properties, the trace context into the headers.
    private static void WriteEnvelopeHeaders(SendContext context)
    {
        var headers = context.Headers;
        if (context.ConversationId is { } conversationId)
        {
            headers.Set(MessageHeaders.ConversationId, conversationId.ToString("D"));
        }

        if (context.InitiatorId is { } initiatorId)
        {
            headers.Set(MessageHeaders.InitiatorId, initiatorId.ToString("D"));
        }

        if (context.RequestId is { } requestId)
        {
            headers.Set(MessageHeaders.RequestId, requestId.ToString("D"));
        }

        if (context.SourceAddress is { } source)
        {
            headers.Set(MessageHeaders.SourceAddress, source.ToString());
        }

        if (context.ResponseAddress is { } response)
        {
            headers.Set(MessageHeaders.ResponseAddress, response.ToString());
        }

        if (context.FaultAddress is { } fault)
        {
            headers.Set(MessageHeaders.FaultAddress, fault.ToString());
        }
    }

    // A version parameter is short; anything else is not echoed.
    private static string Printable(string version) =>
        version.Length <= 8 && version.All(char.IsAsciiLetterOrDigit) ? $"'{version}'" : "(unprintable)";
}
