using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Pkcs11;
using SmimePipeline.Testing.Pkcs11;

namespace SmimePipeline.Cryptography.Tests.Pkcs11;

/// <summary>
/// A SoftHSM2 token with an RSA-2048, an EC P-256 and an EC P-384 key generated inside it (not extractable), their
/// certificates issued by a test CA, and a store that files the three signers as <c>pkcs11:</c> URIs.
/// </summary>
public sealed class SoftHsmSignerFixture : IAsyncLifetime
{
    public const string RsaAddress = "hsm-rsa@hsm.smime.test";
    public const string P256Address = "hsm-p256@hsm.smime.test";
    public const string P384Address = "hsm-p384@hsm.smime.test";

    public string Root { get; } = Directory.CreateTempSubdirectory("smime-pkcs11-tests-").FullName;

    public string Token { get; private set; } = "";

    public X509Certificate2 Authority { get; private set; } = null!;

    public string AuthorityPath => Path.Combine(Root, "ca.pem");

    public string StorePath => Path.Combine(Root, "store");

    public string PinFile => Path.Combine(Root, "pin");

    public Pkcs11KeyProvider Provider { get; private set; } = null!;

    public DirectoryCertificateStore Store { get; private set; } = null!;

    public Dictionary<string, Pkcs11Uri> Uris { get; } = new(StringComparer.Ordinal);

    /// <summary>A token whose PIN tests get wrong (SoftHSM2 sees only tokens that exist when the module loads).</summary>
    public string WrongPinToken { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Token = await SoftHsm.CreateTokenAsync("crypto");
        WrongPinToken = await SoftHsm.CreateTokenAsync("wrongpin");
        await SoftHsm.GenerateKeyPairAsync(WrongPinToken, "EC:prime256v1", "k", 9);
        Authority = DemoPki.CreateAuthority("SmimePipeline HSM Test CA", TimeSpan.FromDays(365 * 3));
        await File.WriteAllTextAsync(AuthorityPath, PemEncoding.WriteString("CERTIFICATE", Authority.RawData) + "\n");
        await File.WriteAllTextAsync(PinFile, SoftHsm.UserPin + "\n");
        Provider = new Pkcs11KeyProvider(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinFile = PinFile });
        Store = new DirectoryCertificateStore(StorePath, pkcs11: Provider);

        foreach (var (address, type, id) in new[] { (RsaAddress, "rsa:2048", (byte)1), (P256Address, "EC:prime256v1", (byte)2), (P384Address, "EC:secp384r1", (byte)3) })
        {
            string label = address.Split('@')[0];
            byte[] publicKey = await SoftHsm.GenerateKeyPairAsync(Token, type, label, id) ?? ReadEcPublicKey(Token, id);
            using var certificate = TokenCertificates.Issue(Authority, address, publicKey);
            await SoftHsm.WriteCertificateAsync(Token, certificate.RawData, label, id);
            var uri = Pkcs11Uri.Parse($"pkcs11:token={Token};object={label};id=%{id:x2}");
            Uris[address] = uri;
            // The certificate comes back out of the token, as `smime certs import-signer --pkcs11` reads it.
            using var stored = Provider.ReadCertificate(uri) ?? throw new InvalidOperationException("The token returned no certificate.");
            Provider.OpenKey(uri, stored).Dispose();
            Store.ImportPkcs11Signer(uri, stored, [Authority]);
        }
    }

    /// <summary>The EC public key of CKA_ID <paramref name="id"/> as SubjectPublicKeyInfo, read from CKA_EC_POINT (P-384).</summary>
    private static byte[] ReadEcPublicKey(string token, byte id)
    {
        var module = Pkcs11Module.Load(SoftHsm.ModulePath);
        var slot = module.Library.GetSlotList(Net.Pkcs11Interop.Common.SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label.TrimEnd() == token);
        using var session = slot.OpenSession(Net.Pkcs11Interop.Common.SessionType.ReadOnly);
        var factory = session.Factories.ObjectAttributeFactory;
        var handle = session.FindAllObjects([
            factory.Create(Net.Pkcs11Interop.Common.CKA.CKA_CLASS, Net.Pkcs11Interop.Common.CKO.CKO_PUBLIC_KEY),
            factory.Create(Net.Pkcs11Interop.Common.CKA.CKA_ID, new[] { id }),
        ]).Single();
        byte[] point = session.GetAttributeValue(handle, [Net.Pkcs11Interop.Common.CKA.CKA_EC_POINT])[0].GetValueAsByteArray();
        // CKA_EC_POINT is a DER OCTET STRING holding the uncompressed point 04 || X || Y.
        byte[] q = new System.Formats.Asn1.AsnReader(point, System.Formats.Asn1.AsnEncodingRules.DER).ReadOctetString();
        int size = (q.Length - 1) / 2;
        using var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP384, Q = new ECPoint { X = q[1..(1 + size)], Y = q[(1 + size)..] } });
        return key.ExportSubjectPublicKeyInfo();
    }

    public Task DisposeAsync()
    {
        Store.Dispose();
        Provider.Dispose();
        Authority.Dispose();
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// One <see cref="SoftHsmSignerFixture"/> for every test class that uses a token: SoftHSM2 sees only the tokens that
/// exist when the module is loaded (once per process), so a second fixture's token, created later, would be missing.
/// The classes of the collection also run one after the other, so closing sessions in one cannot disturb another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SoftHsmTokenGroup : ICollectionFixture<SoftHsmSignerFixture>
{
    public const string Name = "softhsm";
}
