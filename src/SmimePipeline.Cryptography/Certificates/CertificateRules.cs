using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// The checks a certificate must pass before the protect stage uses it (RFC 8550 §4.4): validity period,
/// key usage, extended key usage, the address, and key strength. Each failure is a refusal that names
/// the address and the certificate, never content.
/// </summary>
public static class CertificateRules
{
    /// <summary>The smallest RSA key accepted for signing or key transport.</summary>
    public const int MinimumRsaKeySize = 2048;

    // Purposes under which PassedCertificateChecks remembers a certificate that passed the static checks.
    private const string SignPurpose = "sign";
    private const string EncryptPurpose = "encrypt";

    private const string EmailProtectionOid = "1.3.6.1.5.5.7.3.4";
    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";

    /// <summary>Checks a signer certificate for <paramref name="address"/>.</summary>
    /// <param name="address">The From address.</param>
    /// <param name="certificate">The signer certificate.</param>
    /// <param name="now">The current time.</param>
    /// <exception cref="ProtectionRefusedException">The certificate may not sign for this address now.</exception>
    public static void CheckSigner(string address, X509Certificate2 certificate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var problem = FindValidityProblem(address, certificate, now);
        if (problem is null && PassedCertificateChecks.Contains(certificate, SignPurpose, address))
        {
            return;
        }

        // X509Certificate2 builds its extension collection lazily and not thread-safely: under load a
        // concurrent first read saw an incomplete collection and refused a valid signer ("does not allow
        // emailProtection"). The static checks run once per certificate, so serialising them is cheap.
        lock (certificate)
        {
            problem ??= FindKeyUsageProblem(address, certificate, X509KeyUsageFlags.DigitalSignature, "digitalSignature")
                ?? FindExtendedKeyUsageProblem(address, certificate)
                ?? FindAddressProblem(address, certificate);
        }

        if (problem is not null)
        {
            throw problem;
        }

        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null && rsa.KeySize < MinimumRsaKeySize)
        {
            throw KeyTooWeak(address, certificate, rsa.KeySize);
        }

        PassedCertificateChecks.Add(certificate, SignPurpose, address);
    }

    /// <summary>Checks a recipient certificate for <paramref name="address"/> (RSA key transport).</summary>
    /// <param name="address">The recipient address.</param>
    /// <param name="certificate">The recipient's certificate.</param>
    /// <param name="now">The current time.</param>
    /// <exception cref="ProtectionRefusedException">The certificate may not be encrypted to now.</exception>
    public static void CheckRecipient(string address, X509Certificate2 certificate, DateTimeOffset now)
    {
        if (FindRecipientProblem(address, certificate, now) is { } problem)
        {
            throw problem;
        }
    }

    /// <summary>
    /// Like <see cref="CheckRecipient"/>, but returns the refusal instead of throwing it: for optional
    /// recipients such as the sender's own copy.
    /// </summary>
    /// <param name="address">The recipient address.</param>
    /// <param name="certificate">The recipient's certificate.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The refusal, or <see langword="null"/> when the certificate may be encrypted to.</returns>
    public static ProtectionRefusedException? FindRecipientProblem(string address, X509Certificate2 certificate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var problem = FindValidityProblem(address, certificate, now);
        if (problem is not null)
        {
            return problem;
        }

        if (PassedCertificateChecks.Contains(certificate, EncryptPurpose, address))
        {
            return null;
        }

        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is null)
        {
            return new ProtectionRefusedException(
                ProtectionRefusal.KeyTooWeak,
                address,
                $"Certificate of {address} ({Describe(certificate)}) has no RSA key; only RSA key transport is supported.");
        }

        // Serialised per certificate for the reason given in CheckSigner; runs once per certificate.
        lock (certificate)
        {
            problem = FindKeyUsageProblem(address, certificate, X509KeyUsageFlags.KeyEncipherment, "keyEncipherment")
                ?? FindExtendedKeyUsageProblem(address, certificate)
                ?? FindAddressProblem(address, certificate)
                ?? (rsa.KeySize < MinimumRsaKeySize ? KeyTooWeak(address, certificate, rsa.KeySize) : null);
        }

        if (problem is null)
        {
            PassedCertificateChecks.Add(certificate, EncryptPurpose, address);
        }

        return problem;
    }

    /// <summary>The refusal for an RSA key below <see cref="MinimumRsaKeySize"/>.</summary>
    /// <param name="address">The address concerned.</param>
    /// <param name="certificate">The certificate.</param>
    /// <param name="keySize">Its key size in bits.</param>
    /// <returns>The exception to throw.</returns>
    public static ProtectionRefusedException KeyTooWeak(string address, X509Certificate2 certificate, int keySize)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return new ProtectionRefusedException(
            ProtectionRefusal.KeyTooWeak,
            address,
            $"Certificate of {address} ({Describe(certificate)}) has an RSA-{keySize} key; at least RSA-{MinimumRsaKeySize} is required.");
    }

    internal static string Describe(X509Certificate2 certificate) =>
        $"{certificate.Subject}, SHA-256 {certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}";

    private static ProtectionRefusedException? FindValidityProblem(string address, X509Certificate2 certificate, DateTimeOffset now)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (now > notAfter)
        {
            return new ProtectionRefusedException(
                ProtectionRefusal.CertificateExpired,
                address,
                $"Certificate of {address} expired on {notAfter.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)} ({Describe(certificate)}).");
        }

        if (now < notBefore)
        {
            return new ProtectionRefusedException(
                ProtectionRefusal.CertificateExpired,
                address,
                $"Certificate of {address} is not valid before {notBefore.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)} ({Describe(certificate)}).");
        }

        return null;
    }

    private static ProtectionRefusedException? FindKeyUsageProblem(string address, X509Certificate2 certificate, X509KeyUsageFlags required, string requiredName)
    {
        // RFC 8550 §4.4.2: when the extension is present, the bit for the operation must be set.
        var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (keyUsage is not null && (keyUsage.KeyUsages & required) == 0)
        {
            return new ProtectionRefusedException(
                ProtectionRefusal.KeyUsageNotAllowed,
                address,
                $"Certificate of {address} ({Describe(certificate)}) does not allow {requiredName} in its key usage.");
        }

        return null;
    }

    private static ProtectionRefusedException? FindExtendedKeyUsageProblem(string address, X509Certificate2 certificate)
    {
        // RFC 8550 §4.4.4: an EKU extension must list emailProtection (or anyExtendedKeyUsage).
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is null)
        {
            return null;
        }

        foreach (var oid in eku.EnhancedKeyUsages)
        {
            if (oid.Value is EmailProtectionOid or AnyExtendedKeyUsageOid)
            {
                return null;
            }
        }

        return new ProtectionRefusedException(
            ProtectionRefusal.KeyUsageNotAllowed,
            address,
            $"Certificate of {address} ({Describe(certificate)}) does not allow emailProtection in its extended key usage.");
    }

    private static ProtectionRefusedException? FindAddressProblem(string address, X509Certificate2 certificate)
    {
        if (!CertificateAddresses.Contains(certificate, address))
        {
            return new ProtectionRefusedException(
                ProtectionRefusal.AddressNotInCertificate,
                address,
                $"Certificate {Describe(certificate)} is not issued to {address}.");
        }

        return null;
    }
}
