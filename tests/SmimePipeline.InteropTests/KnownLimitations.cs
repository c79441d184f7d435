namespace SmimePipeline.InteropTests;

/// <summary>An engine that does not implement an algorithm at all, with what it says.</summary>
/// <param name="Reason">Why, in one phrase.</param>
/// <param name="AtDecryption">The engine cannot even decrypt (else it decrypts but cannot verify).</param>
public sealed record KnownLimitation(string Reason, bool AtDecryption);

/// <summary>
/// The measured limitations of the three engines installed from Debian 12 (OpenSSL 3.0, NSS 3.87, gpgsm 2.2.40).
/// Each one is asserted: if an engine starts reading the algorithm, the matrix test fails and this list is updated.
/// </summary>
public static class KnownLimitations
{
    private static readonly KnownLimitation NssNoKeyAgreement = new("NSS cannot decode KeyAgreeRecipientInfo (ECDH), not even OpenSSL's", true);
    private static readonly KnownLimitation NssNoOaep = new("no RSAES-OAEP in NSS CMS", true);
    private static readonly KnownLimitation NssNoGcm = new("no AuthEnvelopedData in NSS CMS", true);
    private static readonly KnownLimitation NssNoEd25519 = new("no Ed25519 in NSS CMS", false);
    private static readonly KnownLimitation GpgsmNoOaep = new("no RSAES-OAEP in gpgsm 2.2", true);
    private static readonly KnownLimitation GpgsmNoGcm = new("no AuthEnvelopedData in gpgsm 2.2", true);
    private static readonly KnownLimitation GpgsmNoEcKeys = new("gpgsm 2.2 crashes importing EC PKCS#12, so holds no ECDH key", true);
    private static readonly KnownLimitation GpgsmNoEd25519 = new("no Ed25519 signatures in gpgsm 2.2", false);
    private static readonly KnownLimitation OpenSslNoEd25519Cms = new("OpenSSL 3.0 cannot verify Ed25519 SignedData; fixed in 3.2", false);

    public static KnownLimitation? Find(string engine, InteropCase testCase)
    {
        ArgumentNullException.ThrowIfNull(testCase);
        return engine switch
        {
            "OpenSSL 3.0" => testCase.Signature == "ed25519" ? OpenSslNoEd25519Cms : null,
            "NSS cmsutil" => testCase switch
            {
                { Cipher: "aes128-gcm" or "aes256-gcm" } => NssNoGcm,
                { Encrypted: true } when testCase.HasKeyAgreement => NssNoKeyAgreement,
                { KeyManagement: "rsaes-oaep" } => NssNoOaep,
                { Signature: "ed25519" } => NssNoEd25519,
                _ => null,
            },
            "gpgsm 2.2" => testCase switch
            {
                { Cipher: "aes128-gcm" or "aes256-gcm" } => GpgsmNoGcm,
                { KeyManagement: "rsaes-oaep" } => GpgsmNoOaep,
                { KeyManagement: "ecdh" } => GpgsmNoEcKeys,
                { Signature: "ed25519" } => GpgsmNoEd25519,
                _ => null,
            },
            _ => null,
        };
    }
}
