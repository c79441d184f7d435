namespace SmimePipeline.Cryptography.Options;

/// <summary>The message digest of signatures. SHA-1 and MD5 are never offered.</summary>
public enum SignatureDigest
{
    /// <summary>The key's natural digest: SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521 and Ed25519.</summary>
    Auto,

    /// <summary>SHA-256.</summary>
    Sha256,

    /// <summary>SHA-384.</summary>
    Sha384,

    /// <summary>SHA-512.</summary>
    Sha512,
}
