using System.Runtime.CompilerServices;
using MassTransit;
using MassTransit.Serialization;

namespace SmimePipeline.Messaging;

/// <summary>
/// A received message body's bytes for a reader that copies out everything it keeps (issue 17, session 17): RabbitMQ's
/// deliveries come as <see cref="MemoryMessageBody"/>, whose <see cref="MessageBody.GetBytes"/> copies the whole body
/// into a new array (≈ 43 KB per standard <c>ProtectEmail</c>, 14 % of what our process allocated per mail flat out);
/// its memory is read here in place instead. The memory is what <see cref="MessageBody.GetBytes"/> would copy at the
/// same moment, so reading it while the body is being deserialized is as safe as that copy; a reader that keeps the
/// bytes themselves (<c>ProtectMimeMessage</c>, <c>DeliverEmail</c>) still calls <see cref="MessageBody.GetBytes"/>.
/// </summary>
internal static class ReceivedBody
{
    // MassTransit 8.5 keeps the delivery in MemoryMessageBody's private field and has no public way to it. Should a later
    // MassTransit rename the field, every body is copied as before (ReceivedBodyTests fails, so the loss is seen).
    private static volatile bool _inPlaceUnavailable;

    /// <summary>The bytes of <paramref name="body"/>, without a copy where the body type allows it.</summary>
    public static ReadOnlyMemory<byte> Memory(MessageBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body is MemoryMessageBody memoryBody && !_inPlaceUnavailable)
        {
            try
            {
                return MemoryOf(memoryBody);
            }
            catch (MissingFieldException)
            {
                _inPlaceUnavailable = true;
            }
        }

        // BytesMessageBody (in-memory transports, claims read back) returns its own array: no copy there either.
        return body.GetBytes();
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_memory")]
    private static extern ref ReadOnlyMemory<byte> MemoryOf(MemoryMessageBody body);
}
