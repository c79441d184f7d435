namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>
/// The producer claim store could not take or give a claim (PostgreSQL unreachable, a missing table or grant). The
/// message names the store and the cause, never the mail's content.
/// </summary>
public sealed class ProtectClaimStoreException : Exception
{
    public ProtectClaimStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ProtectClaimStoreException(string message)
        : base(message)
    {
    }

    public ProtectClaimStoreException()
        : base("The producer claim store failed.")
    {
    }
}
