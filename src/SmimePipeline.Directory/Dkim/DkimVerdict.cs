namespace SmimePipeline.CertificateDirectory.Dkim;

/// <summary>A DKIM signature that verified and is aligned with the From domain.</summary>
/// <param name="FromDomain">The From address's domain (lower-case ASCII).</param>
/// <param name="SigningDomain">The signature's <c>d=</c>.</param>
/// <param name="Selector">The signature's <c>s=</c>.</param>
public sealed record DkimVerdict(string FromDomain, string SigningDomain, string Selector);
