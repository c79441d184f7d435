using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>Builds the CMS identifiers that point at a certificate.</summary>
internal static class CmsIdentifiers
{
    public static IssuerAndSerialNumber IssuerAndSerial(X509Certificate2 certificate)
    {
        var structure = X509CertificateStructure.GetInstance(certificate.RawData);
        return new IssuerAndSerialNumber(structure.Issuer, structure.SerialNumber);
    }

    public static SignerIdentifier IssuerAndSerialNumber(X509Certificate2 certificate) => new(IssuerAndSerial(certificate));

    public static RecipientIdentifier RecipientIssuerAndSerialNumber(X509Certificate2 certificate) => new(IssuerAndSerial(certificate));
}
