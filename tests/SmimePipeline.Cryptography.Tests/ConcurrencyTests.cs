using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

[Collection("demo-pki")]
public sealed class ConcurrencyTests(DemoPkiFixture fixture)
{
    [Fact]
    public void One_protector_serves_parallel_callers_with_both_key_types()
    {
        var pki = fixture.Pki;
        var protector = new SmimeProtector(fixture.Store);
        string alice = pki.RecipientAddresses[0];

        var results = Enumerable.Range(0, 40).AsParallel().WithDegreeOfParallelism(4)
            .Select(i => protector.Protect(
                MimeComposer.Compose(TestMails.Create(i % 2 == 0 ? pki.SenderAddress : pki.EcdsaSenderAddress, alice)),
                SecurityPolicy.SignAndEncrypt))
            .ToList();

        Assert.All(results, result =>
        {
            var decrypted = SmimeReader.Decrypt(SmimeReader.EnvelopedData(SmimeReader.Parse(result.Content)), pki.CertificatePath(alice), pki.KeyPath(alice));
            var (content, signature, _) = SmimeReader.SplitSigned(decrypted);
            SmimeReader.Verify(content, signature, pki.CaCertificatePath);
        });
    }
}
