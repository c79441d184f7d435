namespace SmimePipeline.CertificateDirectory.Dkim;

/// <summary>The reason codes of <see cref="InboundMailRefusedException"/>, as metrics and logs show them.</summary>
public static class InboundRefusalReasons
{
    /// <summary>The mail carries no DKIM-Signature header (or none usable: see <see cref="DkimAuthenticator"/>).</summary>
    public const string DkimMissing = "dkim-missing";

    /// <summary>No DKIM signature verifies (body or headers changed, key not in DNS, key revoked, weak key).</summary>
    public const string DkimFailed = "dkim-failed";

    /// <summary>A DKIM signature verifies, but its signing domain is not the From domain as the policy requires.</summary>
    public const string DkimNotAligned = "dkim-not-aligned";

    /// <summary>The mail has no single From mailbox with a domain.</summary>
    public const string FromInvalid = "from-invalid";

    /// <summary>The mail is not S/MIME signed (neither multipart/signed nor signed-data).</summary>
    public const string NotSigned = "not-signed";

    /// <summary>The mail is not readable MIME.</summary>
    public const string Unreadable = "unreadable";

    /// <summary>The mail is encrypted, but to none of our signer identities' certificates.</summary>
    public const string NotAddressedToUs = "not-addressed-to-us";

    /// <summary>The mail is encrypted to one of our identities, but does not decrypt (damaged, tampered, wrong key, an algorithm that is not read).</summary>
    public const string DecryptionFailed = "decryption-failed";
}
