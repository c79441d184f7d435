namespace SmimePipeline.Cryptography.Options;

/// <summary>The content cipher of encrypted mail. 3DES, RC2 and DES are never offered.</summary>
public enum ContentCipher
{
    /// <summary>AES-256-GCM when every recipient is known to read AuthEnvelopedData, else AES-256-CBC.</summary>
    Auto,

    /// <summary>AES-128-CBC EnvelopedData (RFC 3565).</summary>
    Aes128Cbc,

    /// <summary>AES-256-CBC EnvelopedData (RFC 3565): the interoperable default.</summary>
    Aes256Cbc,

    /// <summary>AES-128-GCM AuthEnvelopedData (RFC 5083/5084).</summary>
    Aes128Gcm,

    /// <summary>AES-256-GCM AuthEnvelopedData (RFC 5083/5084).</summary>
    Aes256Gcm,
}
