using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// The checks an EC recipient certificate must pass for ECDH key agreement (RFC 5753, RFC 8550 §4.4):
/// validity, keyAgreement in the key usage, emailProtection in the extended key usage, the address.
/// The RSA rules live with the certificate store; these are the key-agreement counterpart.
/// </summary>
internal static class EcRecipientRules
{
    private const string EmailProtectionOid = "1.3.6.1.5.5.7.3.4";
    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";

    public static ProtectionRefusedException? FindProblem(string address, X509Certificate2 certificate, DateTimeOffset now)
    {
        string describe = $"{certificate.Subject}, SHA-256 {certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}";
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        if (now > notAfter)
        {
            return new ProtectionRefusedException(ProtectionRefusal.CertificateExpired, address, $"Certificate of {address} expired on {notAfter.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)} ({describe}).");
        }

        if (now < notBefore)
        {
            return new ProtectionRefusedException(ProtectionRefusal.CertificateExpired, address, $"Certificate of {address} is not valid before {notBefore.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)} ({describe}).");
        }

        // RFC 5753 §3 / RFC 8550 §4.4.2: an EC key used for key agreement needs keyAgreement when key usage is present.
        var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (keyUsage is not null && (keyUsage.KeyUsages & X509KeyUsageFlags.KeyAgreement) == 0)
        {
            return new ProtectionRefusedException(ProtectionRefusal.KeyUsageNotAllowed, address, $"Certificate of {address} ({describe}) does not allow keyAgreement in its key usage.");
        }

        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is not null && !eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value is EmailProtectionOid or AnyExtendedKeyUsageOid))
        {
            return new ProtectionRefusedException(ProtectionRefusal.KeyUsageNotAllowed, address, $"Certificate of {address} ({describe}) does not allow emailProtection in its extended key usage.");
        }

        if (!CertificateAddresses.Contains(certificate, address))
        {
            return new ProtectionRefusedException(ProtectionRefusal.AddressNotInCertificate, address, $"Certificate {describe} is not issued to {address}.");
        }

        return null;
    }
}
