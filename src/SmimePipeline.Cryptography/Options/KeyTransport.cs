namespace SmimePipeline.Cryptography.Options;

/// <summary>How the content key is encrypted to RSA recipients. EC recipients always get ECDH (RFC 5753).</summary>
public enum KeyTransport
{
    /// <summary>RSAES-PKCS1-v1_5: the default, read by every engine.</summary>
    RsaPkcs1,

    /// <summary>RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 8017, RFC 4055 parameters).</summary>
    RsaOaep,
}
