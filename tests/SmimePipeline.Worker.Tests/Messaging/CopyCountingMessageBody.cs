using MassTransit;

namespace SmimePipeline.Worker.Tests.Messaging;

/// <summary>
/// A received body of a given length, as the transport hands it over, that counts how often its bytes are copied out:
/// the size check must refuse an oversize body while <see cref="Copies"/> is still 0.
/// </summary>
internal sealed class CopyCountingMessageBody(long length) : MessageBody
{
    /// <summary>How many times <see cref="GetBytes"/>, <see cref="GetStream"/> or <see cref="GetString"/> was called.</summary>
    public int Copies { get; private set; }

    /// <inheritdoc />
    public long? Length => length;

    /// <inheritdoc />
    public byte[] GetBytes()
    {
        Copies++;
        return new byte[length];
    }

    /// <inheritdoc />
    public Stream GetStream() => new MemoryStream(GetBytes());

    /// <inheritdoc />
    public string GetString()
    {
        Copies++;
        return new string('a', (int)length);
    }
}
