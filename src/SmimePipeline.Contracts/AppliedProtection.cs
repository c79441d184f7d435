namespace SmimePipeline.Contracts;

/// <summary>
/// What the signer applied to a <see cref="DeliverEmail"/>: the sender checks the bytes against it before
/// anything reaches an ESP, so that a mail that should be signed or encrypted never leaves in plaintext.
/// </summary>
[Flags]
public enum AppliedProtection
{
    /// <summary>Nothing: never valid on the bus; a sender refuses it.</summary>
    None = 0,

    /// <summary>Signed (multipart/signed, or application/pkcs7-mime; smime-type=signed-data).</summary>
    Signature = 1,

    /// <summary>Encrypted (application/pkcs7-mime; smime-type=enveloped-data or authEnveloped-data).</summary>
    Encryption = 2,

    /// <summary>Signed, then encrypted (the signature is inside the envelope).</summary>
    SignatureAndEncryption = Signature | Encryption,
}
