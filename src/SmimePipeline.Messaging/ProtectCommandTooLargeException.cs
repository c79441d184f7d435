using System.Runtime.Serialization;

namespace SmimePipeline.Messaging;

/// <summary>
/// A binary protect command whose body is above <c>SmimePipeline:MaxMessageBytes</c> (a <c>ProtectEmail</c>'s plus the
/// largest manifest, <see cref="ProtectCommandBinaryFormat.LargestBody"/>),
/// refused before anything in it is read or copied. The worker reports it as <c>message-too-large</c>, the code a JSON
/// command of that size gets, and MassTransit moves it to the queue's <c>_error</c> queue. The message gives sizes only.
/// </summary>
public sealed class ProtectCommandTooLargeException : SerializationException
{
    /// <summary>Creates the exception for a body of <paramref name="bodyBytes"/> against <paramref name="maxMessageBytes"/> plus the largest manifest.</summary>
    public ProtectCommandTooLargeException(string command, long bodyBytes, int maxMessageBytes)
        : this(command, bodyBytes, maxMessageBytes, ProtectCommandBinaryFormat.LargestBody(maxMessageBytes))
    {
    }

    /// <summary>
    /// Creates the exception for a body of <paramref name="bodyBytes"/> above <paramref name="largestBody"/>, the largest
    /// body <paramref name="maxMessageBytes"/> allows for the command (<see cref="ProtectCommandBinaryFormat.LargestBody"/>,
    /// <see cref="ProtectCommandBinaryFormat.LargestMimeMessageBody"/>).
    /// </summary>
    internal ProtectCommandTooLargeException(string command, long bodyBytes, int maxMessageBytes, long largestBody)
        : base(largestBody > maxMessageBytes
            ? $"the binary {command} is {bodyBytes} bytes, above the limit of {maxMessageBytes} (SmimePipeline:MaxMessageBytes) plus the largest manifest"
            : $"the binary {command} is {bodyBytes} bytes, above the limit of {maxMessageBytes} (SmimePipeline:MaxMessageBytes)")
    {
    }

    /// <summary>Creates the exception with a general message; prefer the size form.</summary>
    public ProtectCommandTooLargeException()
        : base("the binary command is above the size limit (SmimePipeline:MaxMessageBytes)")
    {
    }

    /// <summary>Creates the exception with a whole message; prefer the size form.</summary>
    public ProtectCommandTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a whole message and cause; prefer the size form.</summary>
    public ProtectCommandTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
