using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Testing;

namespace SmimePipeline.Fuzzing;

/// <summary>
/// What <c>smime certs import-crl</c> reads: a CRL file (PEM or DER), then verification against the demo CA.
/// Expected outcomes: a verified CRL, an <see cref="InvalidDataException"/> or a <see cref="CertificateRefusedException"/>.
/// </summary>
internal sealed class CrlTarget : IFuzzTarget
{
    public string Name => "crl";

    public string Description => "bytes -> CertificateFiles.ReadRevocationLists -> RevocationListVerifier.Verify (import-crl)";

    public void Run(byte[] input)
    {
        var environment = FuzzEnvironment.Instance;
        try
        {
            foreach (var der in CertificateFiles.ReadRevocationLists(input, "fuzz input"))
            {
                _ = RevocationListVerifier.Verify(der, environment.Authorities, DateTimeOffset.UtcNow);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or CertificateRefusedException)
        {
            // A documented refusal with its reason.
        }
    }

    public void WriteSeeds(string directory)
    {
        var pki = FuzzEnvironment.Instance.Pki;
        using var ca = pki.LoadAuthority();
        var now = DateTimeOffset.UtcNow;
        var builder = new CertificateRevocationListBuilder();
        // Minimally encoded, or AddEntry refuses it (about one serial in 256 of plain random bytes).
        builder.AddEntry(RandomSerialNumber.Create(), now.AddDays(-1), X509RevocationReason.KeyCompromise);
        byte[] crl = builder.Build(ca, BigInteger.One, now.AddYears(5), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, now.AddMinutes(-10));
        File.WriteAllBytes(Path.Combine(directory, "ca.crl"), crl);
        File.WriteAllText(Path.Combine(directory, "ca.crl.pem"), PemEncoding.WriteString("X509 CRL", crl) + "\n");
        byte[] empty = new CertificateRevocationListBuilder().Build(ca, new BigInteger(2), now.AddYears(5), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, now.AddMinutes(-10));
        File.WriteAllBytes(Path.Combine(directory, "empty.crl"), empty);
    }
}
