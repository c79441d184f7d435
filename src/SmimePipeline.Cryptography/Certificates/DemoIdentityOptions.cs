using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>What <see cref="DemoPki.CreateIdentity"/> mints. Defaults give a valid S/MIME certificate.</summary>
/// <param name="Address">The mail address (rfc822Name and CN).</param>
public sealed record DemoIdentityOptions(string Address)
{
    /// <summary>Key type. Default RSA.</summary>
    public DemoKeyType KeyType { get; init; } = DemoKeyType.Rsa;

    /// <summary>RSA key size in bits (1024 is allowed, to test refusals). Default 2048.</summary>
    public int RsaKeySize { get; init; } = 2048;

    /// <summary>Start of validity; default one hour ago (or a week before <see cref="NotAfter"/> if that is earlier), never before the issuer's.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>End of validity; default two years from now, never after the issuer's.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>
    /// Key usage; <see langword="null"/> for the default (digitalSignature, plus keyEncipherment for RSA),
    /// <see cref="X509KeyUsageFlags.None"/> to omit the extension.
    /// </summary>
    public X509KeyUsageFlags? KeyUsage { get; init; }

    /// <summary>Whether to put the address in a subjectAltName rfc822Name. Default true.</summary>
    public bool IncludeSubjectAlternativeName { get; init; } = true;

    /// <summary>Whether to put the address in the subject's legacy emailAddress attribute. Default false.</summary>
    public bool IncludeEmailAddressInSubject { get; init; }

    /// <summary>Whether to add extended key usage emailProtection. Default true.</summary>
    public bool IncludeEmailProtection { get; init; } = true;
}
