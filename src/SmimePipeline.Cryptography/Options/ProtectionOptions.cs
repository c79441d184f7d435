namespace SmimePipeline.Cryptography.Options;

/// <summary>
/// The algorithms and shapes the protect stage uses. Bound from <c>SmimePipeline:Signer:Protection</c>.
/// The defaults are the interoperable set measured in design.md: RSA PKCS#1 v1.5 signatures,
/// multipart/signed, AES-256-CBC, RSA PKCS#1 v1.5 key transport, DER, no header protection.
/// </summary>
public sealed class ProtectionOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "SmimePipeline:Signer:Protection";

    /// <summary>How RSA keys sign. Default <see cref="SignatureScheme.RsaPkcs1"/>; ignored for EC and Ed25519 keys.</summary>
    public SignatureScheme Signature { get; set; } = SignatureScheme.RsaPkcs1;

    /// <summary>The signature digest. Default <see cref="SignatureDigest.Auto"/> (follows the key).</summary>
    public SignatureDigest Digest { get; set; } = SignatureDigest.Auto;

    /// <summary>
    /// The content cipher. Default <see cref="ContentCipher.Auto"/>: AES-256-GCM only when every recipient is
    /// known (through <see cref="IRecipientCapabilities"/>) to read AuthEnvelopedData, else AES-256-CBC.
    /// </summary>
    public ContentCipher Cipher { get; set; } = ContentCipher.Auto;

    /// <summary>Key transport to RSA recipients. Default <see cref="KeyTransport.RsaPkcs1"/>.</summary>
    public KeyTransport KeyTransport { get; set; } = KeyTransport.RsaPkcs1;

    /// <summary>
    /// Opaque signing (<c>application/pkcs7-mime; smime-type=signed-data</c>) instead of multipart/signed.
    /// Default <see langword="false"/>: clear-signed mail stays readable without S/MIME.
    /// </summary>
    public bool Opaque { get; set; }

    /// <summary>Header protection (RFC 9788): From, To, Cc, Subject, Date, Message-ID and Reply-To travel inside the signature. Default off.</summary>
    public bool HeaderProtection { get; set; }

    /// <summary>
    /// With header protection on an encrypted mail, the outer Subject becomes this text (RFC 9788 §4.2).
    /// Default <c>[...]</c>; empty keeps the real Subject outside.
    /// </summary>
    public string ObscuredSubject { get; set; } = "[...]";

    /// <summary>
    /// With header protection on (here or per message) and the Subject obscured on an encrypted mail, the main text
    /// parts of the payload begin with RFC 9788's legacy display element (§4.5.3): <c>Subject: …</c> and a blank line
    /// in text/plain, a <c>div.header-protection-legacy-display</c> in text/html, each part marked
    /// <c>hp-legacy-display="1"</c>, so that clients without header protection (Outlook, neomutt, …) show the real
    /// Subject instead of only <see cref="ObscuredSubject"/>. Default <see langword="true"/>; it has no effect
    /// without header protection, on signed-only mail, with an empty <see cref="ObscuredSubject"/>, or on a mail
    /// without a text/plain or text/html body part. <see langword="false"/> leaves the text exactly as it was given.
    /// </summary>
    public bool LegacyDisplay { get; set; } = true;

    /// <summary>
    /// The largest total size of a message's headers (names, colons and raw values), in bytes; larger is refused
    /// as <see cref="Errors.ProtectionRefusal.InvalidHeader"/>. Default 256 KiB (<see cref="Mime.HeaderRules.DefaultMaxHeaderBytes"/>);
    /// 4 KiB to 16 MiB.
    /// </summary>
    public int MaxHeaderBytes { get; set; } = Mime.HeaderRules.DefaultMaxHeaderBytes;

    /// <summary>
    /// When not empty, the only algorithms the engine may use; anything else is refused with
    /// <see cref="Errors.ProtectionRefusal.AlgorithmNotAllowed"/>. Names: <c>rsa-pkcs1</c>, <c>rsa-pss</c>,
    /// <c>ecdsa</c>, <c>ed25519</c>, <c>sha256</c>, <c>sha384</c>, <c>sha512</c>, <c>aes128-cbc</c>,
    /// <c>aes256-cbc</c>, <c>aes128-gcm</c>, <c>aes256-gcm</c>, <c>rsaes-pkcs1</c>, <c>rsaes-oaep</c>, <c>ecdh</c>.
    /// Default empty: everything the engine offers.
    /// </summary>
    public IList<string> AllowedAlgorithms { get; } = [];

    /// <summary>Every name <see cref="AllowedAlgorithms"/> may contain.</summary>
    public static IReadOnlyList<string> KnownAlgorithmNames { get; } =
    [
        "rsa-pkcs1", "rsa-pss", "ecdsa", "ed25519", "sha256", "sha384", "sha512",
        "aes128-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm", "rsaes-pkcs1", "rsaes-oaep", "ecdh",
    ];
}
