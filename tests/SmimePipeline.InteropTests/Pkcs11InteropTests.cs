using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Cryptography.Pkcs11;
using SmimePipeline.Cryptography.Tests.Algorithms;
using SmimePipeline.Testing.Pkcs11;

namespace SmimePipeline.InteropTests;

/// <summary>
/// Mail signed by keys generated inside a SoftHSM2 token (RSA PKCS#1 v1.5, RSA-PSS, ECDSA P-256) and encrypted to
/// an RSA recipient is read by OpenSSL, NSS cmsutil and gpgsm: the token's signatures are ordinary CMS signatures.
/// </summary>
public sealed class Pkcs11InteropTests(AlgorithmPki pki) : IClassFixture<AlgorithmPki>
{
    private const string RsaSigner = "hsm-rsa@" + AlgorithmPki.Domain;
    private const string EcSigner = "hsm-p256@" + AlgorithmPki.Domain;

    [Fact]
    public async Task Three_engines_read_mail_signed_in_the_token()
    {
        string directory = Path.Combine(pki.Directory, "pkcs11-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        string token = await SoftHsm.CreateTokenAsync("interop");
        string pinFile = Path.Combine(directory, "pin");
        await File.WriteAllTextAsync(pinFile, SoftHsm.UserPin + "\n");
        using var provider = new Pkcs11KeyProvider(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinFile = pinFile });
        using var store = new DirectoryCertificateStore(Path.Combine(directory, "store"), pkcs11: provider);
        foreach (var (address, type, id) in new[] { (RsaSigner, "rsa:2048", (byte)1), (EcSigner, "EC:prime256v1", (byte)2) })
        {
            byte[] publicKey = await SoftHsm.GenerateKeyPairAsync(token, type, address.Split('@')[0], id) ?? throw new InvalidOperationException("no public key");
            using var certificate = TokenCertificates.Issue(pki.Authority, address, publicKey);
            var uri = Pkcs11Uri.Parse($"pkcs11:token={token};id=%{id:x2}");
            provider.OpenKey(uri, certificate).Dispose();
            store.ImportPkcs11Signer(uri, certificate, []);
        }

        store.ImportCertificate(pki.CertificatePath(AlgorithmPki.RsaRecipient));
        string[] recipients = [AlgorithmPki.RsaRecipient];
        using var gpgsm = new GpgsmEngine(pki, directory, recipients);
        IInteropEngine[] engines = [new OpenSslEngine(pki, directory), new NssEngine(pki, directory, recipients), gpgsm];

        var failures = new List<string>();
        foreach (var (sender, scheme) in new[] { (RsaSigner, SignatureScheme.RsaPkcs1), (RsaSigner, SignatureScheme.RsaPss), (EcSigner, SignatureScheme.RsaPkcs1) })
        {
            var protector = new SmimeProtector(store, new ProtectionOptions { Signature = scheme });
            using var message = MimeComposer.Compose(new ProtectEmail
            {
                MailId = Guid.NewGuid(),
                From = new MailAddress(sender),
                To = [new MailAddress(AlgorithmPki.RsaRecipient)],
                Subject = "Signed in an HSM",
                TextBody = "Kontoauszug aus dem HSM.\r\n",
            });
            var result = protector.Protect(message, SecurityPolicy.SignAndEncrypt);
            foreach (var engine in engines)
            {
                var verdict = engine.Read(result.Content, encrypted: true, AlgorithmPki.RsaRecipient);
                if (!verdict.Accepted)
                {
                    failures.Add($"{engine.Name} / {sender} / {result.SignatureAlgorithm}: {verdict.Cell}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.All(Directory.EnumerateFiles(Path.Combine(directory, "store"), "*", SearchOption.AllDirectories), f => Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(f), StringComparison.Ordinal));
    }
}
