namespace SmimePipeline.CertificateDirectory.Dkim;

/// <summary>
/// How the DKIM signing domain (<c>d=</c>) of an inbound mail must relate to its From domain before its
/// certificate is harvested. Anyone can sign a mail with a throw-away certificate naming someone else's
/// address; a DKIM signature of the From domain shows that the domain's own mail system sent it.
/// </summary>
public enum DkimAlignment
{
    /// <summary>
    /// The default: a verified DKIM signature whose <c>d=</c> is the From domain, or a parent of it that is not
    /// above the organisational domain (mail from <c>a@mail.bank.example</c> signed by <c>bank.example</c>).
    /// </summary>
    Require = 0,

    /// <summary>
    /// A verified DKIM signature whose <c>d=</c> shares the From domain's organisational domain (DMARC's relaxed
    /// alignment, RFC 7489 §3.1.1): <c>mail.bank.example</c> may sign for <c>a@bank.example</c>.
    /// </summary>
    Relaxed = 1,

    /// <summary>No DKIM check (a trusted intake such as a local MTA that verified DKIM already).</summary>
    Off = 2,
}
