using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Cms;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>
/// Replies encrypted by OpenSSL (the independent writer) to our signer certificate open with the signer's key from
/// the store; envelopes for others, tampered ones and weak ciphers are refused with their cause.
/// </summary>
[Collection("demo-pki")]
public sealed class EnvelopedContentDecryptorTests(DemoPkiFixture fixture)
{
    private const string Inner = "Content-Type: text/plain; charset=us-ascii\r\n\r\nA reply, reference 7.\r\n";

    private readonly StoreIdentities _ours = new(fixture.Store);

    [Theory]
    [InlineData("pkcs1, issuer+serial, AES-256-CBC", new[] { "-aes256" })]
    [InlineData("OAEP-SHA-256, subject key identifier, AES-128-CBC", new[] { "-aes128", "-keyid", "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256", "-keyopt", "rsa_mgf1_md:sha256" })]
    [InlineData("OAEP-SHA-1 defaults, AES-192-CBC", new[] { "-aes192", "-keyopt", "rsa_padding_mode:oaep" })]
    [InlineData("pkcs1, AES-256-GCM authenticated-enveloped data", new[] { "-aes-256-gcm" })]
    public void An_envelope_to_our_signer_certificate_opens_to_the_exact_content(string shape, string[] options)
    {
        var envelope = Encrypt(fixture.Pki.CertificatePath(fixture.Pki.SenderAddress), options);

        var opened = EnvelopedContentDecryptor.Decrypt(envelope, _ours);

        Assert.True(Inner == Encoding.ASCII.GetString(opened.Content), shape);
        Assert.Contains(fixture.Pki.SenderAddress, opened.Recipient.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void An_envelope_for_someone_else_is_refused_naming_the_recipients_it_is_addressed_to()
    {
        var alice = fixture.Pki.RecipientAddresses[0];
        using var aliceCertificate = X509CertificateLoader.LoadCertificateFromFile(fixture.Pki.CertificatePath(alice));
        var envelope = Encrypt(fixture.Pki.CertificatePath(alice), ["-aes256"]);

        var refusal = Assert.Throws<EnvelopeRefusedException>(() => EnvelopedContentDecryptor.Decrypt(envelope, _ours));

        Assert.Equal(EnvelopeRefusal.NotAddressedToUs, refusal.Refusal);
        Assert.Contains("serial " + aliceCertificate.SerialNumber.TrimStart('0').ToLowerInvariant(), refusal.Message, StringComparison.Ordinal);
        Assert.Contains("SmimePipeline Demo Root CA", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tampered_authenticated_envelope_is_refused_as_not_decrypting()
    {
        var envelope = Encrypt(fixture.Pki.CertificatePath(fixture.Pki.SenderAddress), ["-aes-256-gcm"]);
        int at = envelope.AsSpan().IndexOf("A reply"u8.ToArray());
        Assert.True(at < 0, "the content must not be visible in the envelope");
        // The encrypted content sits just before the 16-byte tag at the end: flip one bit in it.
        envelope[^20] ^= 0x01;

        var refusal = Assert.Throws<EnvelopeRefusedException>(() => EnvelopedContentDecryptor.Decrypt(envelope, _ours));

        Assert.Equal(EnvelopeRefusal.DecryptionFailed, refusal.Refusal);
        Assert.DoesNotContain("reference 7", refusal.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_3DES_envelope_is_refused_as_weak()
    {
        var envelope = Encrypt(fixture.Pki.CertificatePath(fixture.Pki.SenderAddress), ["-des3"]);

        var refusal = Assert.Throws<EnvelopeRefusedException>(() => EnvelopedContentDecryptor.Decrypt(envelope, _ours));

        Assert.Equal(EnvelopeRefusal.DecryptionFailed, refusal.Refusal);
        Assert.Contains("3DES", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signed_data_is_not_an_envelope()
    {
        var directory = fixture.NewDirectory("signed");
        var input = Path.Combine(directory, "in.txt");
        var output = Path.Combine(directory, "out.der");
        File.WriteAllText(input, Inner);
        OpenSslTool.RunChecked("cms", "-sign", "-binary", "-nodetach", "-outform", "DER", "-in", input, "-out", output,
            "-signer", fixture.Pki.CertificatePath(fixture.Pki.SenderAddress), "-inkey", fixture.Pki.KeyPath(fixture.Pki.SenderAddress));

        var refusal = Assert.Throws<EnvelopeRefusedException>(() => EnvelopedContentDecryptor.Decrypt(File.ReadAllBytes(output), _ours));

        Assert.Equal(EnvelopeRefusal.Malformed, refusal.Refusal);
        Assert.Contains("not enveloped", refusal.Message, StringComparison.Ordinal);
    }

    private byte[] Encrypt(string certificate, string[] options)
    {
        var directory = fixture.NewDirectory("envelope");
        var input = Path.Combine(directory, "in.txt");
        var output = Path.Combine(directory, "out.der");
        File.WriteAllText(input, Inner);
        // -keyopt applies to the -recip before it.
        string[] cipher = [.. options.TakeWhile(o => o != "-keyopt")];
        string[] keyOptions = [.. options.SkipWhile(o => o != "-keyopt")];
        OpenSslTool.RunChecked(["cms", "-encrypt", "-binary", "-outform", "DER", "-in", input, "-out", output, .. cipher, "-recip", certificate, .. keyOptions]);
        return File.ReadAllBytes(output);
    }

    private sealed class StoreIdentities(DirectoryCertificateStore store) : IDecryptionIdentities
    {
        public SignerIdentity? FindByCertificate(Func<X509Certificate2, bool> isAddressed) => store.FindSigner(isAddressed);
    }
}
