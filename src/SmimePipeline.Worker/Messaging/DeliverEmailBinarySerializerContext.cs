using System.Diagnostics.CodeAnalysis;
using MassTransit;
using MassTransit.Serialization;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Messaging;

/// <summary>
/// A received binary <see cref="DeliverEmail"/>: the message read from the headers and body, MassTransit's fields from
/// the transport headers. Forwarding it (MassTransit's redelivery, an outbox) writes it in the binary format again.
/// </summary>
internal sealed class DeliverEmailBinarySerializerContext(
    DeliverEmailBinarySerializer serializer, MessageContext context, string[] messageTypes, DeliverEmail mail)
    : BaseSerializerContext(SystemTextJsonMessageSerializer.Instance, context, messageTypes)
{
    /// <inheritdoc />
    public override bool TryGetMessage<T>([NotNullWhen(true)] out T? message)
        where T : class
    {
        message = mail as T;
        return message is not null;
    }

    /// <inheritdoc />
    public override bool TryGetMessage(Type messageType, [NotNullWhen(true)] out object? message)
    {
        message = messageType.IsInstanceOfType(mail) ? mail : null;
        return message is not null;
    }

    /// <inheritdoc />
    public override IMessageSerializer GetMessageSerializer() => serializer;

    /// <inheritdoc />
    public override IMessageSerializer GetMessageSerializer<T>(MessageEnvelope envelope, T message) => serializer;

    /// <inheritdoc />
    public override IMessageSerializer GetMessageSerializer(object message, string[] messageTypes) => serializer;

    /// <inheritdoc />
    public override Dictionary<string, object> ToDictionary<T>(T? message)
        where T : class
    {
        var result = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        if (message is DeliverEmail fields)
        {
            result[nameof(DeliverEmail.MailId)] = fields.MailId;
            result[nameof(DeliverEmail.EnvelopeFrom)] = fields.EnvelopeFrom;
            result[nameof(DeliverEmail.EnvelopeTo)] = fields.EnvelopeTo;
            result[nameof(DeliverEmail.Content)] = fields.Content;
            result[nameof(DeliverEmail.Attempt)] = fields.Attempt;
            if (fields.ContentAddress is not null)
            {
                result[nameof(DeliverEmail.ContentAddress)] = fields.ContentAddress;
            }

            if (fields.Protection is { } protection)
            {
                result[nameof(DeliverEmail.Protection)] = protection;
            }
        }

        return result;
    }
}
