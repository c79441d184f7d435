using System.Runtime.Serialization;

namespace SmimePipeline.Messaging;

/// <summary>
/// A binary <c>ProtectEmail</c> or <c>ProtectMimeMessage</c> that cannot be read: it breaks a rule of the framing
/// (truncated, a length negative, beyond the body or leaving trailing bytes, a manifest over its size limit, not UTF-8,
/// not JSON of the manifest's shape, too deep, a field given twice), a header is missing, of the wrong type or given
/// twice, or the content type names an unknown version. Thrown by the deserializer, so the message never reaches a
/// consumer; the worker reports it as <c>unreadable-message</c> and MassTransit moves it to the queue's <c>_error</c>
/// queue (a body above the size limit is a <see cref="ProtectCommandTooLargeException"/> instead). The message names the rule,
/// never the body or a header's value (it is copied into <c>MT-Fault-Message</c>).
/// </summary>
public sealed class ProtectCommandFormatException : SerializationException
{
    /// <summary>Creates the exception for a broken rule of <paramref name="format"/>.</summary>
    /// <param name="format">The command, e.g. <c>ProtectEmail</c>.</param>
    /// <param name="problem">The rule broken, e.g. "the body ends inside the manifest"; never content.</param>
    public ProtectCommandFormatException(string format, string problem)
        : base($"the binary {format} {problem}")
    {
    }

    /// <summary>Creates the exception with a general message (for serializers' conventions); prefer the rule form.</summary>
    public ProtectCommandFormatException()
        : base("the binary command cannot be read")
    {
    }

    /// <summary>Creates the exception with a whole message; prefer the rule form.</summary>
    public ProtectCommandFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a whole message and cause; prefer the rule form (the cause may quote content).</summary>
    public ProtectCommandFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
