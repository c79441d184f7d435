namespace SmimePipeline.Cryptography.Options;

/// <summary>How RSA signer keys sign. EC keys always use ECDSA; Ed25519 keys always use Ed25519 (RFC 8419).</summary>
public enum SignatureScheme
{
    /// <summary>RSASSA-PKCS1-v1_5: the default, read by every engine.</summary>
    RsaPkcs1,

    /// <summary>RSASSA-PSS (RFC 4056) with SHA-256, MGF1-SHA-256 and a 32-byte salt.</summary>
    RsaPss,
}
