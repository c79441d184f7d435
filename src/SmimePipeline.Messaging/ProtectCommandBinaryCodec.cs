using System.Runtime.Serialization;
using MassTransit;
using MassTransit.Serialization;

namespace SmimePipeline.Messaging;

/// <summary>
/// What the binary serializers of <c>ProtectEmail</c> and <c>ProtectMimeMessage</c> share, written once: on send, the
/// type check, MassTransit's envelope fields and the mail id header; on receive, the content type's version, the mail
/// id header, the size check before the body is copied out of the transport's buffer (refused as
/// <see cref="ProtectCommandTooLargeException"/>), and the serializer context the consumer reads. Each serializer gives
/// only what differs: how its body is written and read, its largest body, and its fields for MassTransit's faults.
/// </summary>
/// <typeparam name="TCommand">The command, <c>ProtectEmail</c> or <c>ProtectMimeMessage</c>.</typeparam>
/// <param name="serializer">The serializer that owns this codec; a forwarded message is written with it again.</param>
/// <param name="maxMessageBytes"><c>SmimePipeline:MaxMessageBytes</c>, named in the refusal.</param>
/// <param name="largestBody">The largest body read under <paramref name="maxMessageBytes"/> (<see cref="ProtectCommandBinaryFormat.LargestBody"/>).</param>
/// <param name="write">Writes the body of a command and sets the headers only this command has.</param>
/// <param name="read">Reads a body within the size limit, with the mail id already read from its header.</param>
/// <param name="fields">The command's fields by name, for MassTransit's fault and audit dictionaries.</param>
internal sealed class ProtectCommandBinaryCodec<TCommand>(
    IMessageSerializer serializer,
    int maxMessageBytes,
    long largestBody,
    Func<TCommand, SendHeaders, byte[]> write,
    Func<byte[], Guid, Headers, TCommand> read,
    Func<TCommand, Dictionary<string, object>> fields)
    where TCommand : class
{
    private static readonly string Command = typeof(TCommand).Name;

    /// <summary>The body of <paramref name="context"/>'s message, its envelope fields and mail id put into headers.</summary>
    /// <exception cref="SerializationException">The message is not a <typeparamref name="TCommand"/>, or the command's writer refuses a field.</exception>
    public MessageBody Write<T>(SendContext<T> context, Func<TCommand, Guid> mailId)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Message is not TCommand command)
        {
            throw new SerializationException($"The {serializer.ContentType.MediaType} serializer writes {Command} only, not {typeof(T).Name}.");
        }

        var body = write(command, context.Headers);
        EnvelopeHeaders.Write(context);
        context.Headers.Set(ProtectCommandBinaryFormat.MailIdHeader, mailId(command).ToString("D"));
        return new BytesMessageBody(body);
    }

    /// <summary>The consume context of a received message, after its content type's version is checked.</summary>
    /// <exception cref="ProtectCommandFormatException">The version, a header or the body's framing cannot be read.</exception>
    /// <exception cref="ProtectCommandTooLargeException">The body is above the size limit.</exception>
    public ConsumeContext Read(ReceiveContext receiveContext)
    {
        ArgumentNullException.ThrowIfNull(receiveContext);
        ProtectCommandHeaderReader.CheckVersion(receiveContext.ContentType, Command);
        return new BodyConsumeContext(receiveContext, Read(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));
    }

    /// <summary>The serializer context of <paramref name="body"/> and <paramref name="headers"/>.</summary>
    /// <exception cref="ProtectCommandFormatException">A header or the body's framing cannot be read.</exception>
    /// <exception cref="ProtectCommandTooLargeException">The body is above the size limit.</exception>
    public SerializerContext Read(MessageBody body, Headers headers, Uri? destinationAddress)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        var mailId = ProtectCommandHeaderReader.MailId(headers, Command);
        if (body.Length is { } length && length > largestBody)
        {
            // Refused before the body is copied out of the transport's buffer.
            throw new ProtectCommandTooLargeException(Command, length, maxMessageBytes, largestBody);
        }

        var command = read(body.GetBytes(), mailId, headers);
        var context = new RawMessageContext(headers, destinationAddress, RawSerializerOptions.CopyHeaders);
        return new BinaryCommandSerializerContext<TCommand>(serializer, context, command, fields);
    }
}
