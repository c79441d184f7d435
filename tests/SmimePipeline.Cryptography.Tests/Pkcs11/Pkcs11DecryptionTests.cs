using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Cms;
using SmimePipeline.Cryptography.Pkcs11;
using SmimePipeline.Testing.Pkcs11;

namespace SmimePipeline.Cryptography.Tests.Pkcs11;

/// <summary>A reply encrypted by OpenSSL to a signer whose RSA key lives in SoftHSM2 opens with C_Decrypt in the token.</summary>
[Collection(SoftHsmTokenGroup.Name)]
public sealed class Pkcs11DecryptionTests(SoftHsmSignerFixture hsm)
{
    [Theory]
    [InlineData("pkcs1", 7, new string[0])]
    // SoftHSM2 2.6 implements CKM_RSA_PKCS_OAEP with SHA-1 only (CKR_ARGUMENTS_BAD for SHA-256): OAEP's defaults here.
    [InlineData("oaep-sha1", 8, new[] { "-keyopt", "rsa_padding_mode:oaep" })]
    public async Task An_envelope_to_a_token_signer_opens_in_the_token(string padding, byte id, string[] keyOptions)
    {
        string directory = Directory.CreateTempSubdirectory("smime-pkcs11-decrypt-").FullName;
        try
        {
            // Its own key per case: the fixture's token is shared by the class.
            string label = "hsm-decrypt-" + padding;
            string address = label + "@hsm.smime.test";
            byte[] publicKey = await SoftHsm.GenerateKeyPairAsync(hsm.Token, "rsa:2048", label, id, decrypt: true)
                ?? throw new InvalidOperationException("The token returned no public key.");
            using (var issued = TokenCertificates.Issue(hsm.Authority, address, publicKey))
            {
                await SoftHsm.WriteCertificateAsync(hsm.Token, issued.RawData, label, id);
            }

            var uri = Pkcs11Uri.Parse($"pkcs11:token={hsm.Token};object={label};id=%{id:x2}");
            using var certificate = hsm.Provider.ReadCertificate(uri) ?? throw new InvalidOperationException("The token returned no certificate.");
            using var store = new DirectoryCertificateStore(Path.Combine(directory, "store"), pkcs11: hsm.Provider);
            store.ImportPkcs11Signer(uri, certificate, [hsm.Authority]);
            string certificatePath = Path.Combine(directory, "recipient.pem");
            await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem() + "\n");
            string input = Path.Combine(directory, "in.txt");
            string output = Path.Combine(directory, "out.der");
            await File.WriteAllTextAsync(input, "Content-Type: text/plain\r\n\r\nOpened in the token.\r\n");
            OpenSslTool.RunChecked(["cms", "-encrypt", "-binary", "-outform", "DER", "-aes256", "-in", input, "-out", output, "-recip", certificatePath, .. keyOptions]);

            var opened = EnvelopedContentDecryptor.Decrypt(await File.ReadAllBytesAsync(output), new StoreIdentities(store));

            Assert.True(Encoding.ASCII.GetString(opened.Content).EndsWith("Opened in the token.\r\n", StringComparison.Ordinal), padding);
            var identity = store.FindSigner(address);
            Assert.NotNull(identity);
            Assert.IsType<Pkcs11RsaKey>(identity.PrivateKey);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class StoreIdentities(DirectoryCertificateStore store) : IDecryptionIdentities
    {
        public SignerIdentity? FindByCertificate(Func<X509Certificate2, bool> isAddressed) => store.FindSigner(isAddressed);
    }
}
