using System.Diagnostics.CodeAnalysis;
using MassTransit;
using MassTransit.Serialization;

namespace SmimePipeline.Messaging;

/// <summary>
/// A received binary command: the message read from body and headers, MassTransit's fields from the transport
/// headers. Forwarding it (MassTransit's redelivery, an outbox) writes it in the same binary format again.
/// </summary>
internal sealed class BinaryCommandSerializerContext<TCommand>(
    IMessageSerializer serializer, MessageContext context, TCommand command, Func<TCommand, Dictionary<string, object>> fields)
    : BaseSerializerContext(SystemTextJsonMessageSerializer.Instance, context, [MessageUrn.ForTypeString<TCommand>()])
    where TCommand : class
{
    /// <inheritdoc />
    public override bool TryGetMessage<T>([NotNullWhen(true)] out T? message)
        where T : class
    {
        message = command as T;
        return message is not null;
    }

    /// <inheritdoc />
    public override bool TryGetMessage(Type messageType, [NotNullWhen(true)] out object? message)
    {
        message = messageType.IsInstanceOfType(command) ? command : null;
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
        where T : class =>
        message is TCommand received ? fields(received) : new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
}
