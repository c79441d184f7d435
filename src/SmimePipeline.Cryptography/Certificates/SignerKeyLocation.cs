namespace SmimePipeline.Cryptography.Certificates;

/// <summary>Where a signer identity's private key lives.</summary>
public enum SignerKeyLocation
{
    /// <summary>A PKCS#8 file in the store (<c>&lt;sha256&gt;.key.pem</c>, mode 0600).</summary>
    File,

    /// <summary>A PKCS#11 token (an HSM); the store holds only its <c>pkcs11:</c> URI.</summary>
    Pkcs11,

    /// <summary>A mounted Secret (<c>Signer:IdentitiesPath</c>).</summary>
    Mounted,
}
