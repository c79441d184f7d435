namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>
/// The producer claim store could not take or give a claim (PostgreSQL unreachable or refusing connections, a missing
/// table or grant). The message names the store's server and the cause (with PostgreSQL's SQLSTATE when it answered),
/// never the mail's content.
/// </summary>
public sealed class ProtectClaimStoreException : Exception
{
    /// <summary>Creates the exception for a failure of the store, with what PostgreSQL said about it.</summary>
    /// <param name="message">What could not be done and why, naming the server; no content.</param>
    /// <param name="innerException">The driver's exception.</param>
    /// <param name="sqlState">PostgreSQL's SQLSTATE (e.g. <c>53300</c>), or null when it did not answer (a socket error, a timeout).</param>
    /// <param name="isTransient">
    /// Whether trying again later can succeed: the server refused or dropped the connection (SQLSTATE classes 08 and 53,
    /// <c>57P01</c>–<c>57P03</c>), could not be reached, or did not answer in time. False for a missing table, a missing
    /// grant or a refused statement, which need an operator.
    /// </param>
    public ProtectClaimStoreException(string message, Exception innerException, string? sqlState, bool isTransient)
        : base(message, innerException)
    {
        SqlState = sqlState;
        IsTransient = isTransient;
    }

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

    /// <summary>PostgreSQL's SQLSTATE, or null when the server did not answer (or the store is not PostgreSQL).</summary>
    public string? SqlState { get; }

    /// <summary>Whether trying again later can succeed (the server refused a connection, went away or timed out).</summary>
    public bool IsTransient { get; }
}
