namespace SmimePipeline.Cryptography.Mime;

/// <summary>The <c>smime-type</c> of an <c>application/pkcs7-mime</c> entity.</summary>
internal enum Pkcs7MimeType
{
    /// <summary>EnvelopedData (AES-CBC), RFC 8551 §3.3.</summary>
    EnvelopedData,

    /// <summary>AuthEnvelopedData (AES-GCM), RFC 8551 §3.3 and RFC 5083.</summary>
    AuthEnvelopedData,

    /// <summary>Opaque SignedData, RFC 8551 §3.5.2.</summary>
    SignedData,
}
