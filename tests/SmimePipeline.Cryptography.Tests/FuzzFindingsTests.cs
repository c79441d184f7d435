using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>
/// Every input on which <c>scripts/fuzz.sh</c> found a crash, kept in <c>FuzzFindings/</c> under the target's name,
/// now gets the documented answer: a <see cref="ProtectionRefusedException"/> with its reason, nothing else.
/// </summary>
public sealed class FuzzFindingsTests
{
    public static TheoryData<string> SignedMailFindings() => Findings("signed-mail-");

    [Theory]
    [MemberData(nameof(SignedMailFindings))]
    public void A_signed_mail_that_crashed_the_reader_is_refused_with_a_reason(string file)
    {
        byte[] input = File.ReadAllBytes(file);

        var refusal = Assert.Throws<ProtectionRefusedException>(() =>
        {
            using var message = MimeMessageReader.Read(input, Path.GetFileName(file));
            SignedMailReader.Read(message);
        });

        Assert.Equal(ProtectionRefusal.InvalidMessage, refusal.Refusal);
        Assert.Contains("cannot be read", refusal.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> CertificateFindings() => Findings("certificate-");

    [Theory]
    [MemberData(nameof(CertificateFindings))]
    public void A_certificate_that_crashed_the_address_reader_names_no_address_and_cannot_be_filed(string file)
    {
        List<System.Security.Cryptography.X509Certificates.X509Certificate2> certificates;
        try
        {
            certificates = CertificateFiles.ReadCertificates(File.ReadAllBytes(file), Path.GetFileName(file));
        }
        catch (InvalidDataException)
        {
            return;
        }

        Assert.NotEmpty(certificates);
        foreach (var certificate in certificates)
        {
            using (certificate)
            {
                Assert.Empty(CertificateAddresses.Get(certificate));
                Assert.Contains("names no mail address", CertificateAddresses.FindUnfileableProblem(certificate), StringComparison.Ordinal);
            }
        }
    }

    private static TheoryData<string> Findings(string prefix)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "FuzzFindings");
        var files = Directory.GetFiles(directory, prefix + "*").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        return [.. files];
    }
}
