using System.Net.Mime;
using MassTransit;

namespace SmimePipeline.Messaging;

/// <summary>Gives MassTransit one stateless binary serializer, which is its own deserializer.</summary>
internal sealed class BinarySerializerFactory<TSerializer>(TSerializer serializer) : ISerializerFactory
    where TSerializer : IMessageSerializer, IMessageDeserializer
{
    /// <inheritdoc />
    public ContentType ContentType => ((IMessageSerializer)serializer).ContentType;

    /// <inheritdoc />
    public IMessageSerializer CreateSerializer() => serializer;

    /// <inheritdoc />
    public IMessageDeserializer CreateDeserializer() => serializer;
}
