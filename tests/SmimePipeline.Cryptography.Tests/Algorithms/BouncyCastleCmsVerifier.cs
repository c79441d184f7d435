using MimeKit;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.X509;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

/// <summary>
/// BouncyCastle's CMS verifier, the judge for Ed25519 (RFC 8419): OpenSSL 3.0 can neither create nor verify
/// Ed25519 SignedData ("eddsa_digest_signverify_init: invalid digest", fixed only in OpenSSL 3.2).
/// Our writer uses only BouncyCastle's ASN.1 types; this verifier is its separate CMS parser and checker.
/// </summary>
internal static class BouncyCastleCmsVerifier
{
    public static (bool Ok, byte[] Content) Verify(byte[] signedEntity)
    {
        var entity = MimeEntity.Load(new MemoryStream(signedEntity));
        CmsSignedData signedData;
        byte[] content;
        if (entity is MimeKit.Cryptography.MultipartSigned)
        {
            var (signed, signature, _) = SmimeReader.SplitSigned(signedEntity);
            content = signed;
            signedData = new CmsSignedData(new CmsProcessableByteArray(signed), signature);
        }
        else
        {
            signedData = new CmsSignedData(ProtectedBytes.Pkcs7Der(signedEntity));
            content = ((CmsProcessableByteArray)signedData.SignedContent).GetInputStream() is { } stream ? ReadAll(stream) : [];
        }

        try
        {
            var certificates = signedData.GetCertificates();
            foreach (SignerInformation signer in signedData.GetSignerInfos().GetSigners())
            {
                var certificate = certificates.EnumerateMatches(signer.SignerID).Cast<X509Certificate>().Single();
                if (!signer.Verify(certificate))
                {
                    return (false, []);
                }
            }

            return (true, content);
        }
        catch (CmsException)
        {
            // A damaged signature value or digest surfaces as an exception from BouncyCastle: not verified.
            return (false, []);
        }
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
