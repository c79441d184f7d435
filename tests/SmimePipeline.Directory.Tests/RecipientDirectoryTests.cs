using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.CertificateDirectory.Tests;

/// <summary>
/// The directory and validation suite every implementation must pass. Each case protects a real mail
/// through <see cref="SmimeProtector"/> and asserts the exact refusal: a refused Protect returns no bytes,
/// so nothing goes out, unprotected or otherwise.
/// </summary>
public abstract class RecipientDirectoryTests : IClassFixture<TestPki>, IDisposable
{
    private const string Sender = "sender@" + TestPki.Domain;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly RecordingObserver _observer = new();
    private RevocationChecker? _revocation;

    protected RecipientDirectoryTests(TestPki pki)
    {
        Pki = pki;
        Directory = CreateDirectory();
        Directory.Add(pki.Root, DirectoryEntryKind.Anchor);
        Directory.Add(pki.Intermediate, DirectoryEntryKind.Intermediate);
    }

    protected TestPki Pki { get; }

    protected IRecipientDirectory Directory { get; }

    [Fact]
    public void Valid_certificate_checked_against_crl_and_ocsp_encrypts()
    {
        using var recipient = Pki.Issue("valid", ocsp: new Uri(Pki.BaseUri, "ocsp"));
        Directory.Add(recipient, DirectoryEntryKind.Recipient);
        var mail = CreateProtector(RevocationPolicy.Strict).Protect(Mail("valid@" + TestPki.Domain), SecurityPolicy.SignAndEncrypt);
        Assert.Equal("aes256-cbc", mail.ContentCipher);
    }

    [Fact]
    public void Expired_certificate_is_refused() =>
        AssertRefused("expired", "certificate-expired", Pki.Issue("expired", notBefore: DateTimeOffset.UtcNow.AddDays(-20), notAfter: DateTimeOffset.UtcNow.AddDays(-1)));

    [Fact]
    public void Not_yet_valid_certificate_is_refused() =>
        AssertRefused("future", "certificate-expired", Pki.Issue("future", notBefore: DateTimeOffset.UtcNow.AddDays(2)), "not valid before");

    [Fact]
    public void Certificate_revoked_by_crl_is_refused()
    {
        var certificate = Pki.Issue("crl-revoked");
        Pki.RevokeInCrl(certificate);
        AssertRefused("crl-revoked", "certificate-revoked", certificate, "intermediate.crl");
    }

    [Fact]
    public void Certificate_revoked_by_ocsp_is_refused_and_the_answer_is_cached()
    {
        var certificate = Pki.Issue("ocsp-revoked", crl: false, ocsp: new Uri(Pki.BaseUri, "ocsp"));
        Pki.RevokeInOcsp(certificate);
        int before = Pki.OcspRequests;
        AssertRefused("ocsp-revoked", "certificate-revoked", certificate, "OCSP");
        int after = Pki.OcspRequests;
        AssertRefused("ocsp-revoked", "certificate-revoked", certificate, "OCSP", addToDirectory: false);
        Assert.True(after > before, "the OCSP responder was not asked");
        Assert.Equal(after, Pki.OcspRequests);
    }

    [Fact]
    public void Imported_crl_revokes_offline()
    {
        var certificate = Pki.Issue("offline-revoked", crlBase: Pki.DeadUri);
        Pki.RevokeInCrl(certificate);
        Directory.AddRevocationList(Pki.BuildCrl());
        AssertRefused("offline-revoked", "certificate-revoked", certificate, "imported CRL");
    }

    [Fact]
    public void Unreachable_revocation_source_refuses_when_strict_and_warns_when_lenient()
    {
        var certificate = Pki.Issue("unreachable", crl: false, ocsp: new Uri(Pki.DeadUri, "ocsp"));
        AssertRefused("unreachable", "revocation-status-unknown", certificate, Pki.DeadUri.Authority);

        var protector = CreateProtector(RevocationPolicy.Lenient);
        var mail = protector.Protect(Mail("unreachable@" + TestPki.Domain), SecurityPolicy.SignAndEncrypt);
        Assert.NotNull(mail.ContentCipher);
        Assert.Contains(_observer.Warnings, w => w.StartsWith("revocation-status-unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void Wrong_key_usage_is_refused() =>
        AssertRefused("sign-only-key", "key-usage-not-allowed", Pki.Issue("sign-only-key", usage: X509KeyUsageFlags.DigitalSignature), "keyEncipherment");

    [Fact]
    public void Wrong_extended_key_usage_is_refused() =>
        AssertRefused("client-auth", "key-usage-not-allowed", Pki.Issue("client-auth", ekuOid: "1.3.6.1.5.5.7.3.2"), "emailProtection");

    [Fact]
    public void Rsa_1024_is_refused() =>
        AssertRefused("weak", "key-too-weak", Pki.Issue("weak", rsaBits: 1024), "RSA-1024");

    [Fact]
    public void Untrusted_root_is_refused() =>
        AssertRefused("foreign", "chain-not-trusted", Pki.Issue("foreign", crl: false, issuer: Pki.ForeignRoot));

    [Fact]
    public void Address_mismatch_is_refused()
    {
        using var certificate = Pki.Issue("someone");
        var validator = CreateValidator(RevocationPolicy.Strict);
        var refusal = Assert.Throws<ProtectionRefusedException>(() => validator.Validate("other@" + TestPki.Domain, certificate, CertificateUse.Encryption));
        Assert.Equal("address-not-in-certificate", refusal.ReasonCode);
        Assert.Equal("other@" + TestPki.Domain, refusal.Address);
    }

    [Fact]
    public void Missing_intermediate_is_found_in_the_directory_and_refused_without_it()
    {
        using var certificate = Pki.Issue("needs-intermediate");
        Directory.Add(certificate, DirectoryEntryKind.Recipient);
        var validator = CreateValidator(RevocationPolicy.Strict);
        validator.Validate("needs-intermediate@" + TestPki.Domain, certificate, CertificateUse.Encryption);

        Assert.True(Directory.Remove(Pki.Intermediate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)) > 0);
        var refusal = Assert.Throws<ProtectionRefusedException>(() => CreateValidator(RevocationPolicy.Strict).Validate("needs-intermediate@" + TestPki.Domain, certificate, CertificateUse.Encryption));
        Assert.Equal("chain-not-trusted", refusal.ReasonCode);
    }

    [Fact]
    public void Renewal_overlap_uses_the_valid_certificate_that_expires_last()
    {
        var now = DateTimeOffset.UtcNow;
        using var old = Pki.Issue("renewed", notAfter: now.AddDays(10));
        using var renewed = Pki.Issue("renewed", notAfter: now.AddDays(300));
        using var revokedNewest = Pki.Issue("renewed", notAfter: now.AddDays(400));
        Pki.RevokeInCrl(revokedNewest);
        Directory.Add(old, DirectoryEntryKind.Recipient);
        Directory.Add(renewed, DirectoryEntryKind.Recipient);
        Directory.Add(revokedNewest, DirectoryEntryKind.Recipient);
        Assert.Equal(3, Directory.Find("renewed@PKI.SMIME.TEST").Count);

        var store = new ValidatedCertificateStore(Directory, CreateValidator(RevocationPolicy.Strict));
        var chosen = store.FindRecipientCertificate("renewed@" + TestPki.Domain);
        Assert.Equal(renewed.Thumbprint, chosen?.Thumbprint);
    }

    [Fact]
    public void Lookup_matches_the_domain_case_insensitively_and_the_local_part_exactly()
    {
        using var certificate = Pki.Issue("Mixed.Case");
        Directory.Add(certificate, DirectoryEntryKind.Recipient, [0x30, 0x00]);
        Assert.Single(Directory.Find("Mixed.Case@PKI.Smime.Test"));
        Assert.Empty(Directory.Find("mixed.case@" + TestPki.Domain));
        Assert.Equal(new byte[] { 0x30, 0x00 }, Directory.GetSmimeCapabilities("Mixed.Case@" + TestPki.Domain, certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)));
    }

    [Fact]
    public void Missing_certificate_is_refused_naming_the_recipient()
    {
        var refusal = Assert.Throws<ProtectionRefusedException>(() => CreateProtector(RevocationPolicy.Strict).Protect(Mail("nobody@" + TestPki.Domain), SecurityPolicy.SignAndEncrypt));
        Assert.Equal("recipient-certificate-missing", refusal.ReasonCode);
        Assert.Equal("nobody@" + TestPki.Domain, refusal.Address);
    }

    public void Dispose()
    {
        _http.Dispose();
        Directory.Dispose();
        DisposeStorage();
        GC.SuppressFinalize(this);
    }

    protected abstract IRecipientDirectory CreateDirectory();

    /// <summary>Removes what <see cref="CreateDirectory"/> created outside the directory object (files, schemas).</summary>
    protected virtual void DisposeStorage()
    {
    }

    private void AssertRefused(string localPart, string reasonCode, X509Certificate2 certificate, string? messagePart = null, bool addToDirectory = true)
    {
        string address = localPart + "@" + TestPki.Domain;
        if (addToDirectory)
        {
            Directory.Add(certificate, DirectoryEntryKind.Recipient);
        }

        ProtectedMail? sent = null;
        var refusal = Assert.Throws<ProtectionRefusedException>(() => sent = CreateProtector(RevocationPolicy.Strict).Protect(Mail(address), SecurityPolicy.SignAndEncrypt));
        Assert.Null(sent);
        Assert.Equal(reasonCode, refusal.ReasonCode);
        Assert.Equal(address, refusal.Address);
        if (messagePart is not null)
        {
            Assert.Contains(messagePart, refusal.Message, StringComparison.Ordinal);
        }

        Assert.Contains(reasonCode, _observer.Refusals);
    }

    private static MimeMessage Mail(string to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Sender));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "Statement";
        message.Body = new TextPart("plain") { Text = "Your statement is ready." };
        return message;
    }

    private CertificateValidator CreateValidator(RevocationPolicy policy) =>
        new(Directory, _revocation ??= new RevocationChecker(Directory, _http), policy, _observer);

    private SmimeProtector CreateProtector(RevocationPolicy policy)
    {
        var signers = new SingleSignerStore(Pki.Issue("sender", crl: false));
        return new SmimeProtector(new ValidatedCertificateStore(Directory, CreateValidator(policy), files: signers));
    }

#pragma warning disable CA1001 // the identity lives as long as the test class
    private sealed class SingleSignerStore(X509Certificate2 certificate) : ICertificateStore
    {
        // Lives as long as the test; the certificate is disposed with the process.
        private readonly SignerIdentity _identity = new(Sender, certificate, []);

        public IReadOnlyList<X509Certificate2> TrustAnchors => [];

        public SignerIdentity? FindSigner(string address) => CertificateAddresses.AddressEquals(address, Sender) ? _identity : null;

        public X509Certificate2? FindRecipientCertificate(string address) => null;
    }
#pragma warning restore CA1001

    private sealed class RecordingObserver : ICertificateValidationObserver
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Refusals { get; } = [];

        public System.Collections.Concurrent.ConcurrentBag<string> Warnings { get; } = [];

        public void Refused(ProtectionRefusedException refusal) => Refusals.Add(refusal.ReasonCode);

        public void Warned(string address, string reasonCode, string message) => Warnings.Add(reasonCode + ": " + message);
    }
}
