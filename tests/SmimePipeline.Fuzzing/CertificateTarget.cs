using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Fuzzing;

/// <summary>
/// What <c>smime certs import</c> and <c>trust</c> read: PEM, DER, PEM bundles and PKCS#7 bundles, then the
/// addresses and the filing rule. Expected outcomes: certificates, or an <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class CertificateTarget : IFuzzTarget
{
    public string Name => "certificate";

    public string Description => "bytes -> CertificateFiles.ReadCertificates -> CertificateAddresses (import, trust)";

    public void Run(byte[] input)
    {
        List<X509Certificate2> certificates;
        try
        {
            certificates = CertificateFiles.ReadCertificates(input, "fuzz input");
        }
        catch (InvalidDataException)
        {
            return;
        }

        foreach (var certificate in certificates)
        {
            using (certificate)
            {
                _ = CertificateAddresses.Get(certificate);
                _ = CertificateAddresses.FindUnfileableProblem(certificate);
                _ = CertificateFiles.IsCertificateAuthority(certificate);
            }
        }
    }

    public void WriteSeeds(string directory)
    {
        var pki = FuzzEnvironment.Instance.Pki;
        File.Copy(pki.CertificatePath(pki.RecipientAddresses[0]), Path.Combine(directory, "recipient.pem"));
        File.Copy(pki.CaCertificatePath, Path.Combine(directory, "ca.pem"));
        using var recipient = X509Certificate2.CreateFromPem(File.ReadAllText(pki.CertificatePath(pki.RecipientAddresses[1])));
        File.WriteAllBytes(Path.Combine(directory, "recipient.der"), recipient.RawData);
        using var ca = X509CertificateLoader.LoadCertificateFromFile(pki.CaCertificatePath);
        var bundle = new X509Certificate2Collection { recipient, ca };
        File.WriteAllBytes(Path.Combine(directory, "bundle.p7b"), bundle.Export(X509ContentType.Pkcs7)!);
    }
}
