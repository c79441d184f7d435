namespace SmimePipeline.CertificateDirectory.Dkim;

/// <summary>
/// The DNS server did not answer the DKIM key query (timeout, SERVFAIL, network): a transient failure, retried.
/// A domain or selector that does not exist is not this: it refuses the signature.
/// </summary>
public sealed class DkimKeyUnavailableException : Exception
{
    public DkimKeyUnavailableException()
        : base("The DKIM key could not be fetched from DNS.")
    {
    }

    public DkimKeyUnavailableException(string message)
        : base(message)
    {
    }

    public DkimKeyUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
