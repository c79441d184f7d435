using System.Net.Mime;
using MassTransit;

namespace SmimePipeline.Worker.Messaging;

/// <summary>Gives MassTransit the one <see cref="DeliverEmailBinarySerializer"/> (it holds no state).</summary>
public sealed class DeliverEmailBinarySerializerFactory : ISerializerFactory
{
    private static readonly DeliverEmailBinarySerializer Serializer = new();

    /// <inheritdoc />
    public ContentType ContentType => Serializer.ContentType;

    /// <inheritdoc />
    public IMessageSerializer CreateSerializer() => Serializer;

    /// <inheritdoc />
    public IMessageDeserializer CreateDeserializer() => Serializer;
}
