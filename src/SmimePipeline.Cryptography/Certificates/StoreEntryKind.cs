namespace SmimePipeline.Cryptography.Certificates;

/// <summary>What a certificate store entry is for.</summary>
public enum StoreEntryKind
{
    /// <summary>A signing key with its certificate and chain.</summary>
    Signer,

    /// <summary>A recipient's encryption certificate (public only).</summary>
    Recipient,

    /// <summary>A trusted root CA.</summary>
    Anchor,
}
