namespace SmimePipeline.CertificateDirectory;

/// <summary>What a harvest filed.</summary>
/// <param name="Address">The From address the certificates were filed under.</param>
/// <param name="Thumbprints">SHA-256 thumbprints of the certificates filed.</param>
/// <param name="HasCapabilities">Whether SMIMECapabilities were stored with them.</param>
public sealed record HarvestResult(string Address, IReadOnlyList<string> Thumbprints, bool HasCapabilities);
