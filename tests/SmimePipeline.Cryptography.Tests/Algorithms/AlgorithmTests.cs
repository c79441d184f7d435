using System.Text;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

/// <summary>
/// Every algorithm the engine offers, judged by OpenSSL 3: round trip, one flipped byte in content,
/// signature or ciphertext (GCM must fail closed), and a recipient who was not addressed.
/// </summary>
public sealed class AlgorithmTests(AlgorithmPki pki) : IClassFixture<AlgorithmPki>
{
    private const string Body = "Hello from the algorithm matrix.\nLine two, with trailing spaces   \nFrom here on it is fine.\n";

    public static TheoryData<string, string, string, string, bool> Combinations => new()
    {
        // sender, signature, cipher, key transport, opaque
        { AlgorithmPki.RsaSender, "rsa-pkcs1", "aes256-cbc", "rsaes-pkcs1", false },
        { AlgorithmPki.RsaSender, "rsa-pss", "aes128-cbc", "rsaes-oaep", true },
        { AlgorithmPki.RsaSender, "rsa-pss", "aes256-gcm", "rsaes-oaep", false },
        { AlgorithmPki.RsaSender, "rsa-pkcs1", "aes128-gcm", "rsaes-pkcs1", true },
        { AlgorithmPki.P256Sender, "ecdsa", "aes128-gcm", "rsaes-pkcs1", false },
        { AlgorithmPki.P384Sender, "ecdsa", "aes256-cbc", "rsaes-oaep", true },
        { AlgorithmPki.Ed25519Sender, "ed25519", "aes256-gcm", "rsaes-pkcs1", false },
        { AlgorithmPki.Ed25519Sender, "ed25519", "aes128-cbc", "rsaes-pkcs1", true },
    };

    [Theory]
    [MemberData(nameof(Combinations))]
    public void OpenSsl_decrypts_and_verifies_for_RSA_and_EC_recipients(string sender, string signature, string cipher, string keyTransport, bool opaque)
    {
        var protector = pki.CreateProtector(Options(signature, keyTransport));
        var policy = new SecurityPolicy { Cipher = cipher, Opaque = opaque };
        var result = protector.Protect(ProtectedBytes.Mail(sender, "matrix", AlgorithmPki.RsaRecipient, AlgorithmPki.EcRecipient), policy);
        Assert.Equal(cipher, result.ContentCipher);
        string header = Encoding.ASCII.GetString(result.Content, 0, Math.Min(result.Content.Length, 2000));
        Assert.Contains(cipher.EndsWith("gcm", StringComparison.Ordinal) ? "smime-type=authEnveloped-data" : "smime-type=enveloped-data", header, StringComparison.Ordinal);

        var openssl = new OpenSslCms(pki, pki.Directory);
        foreach (var recipient in new[] { AlgorithmPki.RsaRecipient, AlgorithmPki.EcRecipient })
        {
            var decrypted = openssl.Decrypt(result.Content, recipient);
            Assert.True(decrypted.Ok, $"openssl could not decrypt for {recipient}: {decrypted.Error}");
            Assert.Contains(opaque ? "smime-type=signed-data" : "multipart/signed", Encoding.ASCII.GetString(decrypted.Output, 0, 300), StringComparison.Ordinal);
            var verified = Verify(openssl, sender, decrypted.Output);
            Assert.True(verified.Ok, $"could not verify the {signature} signature: {verified.Error}");
            Assert.Equal(Body, ProtectedBytes.Text(verified.Content));
        }

        // RSA senders get their own copy. An EC sender's copy would need ECDH, which NSS cannot decode at
        // all, so next to an RSA recipient it is left out: the RSA recipient's Thunderbird must read the mail.
        if (sender == AlgorithmPki.RsaSender)
        {
            Assert.True(openssl.Decrypt(result.Content, sender).Ok, $"{sender} cannot read its own sent mail");
        }
        else if (sender != AlgorithmPki.Ed25519Sender)
        {
            Assert.False(openssl.Decrypt(result.Content, sender).Ok, $"{sender} got an ECDH copy next to an RSA recipient");
        }
    }

    [Fact]
    public void An_EC_sender_writing_only_to_EC_recipients_gets_its_own_ECDH_copy()
    {
        var protector = pki.CreateProtector(Options("ecdsa", "rsaes-pkcs1"));
        var result = protector.Protect(ProtectedBytes.Mail(AlgorithmPki.P256Sender, "ec only", AlgorithmPki.EcRecipient), new SecurityPolicy { Cipher = "aes256-cbc" });

        var openssl = new OpenSslCms(pki, pki.Directory);
        Assert.True(openssl.Decrypt(result.Content, AlgorithmPki.EcRecipient).Ok);
        Assert.True(openssl.Decrypt(result.Content, AlgorithmPki.P256Sender).Ok, "the EC sender cannot read its own sent mail");
    }

    [Theory]
    [InlineData(AlgorithmPki.RsaSender, "rsa-pkcs1", false)]
    [InlineData(AlgorithmPki.RsaSender, "rsa-pss", true)]
    [InlineData(AlgorithmPki.P256Sender, "ecdsa", false)]
    [InlineData(AlgorithmPki.P384Sender, "ecdsa", true)]
    [InlineData(AlgorithmPki.Ed25519Sender, "ed25519", false)]
    public void Signed_only_mail_verifies_and_a_flipped_content_or_signature_byte_fails(string sender, string signature, bool opaque)
    {
        var protector = pki.CreateProtector(Options(signature, "rsaes-pkcs1"));
        var result = protector.Protect(ProtectedBytes.Mail(sender, "signed", AlgorithmPki.RsaRecipient), SecurityPolicy.SignOnly with { Opaque = opaque });
        var openssl = new OpenSslCms(pki, pki.Directory);
        var verified = Verify(openssl, sender, result.Content);
        Assert.True(verified.Ok, verified.Error);
        Assert.Equal(Body, ProtectedBytes.Text(verified.Content));

        if (opaque)
        {
            byte[] der = ProtectedBytes.Pkcs7Der(result.Content);
            int at = der.AsSpan().IndexOf("Hello"u8);
            Assert.True(at > 0, "the encapsulated content is not in the SignedData");
            der[at] ^= 0x01;
            Assert.False(Verify(openssl, sender, ProtectedBytes.ReplacePkcs7Der(result.Content, der)).Ok, "a flipped content byte verified");
            return;
        }

        string text = Encoding.ASCII.GetString(result.Content);
        Assert.False(Verify(openssl, sender, Encoding.ASCII.GetBytes(text.Replace("Hello from", "Jello from", StringComparison.Ordinal))).Ok, "changed content verified");
        Assert.False(Verify(openssl, sender, ProtectedBytes.FlipSignatureByte(result.Content)).Ok, "a flipped signature byte verified");
    }

    [Theory]
    [InlineData("aes128-cbc")]
    [InlineData("aes256-cbc")]
    [InlineData("aes128-gcm")]
    [InlineData("aes256-gcm")]
    public void A_flipped_ciphertext_byte_never_yields_verified_content_and_GCM_fails_closed(string cipher)
    {
        var protector = pki.CreateProtector(new ProtectionOptions());
        var result = protector.Protect(ProtectedBytes.Mail(AlgorithmPki.RsaSender, "tamper", AlgorithmPki.RsaRecipient), new SecurityPolicy { Cipher = cipher });
        var openssl = new OpenSslCms(pki, pki.Directory);
        byte[] der = ProtectedBytes.Pkcs7Der(result.Content);

        foreach (int position in new[] { der.Length / 2 + 300, der.Length - 1 })
        {
            byte[] damaged = (byte[])der.Clone();
            damaged[Math.Min(position, der.Length - 1)] ^= 0x20;
            var decrypted = openssl.Decrypt(ProtectedBytes.ReplacePkcs7Der(result.Content, damaged), AlgorithmPki.RsaRecipient);
            if (cipher.EndsWith("gcm", StringComparison.Ordinal))
            {
                // RFC 5084 §1: a wrong tag or ciphertext makes decryption fail; nothing is released.
                Assert.False(decrypted.Ok, $"GCM released content although byte {position} of {der.Length} was flipped");
            }
            else
            {
                // CBC has no integrity of its own: either padding fails or the inner signature does.
                Assert.False(decrypted.Ok && openssl.Verify(decrypted.Output).Ok, "CBC tampering went unnoticed");
            }
        }
    }

    [Theory]
    [InlineData("aes256-cbc", "rsaes-pkcs1")]
    [InlineData("aes256-gcm", "rsaes-oaep")]
    public void A_key_that_was_not_addressed_cannot_decrypt(string cipher, string keyTransport)
    {
        var protector = pki.CreateProtector(Options("rsa-pkcs1", keyTransport));
        var result = protector.Protect(ProtectedBytes.Mail(AlgorithmPki.P256Sender, "wrong", AlgorithmPki.RsaRecipient, AlgorithmPki.EcRecipient), new SecurityPolicy { Cipher = cipher });
        var openssl = new OpenSslCms(pki, pki.Directory);
        Assert.True(openssl.Decrypt(result.Content, AlgorithmPki.EcRecipient).Ok);
        var stranger = openssl.Decrypt(result.Content, AlgorithmPki.Stranger);
        Assert.False(stranger.Ok, "a key that was not addressed decrypted the mail");
    }

    [Fact]
    public void Auto_cipher_uses_GCM_only_when_every_recipient_is_known_to_read_it()
    {
        var onlyEc = new KnownCapabilities(AlgorithmPki.EcRecipient, AlgorithmPki.RsaSender);
        var protector = pki.CreateProtector(new ProtectionOptions(), onlyEc);
        Assert.Equal("aes256-gcm", protector.Protect(ProtectedBytes.Mail(AlgorithmPki.RsaSender, "a", AlgorithmPki.EcRecipient), SecurityPolicy.SignAndEncrypt).ContentCipher);
        Assert.Equal("aes256-cbc", protector.Protect(ProtectedBytes.Mail(AlgorithmPki.RsaSender, "b", AlgorithmPki.EcRecipient, AlgorithmPki.RsaRecipient), SecurityPolicy.SignAndEncrypt).ContentCipher);
        Assert.Equal("aes256-cbc", pki.CreateProtector(new ProtectionOptions()).Protect(ProtectedBytes.Mail(AlgorithmPki.RsaSender, "c", AlgorithmPki.EcRecipient), SecurityPolicy.SignAndEncrypt).ContentCipher);
        Assert.Equal("aes128-gcm", protector.Protect(ProtectedBytes.Mail(AlgorithmPki.RsaSender, "d", AlgorithmPki.RsaRecipient), new SecurityPolicy { Cipher = "aes128-gcm" }).ContentCipher);
    }

    [Fact]
    public void Algorithms_outside_the_allow_list_are_refused_naming_the_algorithm()
    {
        var options = new ProtectionOptions { Cipher = ContentCipher.Aes256Gcm };
        foreach (var name in new[] { "rsa-pkcs1", "ecdsa", "sha256", "aes256-cbc", "rsaes-pkcs1" })
        {
            options.AllowedAlgorithms.Add(name);
        }

        var protector = pki.CreateProtector(options);
        var gcm = Assert.Throws<ProtectionRefusedException>(() => protector.Protect(ProtectedBytes.Mail(AlgorithmPki.RsaSender, "x", AlgorithmPki.RsaRecipient), SecurityPolicy.SignAndEncrypt));
        Assert.Equal(ProtectionRefusal.AlgorithmNotAllowed, gcm.Refusal);
        Assert.Contains("aes256-gcm", gcm.Message, StringComparison.Ordinal);

        var ecdh = Assert.Throws<ProtectionRefusedException>(() => protector.Protect(ProtectedBytes.Mail(AlgorithmPki.RsaSender, "x", AlgorithmPki.EcRecipient), new SecurityPolicy { Cipher = "aes256-cbc" }));
        Assert.Equal(ProtectionRefusal.AlgorithmNotAllowed, ecdh.Refusal);
        Assert.Contains("ecdh", ecdh.Message, StringComparison.Ordinal);
        Assert.Equal(AlgorithmPki.EcRecipient, ecdh.Address);

        var ed = Assert.Throws<ProtectionRefusedException>(() => protector.Protect(ProtectedBytes.Mail(AlgorithmPki.Ed25519Sender, "x", AlgorithmPki.RsaRecipient), new SecurityPolicy { Cipher = "aes256-cbc" }));
        Assert.Contains("ed25519", ed.Message, StringComparison.Ordinal);

        // An EC sender's own ECDH copy is dropped rather than refused when ecdh is not allowed; RSA recipients still get the mail.
        var p256 = protector.Protect(ProtectedBytes.Mail(AlgorithmPki.P256Sender, "x", AlgorithmPki.RsaRecipient), new SecurityPolicy { Cipher = "aes256-cbc" });
        var openssl = new OpenSslCms(pki, pki.Directory);
        Assert.True(openssl.Decrypt(p256.Content, AlgorithmPki.RsaRecipient).Ok);
        Assert.False(openssl.Decrypt(p256.Content, AlgorithmPki.P256Sender).Ok, "the sender's ECDH copy was written although ecdh is not allowed");

        var unknown = Assert.Throws<ProtectionRefusedException>(() => protector.Protect(ProtectedBytes.Mail(AlgorithmPki.RsaSender, "x", AlgorithmPki.RsaRecipient), new SecurityPolicy { Cipher = "des-ede3-cbc" }));
        Assert.Equal(ProtectionRefusal.AlgorithmNotAllowed, unknown.Refusal);
        Assert.Equal("aes256-cbc", protector.Protect(ProtectedBytes.Mail(AlgorithmPki.RsaSender, "x", AlgorithmPki.RsaRecipient), new SecurityPolicy { Cipher = "aes256-cbc" }).ContentCipher);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Header_protection_puts_the_real_headers_inside_and_obscures_the_outer_subject(bool encrypt)
    {
        var protector = pki.CreateProtector(new ProtectionOptions { HeaderProtection = true });
        var mail = ProtectedBytes.Mail(AlgorithmPki.RsaSender, "Your statement for November", AlgorithmPki.RsaRecipient);
        var result = protector.Protect(mail, new SecurityPolicy { Encrypt = encrypt });
        var outer = MimeMessage.Load(new MemoryStream(result.Content));
        Assert.Equal(encrypt ? "[...]" : "Your statement for November", outer.Subject);

        var openssl = new OpenSslCms(pki, pki.Directory);
        byte[] signed = result.Content;
        if (encrypt)
        {
            var decrypted = openssl.Decrypt(result.Content, AlgorithmPki.RsaRecipient);
            Assert.True(decrypted.Ok, decrypted.Error);
            signed = decrypted.Output;
        }

        var verified = openssl.Verify(signed);
        Assert.True(verified.Ok, verified.Error);
        var inner = MimeEntity.Load(new MemoryStream(verified.Content));
        Assert.Equal(encrypt ? "cipher" : "clear", inner.ContentType.Parameters["hp"]);
        Assert.Equal("Your statement for November", inner.Headers[HeaderId.Subject]);
        Assert.Contains(AlgorithmPki.RsaSender, inner.Headers[HeaderId.From], StringComparison.Ordinal);
        Assert.Contains(AlgorithmPki.RsaRecipient, inner.Headers[HeaderId.To], StringComparison.Ordinal);
        Assert.Equal(outer.MessageId, MimeKit.Utils.MimeUtils.EnumerateReferences(inner.Headers[HeaderId.MessageId] ?? "").Single());
        Assert.Equal(encrypt, inner.Headers.Any(h => h.Field == "HP-Outer" && h.Value.StartsWith("Subject: [...]", StringComparison.Ordinal)));

        // Protecting the same message object again (a retry) does not stack a second copy of the headers.
        protector.Protect(mail, new SecurityPolicy { Encrypt = encrypt });
        Assert.Single(mail.Body!.Headers, h => h.Id == HeaderId.Subject);
    }

    /// <summary>OpenSSL verifies, except Ed25519, which OpenSSL 3.0 cannot verify at all (asserted) and BouncyCastle's CMS verifier judges.</summary>
    private static (bool Ok, byte[] Content, string Error) Verify(OpenSslCms openssl, string sender, byte[] signedEntity)
    {
        var byOpenSsl = openssl.Verify(signedEntity);
        if (sender != AlgorithmPki.Ed25519Sender)
        {
            return byOpenSsl;
        }

        Assert.False(byOpenSsl.Ok, "OpenSSL 3.0 verified Ed25519 SignedData; the known limitation is gone, make OpenSSL the judge again");
        Assert.Contains("invalid digest", byOpenSsl.Error, StringComparison.Ordinal);
        var byBouncyCastle = BouncyCastleCmsVerifier.Verify(signedEntity);
        return (byBouncyCastle.Ok, byBouncyCastle.Content, "BouncyCastle did not verify the Ed25519 signature");
    }

    private static ProtectionOptions Options(string signature, string keyTransport) => new()
    {
        Signature = signature == "rsa-pss" ? SignatureScheme.RsaPss : SignatureScheme.RsaPkcs1,
        KeyTransport = keyTransport == "rsaes-oaep" ? KeyTransport.RsaOaep : KeyTransport.RsaPkcs1,
    };

    private sealed class KnownCapabilities(params string[] gcmReaders) : IRecipientCapabilities
    {
        public bool CanReadAuthEnveloped(string address, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
            gcmReaders.Contains(address, StringComparer.OrdinalIgnoreCase);
    }
}
