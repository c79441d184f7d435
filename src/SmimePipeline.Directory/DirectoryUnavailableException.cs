using SmimePipeline.Contracts;

namespace SmimePipeline.CertificateDirectory;

/// <summary>
/// The recipient directory's database failed a look-up or a write. <see cref="IsTransient"/> tells an outage that passes
/// by itself (PostgreSQL down, restarting or refusing connections: a refused socket, a timeout, SQLSTATE classes 08 and
/// 53, <c>57P01</c>–<c>57P03</c>; SQLite busy or locked) from one that needs an operator (a missing table, a refused
/// password or grant). The signer waits for a transient one (<c>Signer:DirectoryUnavailableRetryPeriod</c>); a mail that
/// still meets it afterwards, or meets a lasting one after the short retries, is dead-lettered as
/// <see cref="Unavailable"/> with this message as the reason. The message names the directory (host, port and database,
/// or the SQLite file) and the cause with PostgreSQL's SQLSTATE; never a password, never a mail's content.
/// </summary>
public sealed class DirectoryUnavailableException : Exception, IHasReasonCode
{
    /// <summary>The reason code of a mail whose recipient directory failed: <c>directory-unavailable</c>.</summary>
    public const string Unavailable = "directory-unavailable";

    /// <summary>Creates the exception for a failure of the directory's database.</summary>
    /// <param name="message">What could not be done and why, naming the directory; no password, no content.</param>
    /// <param name="innerException">The driver's exception.</param>
    /// <param name="isTransient">Whether trying again later can succeed (see the class).</param>
    public DirectoryUnavailableException(string message, Exception innerException, bool isTransient)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    public DirectoryUnavailableException()
        : base("The recipient directory is unavailable.")
    {
    }

    public DirectoryUnavailableException(string message)
        : base(message)
    {
    }

    public DirectoryUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether trying again later can succeed: the database went away, restarts, is busy or refuses connections.</summary>
    public bool IsTransient { get; }

    /// <inheritdoc />
    public string ReasonCode => Unavailable;

    /// <summary>Always false: the directory may come back (or be repaired), so the mail is retried first.</summary>
    public bool IsPermanent => false;
}
