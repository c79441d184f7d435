namespace SmimePipeline.CertificateDirectory;

/// <summary>What a certificate in the directory is for.</summary>
public enum DirectoryEntryKind
{
    /// <summary>A recipient's certificate, filed under each of its addresses, used for encryption.</summary>
    Recipient,

    /// <summary>A trust anchor (root CA).</summary>
    Anchor,

    /// <summary>An intermediate CA certificate used to complete chains.</summary>
    Intermediate,
}
