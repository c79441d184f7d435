using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// The DER encodings of everything in a SignedData that is the same for every message of one signer key:
/// the digest algorithm, the SignerIdentifier, the signature algorithm, the embedded certificates and the
/// signing-certificate-v2 attribute. BouncyCastle encodes each once, when the key is prepared; per message
/// <see cref="CmsSignedDataWriter"/> only copies these bytes, where re-encoding the certificates' object graph
/// took most of the writer's time.
/// </summary>
internal sealed class SignedDataTemplate
{
    public SignedDataTemplate(CmsSignerKey signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        DigestAlgorithm = signer.Digest.Identifier.GetDerEncoded();
        DigestAlgorithms = new DerSet(signer.Digest.Identifier).GetDerEncoded();
        SignerId = signer.SignerId.ToAsn1Object().GetDerEncoded();
        SignatureAlgorithm = signer.SignatureAlgorithm.GetDerEncoded();

        // SignedData.certificates is [0] IMPLICIT SET OF: the DER SET with its tag replaced (X.690 §8.14.3).
        byte[] certificates = signer.Certificates.GetDerEncoded();
        certificates[0] = DerHeader.ContextExplicit0;
        CertificatesImplicit = certificates;

        SigningCertificateAttribute = new Attribute(
            PkcsObjectIdentifiers.IdAASigningCertificateV2,
            new DerSet(new SigningCertificateV2(new[] { new EssCertIDv2(signer.CertificateSha256.ToArray()) }))).GetDerEncoded();
    }

    /// <summary>The digest AlgorithmIdentifier (SignerInfo.digestAlgorithm).</summary>
    public byte[] DigestAlgorithm { get; }

    /// <summary>SignedData.digestAlgorithms: the SET with the one digest AlgorithmIdentifier.</summary>
    public byte[] DigestAlgorithms { get; }

    /// <summary>SignerInfo.sid (IssuerAndSerialNumber).</summary>
    public byte[] SignerId { get; }

    /// <summary>SignerInfo.signatureAlgorithm.</summary>
    public byte[] SignatureAlgorithm { get; }

    /// <summary>SignedData.certificates, tagged [0] IMPLICIT.</summary>
    public byte[] CertificatesImplicit { get; }

    /// <summary>The signed attribute id-aa-signingCertificateV2 (RFC 5035) naming the signer certificate.</summary>
    public byte[] SigningCertificateAttribute { get; }
}
