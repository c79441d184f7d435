using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging;

/// <summary>
/// Puts the binary protect formats on a bus: the client chooses the serializer on each send (the producer's bus needs
/// no registration); the workers register the deserializers, so that <c>smime-protect</c> and
/// <c>smime-protect-large</c> read both binary and JSON commands.
/// </summary>
public static class ProtectCommandWireFormat
{
    private static readonly ProtectEmailBinarySerializer ProtectEmailSerializer = new();
    private static readonly ProtectMimeMessageBinarySerializer ProtectMimeMessageSerializer = new();

    /// <summary>Makes <paramref name="send"/> binary when it carries a <see cref="ProtectEmail"/> or <see cref="ProtectMimeMessage"/>; any other message keeps the bus's serializer.</summary>
    public static void UseBinary(SendContext send)
    {
        ArgumentNullException.ThrowIfNull(send);
        IMessageSerializer? serializer = send switch
        {
            SendContext<ProtectEmail> => ProtectEmailSerializer,
            SendContext<ProtectMimeMessage> => ProtectMimeMessageSerializer,
            _ => null,
        };
        if (serializer is not null)
        {
            send.Serializer = serializer;
            send.ContentType = serializer.ContentType;
        }
    }

    /// <summary>Registers the deserializers of both binary commands on <paramref name="bus"/> (JSON stays the default).</summary>
    /// <param name="bus">The bus being configured.</param>
    /// <param name="maxMessageBytes"><c>SmimePipeline:MaxMessageBytes</c>, enforced on both commands before their bodies are copied.</param>
    public static void AddProtectCommandBinaryFormats(IBusFactoryConfigurator bus, int maxMessageBytes)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddDeserializer(new BinarySerializerFactory<ProtectEmailBinarySerializer>(new ProtectEmailBinarySerializer(maxMessageBytes)));
        bus.AddDeserializer(new BinarySerializerFactory<ProtectMimeMessageBinarySerializer>(new ProtectMimeMessageBinarySerializer(maxMessageBytes)));
    }
}
