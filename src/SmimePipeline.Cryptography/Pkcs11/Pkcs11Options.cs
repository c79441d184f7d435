namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>
/// Where signer keys in PKCS#11 tokens are reached (section <c>SmimePipeline:Signer:Pkcs11</c>). Keys themselves
/// are named by <c>pkcs11:</c> URIs filed in the store (<c>smime certs import-signer --pkcs11</c>).
/// </summary>
public sealed class Pkcs11Options
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SmimePipeline:Signer:Pkcs11";

    /// <summary>The default PKCS#11 module for URIs without <c>module-path</c>; empty (default) = none.</summary>
    public string ModulePath { get; set; } = "";

    /// <summary>
    /// A file holding the user PIN (a mounted Secret; a trailing newline is ignored), read at each login. Empty
    /// (default): a URI's <c>pin-source</c>, else <c>$SMIME_PKCS11_PIN</c>. AWS CloudHSM's PIN is <c>user:password</c>.
    /// </summary>
    public string PinFile { get; set; } = "";

    /// <summary>Sessions per token open at once. 0 (default) = two per processor.</summary>
    public int MaxSessions { get; set; }

    /// <summary>How long a signer thread waits for a free session. Default 30 s.</summary>
    public TimeSpan SessionWaitTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
