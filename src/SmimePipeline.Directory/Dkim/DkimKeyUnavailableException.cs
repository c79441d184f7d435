using SmimePipeline.Contracts;

namespace SmimePipeline.CertificateDirectory.Dkim;

/// <summary>
/// The DNS server did not answer the DKIM key query (timeout, SERVFAIL, network): a transient failure, retried.
/// A domain or selector that does not exist is not this: it refuses the signature. A harvest request that still meets
/// it after its retries is dead-lettered as <see cref="DnsUnavailable"/>, with this message (the DNS name asked, the
/// resolver's error) as the reason.
/// </summary>
public sealed class DkimKeyUnavailableException : Exception, IHasReasonCode
{
    /// <summary>The reason code of a harvest whose DKIM key could not be fetched: <c>dkim-dns-unavailable</c>.</summary>
    public const string DnsUnavailable = "dkim-dns-unavailable";

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

    /// <inheritdoc />
    public string ReasonCode => DnsUnavailable;

    /// <summary>Always false: the DNS server may answer later, so the request is retried first.</summary>
    public bool IsPermanent => false;
}
