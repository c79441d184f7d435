using SmimePipeline.Cryptography.Options;
using SmimePipeline.Cryptography.Tests.Algorithms;

namespace SmimePipeline.InteropTests;

/// <summary>One row of the interoperability matrix.</summary>
/// <param name="Signature">rsa-pkcs1, rsa-pss, ecdsa-p256, ecdsa-p384 or ed25519.</param>
/// <param name="KeyManagement">rsaes-pkcs1, rsaes-oaep or ecdh; <c>none</c> for signed-only mail.</param>
/// <param name="Cipher">aes128-cbc, aes256-cbc, aes128-gcm, aes256-gcm, or <c>none</c>.</param>
/// <param name="Opaque">Opaque SignedData instead of multipart/signed.</param>
/// <param name="HeaderProtection">RFC 9788 header protection.</param>
public sealed record InteropCase(string Signature, string KeyManagement, string Cipher, bool Opaque, bool HeaderProtection)
{
    public bool Encrypted => Cipher != "none";

    /// <summary>
    /// The message carries a KeyAgreeRecipientInfo: an EC recipient. (An EC sender's own ECDH copy is added only
    /// next to EC recipients, so RSA recipients on NSS can still read the mail.)
    /// </summary>
    public bool HasKeyAgreement => Encrypted && KeyManagement == "ecdh";

    public string Sender => Signature switch
    {
        "ecdsa-p256" => AlgorithmPki.P256Sender,
        "ecdsa-p384" => AlgorithmPki.P384Sender,
        "ed25519" => AlgorithmPki.Ed25519Sender,
        _ => AlgorithmPki.RsaSender,
    };

    public string Recipient => KeyManagement == "ecdh" ? AlgorithmPki.EcRecipient : AlgorithmPki.RsaRecipient;

    public ProtectionOptions Options => new()
    {
        Signature = Signature == "rsa-pss" ? SignatureScheme.RsaPss : SignatureScheme.RsaPkcs1,
        KeyTransport = KeyManagement == "rsaes-oaep" ? KeyTransport.RsaOaep : KeyTransport.RsaPkcs1,
    };

    public string Row => $"| {Signature} | {KeyManagement} | {Cipher} | {(Opaque ? "opaque" : "clear")} | {(HeaderProtection ? "on" : "off")} |";

    /// <summary>
    /// A pairwise-chosen subset: every signature, key management, cipher, shape and header-protection setting
    /// appears at least once, most of them with each other. The full product (5 × 3 × 5 × 2 × 2) would be 300
    /// messages × 3 engines; this is 19 and stays under a few seconds.
    /// </summary>
    public static IReadOnlyList<InteropCase> Matrix { get; } =
    [
        new("rsa-pkcs1", "rsaes-pkcs1", "aes256-cbc", false, false),
        new("rsa-pkcs1", "rsaes-pkcs1", "aes128-cbc", true, true),
        new("rsa-pkcs1", "rsaes-oaep", "aes256-cbc", false, true),
        new("rsa-pkcs1", "rsaes-pkcs1", "aes256-gcm", false, true),
        new("rsa-pss", "rsaes-pkcs1", "aes256-cbc", false, true),
        new("rsa-pss", "rsaes-oaep", "aes128-cbc", true, false),
        new("rsa-pss", "rsaes-oaep", "aes256-gcm", false, false),
        new("ecdsa-p256", "ecdh", "aes256-cbc", false, false),
        new("ecdsa-p256", "ecdh", "aes128-gcm", true, false),
        new("ecdsa-p384", "ecdh", "aes128-cbc", true, true),
        new("ecdsa-p384", "rsaes-pkcs1", "aes256-cbc", false, true),
        new("ed25519", "rsaes-pkcs1", "aes256-cbc", false, false),
        new("ed25519", "ecdh", "aes128-gcm", true, true),
        new("rsa-pkcs1", "ecdh", "aes256-gcm", true, false),
        new("rsa-pkcs1", "none", "none", false, true),
        new("rsa-pss", "none", "none", true, false),
        new("ecdsa-p256", "none", "none", false, true),
        new("ecdsa-p384", "none", "none", true, true),
        new("ed25519", "none", "none", true, false),
    ];
}
