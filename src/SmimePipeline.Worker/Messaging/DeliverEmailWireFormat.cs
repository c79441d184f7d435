using System.Text;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Messaging;

/// <summary>
/// Chooses the format of each <see cref="DeliverEmail"/> sent: the signer's by <c>Signer:DeliverEmailFormat</c>, the
/// sender's retries and dead letters by the format the mail arrived in (a JSON mail stays JSON, so that an old sender
/// can still read it during an upgrade; a binary one stays binary).
/// </summary>
public static class DeliverEmailWireFormat
{
    /// <summary>
    /// Makes <paramref name="send"/> binary when <paramref name="format"/> says so and the envelope fits into headers
    /// (<see cref="DeliverEmailBinaryFormat.MaxSignerHeaderBytes"/>); otherwise it stays MassTransit's JSON.
    /// </summary>
    /// <exception cref="InvalidOperationException">The bus has no binary serializer registered (<see cref="AddDeliverEmailBinaryFormat"/>).</exception>
    public static void Apply(SendContext<DeliverEmail> send, DeliverEmailFormat format)
    {
        ArgumentNullException.ThrowIfNull(send);
        if (format == DeliverEmailFormat.Binary && FitsInHeaders(send.Message))
        {
            UseBinary(send);
        }
    }

    /// <summary>
    /// Sends <paramref name="send"/> in the format <paramref name="received"/> arrived in; a mail whose first attempt the
    /// signer made in its own process (<see cref="Sending.InProcessDelivery"/>) in the signer's <c>Signer:DeliverEmailFormat</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The bus has no binary serializer registered.</exception>
    public static void KeepReceivedFormat(SendContext send, ConsumeContext received)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(received);
        if (received is Sending.InProcessDeliverContext local)
        {
            // A first attempt made in the signer's process: the mail never travelled, so it goes as the signer sends it.
            if (local.Format == DeliverEmailFormat.Binary && FitsInHeaders(local.Message))
            {
                UseBinary(send);
            }
        }
        else if (DeliverEmailBinaryFormat.Is(received.ReceiveContext.ContentType))
        {
            UseBinary(send);
        }
    }

    /// <summary>Registers the binary format on a bus: a serializer that sends choose by content type, and its deserializer.</summary>
    public static void AddDeliverEmailBinaryFormat(IBusFactoryConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        var factory = new DeliverEmailBinarySerializerFactory();
        bus.AddSerializer(factory, isSerializer: false);
        bus.AddDeserializer(factory);
    }

    /// <summary>Whether the envelope of <paramref name="mail"/> is small enough for transport headers.</summary>
    public static bool FitsInHeaders(DeliverEmail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        long bytes = Encoding.UTF8.GetByteCount(mail.EnvelopeFrom ?? "") + (mail.ContentAddress?.OriginalString.Length ?? 0);
        foreach (var recipient in mail.EnvelopeTo ?? [])
        {
            bytes += Encoding.UTF8.GetByteCount(recipient ?? "") + 1;
            if (bytes > DeliverEmailBinaryFormat.MaxSignerHeaderBytes)
            {
                return false;
            }
        }

        return bytes <= DeliverEmailBinaryFormat.MaxSignerHeaderBytes;
    }

    private static void UseBinary(SendContext send)
    {
        if (send.Serialization is not { } serialization
            || !serialization.TryGetMessageSerializer(DeliverEmailBinaryFormat.ContentType, out var serializer))
        {
            throw new InvalidOperationException(
                $"The bus has no serializer for {DeliverEmailBinaryFormat.MediaType}; register it with DeliverEmailWireFormat.AddDeliverEmailBinaryFormat.");
        }

        send.Serializer = serializer;
    }
}
