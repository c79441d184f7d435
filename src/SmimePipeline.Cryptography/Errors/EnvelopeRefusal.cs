namespace SmimePipeline.Cryptography.Errors;

/// <summary>Why an encrypted (enveloped) mail could not be opened; see <see cref="EnvelopeRefusedException"/>.</summary>
public enum EnvelopeRefusal
{
    /// <summary>The CMS structure is not enveloped or authenticated-enveloped data, or cannot be parsed.</summary>
    Malformed,

    /// <summary>No RecipientInfo names a certificate of one of our signer identities.</summary>
    NotAddressedToUs,

    /// <summary>A RecipientInfo names one of our identities, but the key or the content does not decrypt (wrong key, damaged or tampered data, an algorithm we do not read).</summary>
    DecryptionFailed,
}
