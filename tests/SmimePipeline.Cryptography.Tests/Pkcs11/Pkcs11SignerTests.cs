using System.Security.Cryptography;
using MimeKit;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Cryptography.Pkcs11;
using SmimePipeline.Testing.Pkcs11;

namespace SmimePipeline.Cryptography.Tests.Pkcs11;

/// <summary>Signer keys generated inside SoftHSM2 sign mail that OpenSSL verifies; the keys never leave the token.</summary>
[Collection(SoftHsmTokenGroup.Name)]
public sealed class Pkcs11SignerTests(SoftHsmSignerFixture hsm)
{
    [Theory]
    [InlineData(SoftHsmSignerFixture.RsaAddress, SignatureScheme.RsaPkcs1, "sha256WithRSAEncryption")]
    [InlineData(SoftHsmSignerFixture.RsaAddress, SignatureScheme.RsaPss, "rsassa-pss-sha-256")]
    [InlineData(SoftHsmSignerFixture.P256Address, SignatureScheme.RsaPkcs1, "ecdsa-with-SHA256")]
    [InlineData(SoftHsmSignerFixture.P384Address, SignatureScheme.RsaPkcs1, "ecdsa-with-SHA384")]
    public void Mail_signed_in_the_token_verifies_with_OpenSSL(string sender, SignatureScheme scheme, string algorithm)
    {
        var protector = new SmimeProtector(hsm.Store, new ProtectionOptions { Signature = scheme });
        var result = protector.Protect(MimeComposer.Compose(TestMails.Create(sender, "someone@example.net")), SecurityPolicy.SignOnly);

        Assert.Equal(algorithm, result.SignatureAlgorithm);
        string directory = Directory.CreateTempSubdirectory("smime-pkcs11-verify-").FullName;
        try
        {
            string signed = Path.Combine(directory, "signed.eml");
            File.WriteAllBytes(signed, result.Content);
            var verify = OpenSslTool.RunChecked("cms", "-verify", "-CAfile", hsm.AuthorityPath, "-purpose", "smimesign", "-in", signed, "-out", Path.Combine(directory, "content.mime"));
            Assert.Contains("Verification successful", verify.StandardError, StringComparison.Ordinal);
            var content = MimeEntity.Load(Path.Combine(directory, "content.mime"));
            Assert.Contains(TestMails.SecretWord, content.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(SoftHsmSignerFixture.RsaAddress)]
    [InlineData(SoftHsmSignerFixture.P256Address)]
    [InlineData(SoftHsmSignerFixture.P384Address)]
    public async Task The_private_key_is_not_extractable_and_no_key_file_exists_in_the_store(string address)
    {
        var uri = hsm.Uris[address];

        var protection = hsm.Provider.ReadProtection(uri);
        Assert.False(protection.Extractable, "CKA_EXTRACTABLE must be false");
        Assert.True(protection.Sensitive, "CKA_SENSITIVE must be true");
        Assert.True(protection.NeverExtractable, "CKA_NEVER_EXTRACTABLE must be true");
        Assert.Contains("never extractable", await SoftHsm.ListPrivateKeysAsync(hsm.Token), StringComparison.Ordinal);

        // The identity signs through the token and refuses to hand out private parameters.
        var identity = hsm.Store.FindSigner(address)!;
        Assert.Equal(SignerKeyLocation.Pkcs11, identity.KeyLocation);
        Assert.False(identity.Certificate.HasPrivateKey);
        var exported = Assert.Throws<CryptographicException>(() => identity.PrivateKey switch
        {
            RSA rsa => (object)rsa.ExportParameters(true),
            ECDsa ec => ec.ExportParameters(true),
            _ => throw new InvalidOperationException("unexpected key type"),
        });
        Assert.Contains(hsm.Token, exported.Message, StringComparison.Ordinal);
        Assert.Throws<CryptographicException>(() => identity.PrivateKey!.ExportPkcs8PrivateKey());

        foreach (var file in Directory.EnumerateFiles(hsm.StorePath, "*", SearchOption.AllDirectories))
        {
            Assert.False(file.EndsWith(".key.pem", StringComparison.Ordinal), $"{file} is a key file");
            Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(file), StringComparison.Ordinal);
            Assert.DoesNotContain(SoftHsm.UserPin, File.ReadAllText(file), StringComparison.Ordinal);
        }

        var entry = Assert.Single(hsm.Store.List(), e => e.Kind == StoreEntryKind.Signer && e.Address == address);
        Assert.Equal(SignerKeyLocation.Pkcs11, entry.KeyLocation);
        Assert.Equal(uri.ToString(), entry.KeyUri);
    }

    [Fact]
    public void Signer_threads_share_pooled_sessions_and_survive_their_sessions_being_closed_under_them()
    {
        var protector = new SmimeProtector(hsm.Store);
        var token = ((Pkcs11ECDsaKey)hsm.Store.FindSigner(SoftHsmSignerFixture.P256Address)!.PrivateKey!).Token;
        protector.Protect(MimeComposer.Compose(TestMails.Create(SoftHsmSignerFixture.P256Address, "x@example.net")), SecurityPolicy.SignOnly);
        Assert.Equal(Pkcs11TokenState.Available, token.State);

        // Another user of the module closes every session of the token (C_CloseAllSessions) between two bursts
        // of signing: our pooled sessions and the login are gone. Every mail must still be signed, by reconnecting.
        // (Not during a burst: SoftHSM2 frees a session that another thread is signing in, and crashes.)
        int signed = 0;
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        void Burst(int count) => Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            try
            {
                string sender = i % 2 == 0 ? SoftHsmSignerFixture.P256Address : SoftHsmSignerFixture.RsaAddress;
                protector.Protect(MimeComposer.Compose(TestMails.Create(sender, "x@example.net")), SecurityPolicy.SignOnly);
                Interlocked.Increment(ref signed);
            }
            catch (Exception e) when (e is Pkcs11UnavailableException)
            {
                failures.Add(e);
            }
        });

        Burst(60);
        CloseAllSessions(hsm.Token);
        Burst(140);

        Assert.Empty(failures);
        Assert.Equal(200, signed);
        Assert.Equal(Pkcs11TokenState.Available, token.State);
        Assert.InRange(token.MaxSessions, 1, 2 * Environment.ProcessorCount);
    }

    [Fact]
    public async Task A_wrong_PIN_is_refused_with_its_reason_and_never_offered_to_the_token_twice()
    {
        string label = hsm.WrongPinToken;
        string pinFile = Path.Combine(hsm.Root, "wrong-pin-" + label);
        await File.WriteAllTextAsync(pinFile, "000000\n");
        using var provider = new Pkcs11KeyProvider(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinFile = pinFile });
        var uri = Pkcs11Uri.Parse($"pkcs11:token={label};object=k");
        var first = Assert.Throws<Pkcs11UnavailableException>(() => provider.ReadProtection(uri));
        Assert.Contains("CKR_PIN_INCORRECT", first.Message, StringComparison.Ordinal);
        Assert.Contains(label, first.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("000000", first.ToString(), StringComparison.Ordinal);
        var second = Assert.Throws<Pkcs11UnavailableException>(() => provider.ReadProtection(uri));
        Assert.Contains("not tried again", second.Message, StringComparison.Ordinal);
        Assert.Equal(Pkcs11TokenState.Unavailable, provider.GetToken(uri).State);

        // The operator fixes the PIN file: the next use logs in.
        await File.WriteAllTextAsync(pinFile, SoftHsm.UserPin + "\n");
        Assert.False(provider.ReadProtection(uri).Extractable);
        Assert.Equal(Pkcs11TokenState.Available, provider.GetToken(uri).State);
    }

    [Theory]
    [InlineData("pkcs1")]
    [InlineData("oaep-sha1")]
    public void The_token_decrypts_a_key_transport_without_the_key_leaving_it(string padding)
    {
        var identity = hsm.Store.FindSigner(SoftHsmSignerFixture.RsaAddress)!;
        var rsa = Assert.IsType<Pkcs11RsaKey>(identity.PrivateKey);
        var mode = padding == "pkcs1" ? RSAEncryptionPadding.Pkcs1 : RSAEncryptionPadding.OaepSHA1;
        byte[] contentKey = RandomNumberGenerator.GetBytes(32);
        using var certificateKey = identity.Certificate.GetRSAPublicKey()!;
        byte[] wrapped = certificateKey.Encrypt(contentKey, mode);

        Assert.Equal(contentKey, rsa.Decrypt(wrapped, mode));
    }

    [Fact]
    public void A_mechanism_the_token_refuses_is_a_cryptographic_error_naming_the_token_and_its_answer()
    {
        // SoftHSM2 2.6 implements OAEP with SHA-1 only; HSMs that allow SHA-256 decrypt it like the test above.
        var rsa = Assert.IsType<Pkcs11RsaKey>(hsm.Store.FindSigner(SoftHsmSignerFixture.RsaAddress)!.PrivateKey);
        using var certificateKey = hsm.Store.FindSigner(SoftHsmSignerFixture.RsaAddress)!.Certificate.GetRSAPublicKey()!;
        byte[] wrapped = certificateKey.Encrypt(new byte[32], RSAEncryptionPadding.OaepSHA256);

        var refused = Assert.Throws<CryptographicException>(() => rsa.Decrypt(wrapped, RSAEncryptionPadding.OaepSHA256));
        Assert.Contains(hsm.Token, refused.Message, StringComparison.Ordinal);
        Assert.Contains("CKR_", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Pkcs11TokenState.Available, rsa.Token.State);
    }

    private static void CloseAllSessions(string label)
    {
        var module = Pkcs11Module.Load(SoftHsm.ModulePath);
        var slot = module.Library.GetSlotList(Net.Pkcs11Interop.Common.SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label.TrimEnd() == label);
        slot.CloseAllSessions();
    }
}
