namespace SmimePipeline.Cryptography.Errors;

/// <summary>
/// An encrypted mail could not be opened (<see cref="Cms.EnvelopedContentDecryptor"/>). Retrying will not help. The
/// message names the cause and the recipients the envelope addresses (issuer and serial number, or subject key
/// identifier); never a key or the content.
/// </summary>
public sealed class EnvelopeRefusedException : Exception
{
    /// <summary>Creates the refusal.</summary>
    /// <param name="refusal">Why the envelope was refused.</param>
    /// <param name="message">The cause, for logs and the error queue.</param>
    /// <param name="innerException">The lower-level failure, when there is one.</param>
    public EnvelopeRefusedException(EnvelopeRefusal refusal, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Refusal = refusal;
    }

    public EnvelopeRefusedException()
        : this(EnvelopeRefusal.Malformed, "The encrypted content could not be opened.")
    {
    }

    public EnvelopeRefusedException(string message)
        : this(EnvelopeRefusal.Malformed, message)
    {
    }

    public EnvelopeRefusedException(string message, Exception innerException)
        : this(EnvelopeRefusal.Malformed, message, innerException)
    {
    }

    /// <summary>Why the envelope was refused.</summary>
    public EnvelopeRefusal Refusal { get; }
}
