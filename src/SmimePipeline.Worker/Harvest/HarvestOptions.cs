using SmimePipeline.CertificateDirectory.Dkim;

namespace SmimePipeline.Worker.Harvest;

/// <summary>
/// How the signer role's harvest consumer authenticates inbound mail before it files a certificate, bound
/// from <c>SmimePipeline:Harvest</c>.
/// </summary>
public sealed class HarvestOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SmimePipeline:Harvest";

    /// <summary>How the DKIM signing domain must relate to the From domain. Default <see cref="DkimAlignment.Require"/>.</summary>
    public DkimAlignment Dkim { get; set; } = DkimAlignment.Require;

    /// <summary>
    /// The DNS server DKIM keys are fetched from, as <c>IP</c> or <c>IP:port</c> (<c>[IPv6]:port</c>); empty
    /// (default) for the system's resolvers (<c>/etc/resolv.conf</c>).
    /// </summary>
    public string DnsServer { get; set; } = "";

    /// <summary>How long one DNS query may take. Default 5 s; a timeout is retried, then the mail goes to the error queue.</summary>
    public TimeSpan DnsTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
