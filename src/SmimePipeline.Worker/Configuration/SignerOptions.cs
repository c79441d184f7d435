namespace SmimePipeline.Worker.Configuration;

/// <summary>Settings of the signer role.</summary>
public sealed class SignerOptions
{
    /// <summary>Mails protected at once. 0 (default) means one per processor core: protect is CPU-bound.</summary>
    public int Concurrency { get; set; }

    /// <summary>The certificate store directory (signer keys, recipient certificates, trust anchors).</summary>
    public string StorePath { get; set; } = "";

    /// <summary>
    /// A directory of mounted Secrets, one directory per signer identity (<c>tls.crt</c>/<c>tls.key</c> or
    /// <c>identity.p12</c> + <c>password</c>), re-read every <see cref="IdentitiesRefreshInterval"/>; optional.
    /// Identities found here win over those in <see cref="StorePath"/>.
    /// </summary>
    public string IdentitiesPath { get; set; } = "";

    /// <summary>How often mounted identities are checked for changes. Default 30 s.</summary>
    public TimeSpan IdentitiesRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The policy for recipients without a valid certificate when a mail does not say. Default Fail.</summary>
    public SmimePipeline.Contracts.MissingCertificatePolicy MissingCertificate { get; set; } = SmimePipeline.Contracts.MissingCertificatePolicy.Fail;

    /// <summary>The effective concurrency.</summary>
    public int EffectiveConcurrency => Concurrency > 0 ? Concurrency : Environment.ProcessorCount;
}
