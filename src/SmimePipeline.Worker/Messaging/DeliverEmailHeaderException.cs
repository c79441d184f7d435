using System.Runtime.Serialization;

namespace SmimePipeline.Worker.Messaging;

/// <summary>
/// A binary <c>DeliverEmail</c> whose headers cannot be read: a required header missing, one of the wrong type,
/// too long, given twice (in two spellings), or a content type version this build does not know. Thrown by the
/// deserializer, so the message never reaches the consumer; the <c>UnreadableMessageObserver</c> reports it as
/// <c>unreadable-message</c> and MassTransit moves it to <c>smime-deliver_error</c>. The message names the header and
/// what is wrong with it, never a header's value or the body (it is copied into <c>MT-Fault-Message</c>).
/// </summary>
public sealed class DeliverEmailHeaderException : SerializationException
{
    /// <summary>Creates the exception for <paramref name="header"/>.</summary>
    /// <param name="header">The header (or <c>content-type</c>) at fault.</param>
    /// <param name="problem">What is wrong, e.g. "is missing"; never the value itself.</param>
    public DeliverEmailHeaderException(string header, string problem)
        : base($"the binary DeliverEmail's header {header} {problem}")
    {
        Header = header;
    }

    /// <summary>Creates the exception with a whole message (for serializers' conventions); prefer the header form.</summary>
    public DeliverEmailHeaderException()
        : base("the binary DeliverEmail's headers cannot be read")
    {
        Header = "";
    }

    /// <summary>Creates the exception with a whole message; prefer the header form.</summary>
    public DeliverEmailHeaderException(string message)
        : base(message)
    {
        Header = "";
    }

    /// <summary>Creates the exception with a whole message and cause; prefer the header form.</summary>
    public DeliverEmailHeaderException(string message, Exception innerException)
        : base(message, innerException)
    {
        Header = "";
    }

    /// <summary>The header at fault.</summary>
    public string Header { get; }
}
