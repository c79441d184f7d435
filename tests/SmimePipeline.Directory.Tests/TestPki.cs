using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Security;
using SmimePipeline.Testing;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimePipeline.CertificateDirectory.Tests;

/// <summary>
/// A generated PKI (root → intermediate → end entities) with the revocation services the certificates
/// name, run by the test itself on loopback: <c>GET /intermediate.crl</c> (a CRL built on each request)
/// and <c>POST /ocsp</c> (an RFC 6960 responder built with BouncyCastle, signed by the intermediate).
/// Created once per test class.
/// </summary>
public sealed class TestPki : IAsyncLifetime, IDisposable
{
    public const string Domain = "pki.smime.test";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _crlRevoked = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _ocspRevoked = new();
    // Held for the fixture's life: connections to it are refused, and no other process can start listening there.
    private readonly RefusedTcpPort _deadPort = new();
    private WebApplication? _server;
    private int _ocspRequests;

    public X509Certificate2 Root { get; private set; } = null!;

    public X509Certificate2 Intermediate { get; private set; } = null!;

    public X509Certificate2 ForeignRoot { get; private set; } = null!;

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>A port where nothing listens: a revocation source that is down.</summary>
    public Uri DeadUri { get; private set; } = null!;

    public int OcspRequests => Volatile.Read(ref _ocspRequests);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseSetting(Microsoft.AspNetCore.Hosting.WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapGet("/intermediate.crl", () => Results.Bytes(BuildCrl(), "application/pkix-crl"));
        _server.MapPost("/ocsp", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref _ocspRequests);
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            return Results.Bytes(Answer(new OcspReq(body.ToArray())), "application/ocsp-response");
        });
        await _server.StartAsync();
        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUri = new Uri(address);

        DeadUri = new Uri($"http://127.0.0.1:{_deadPort.Port}/");

        var now = DateTimeOffset.UtcNow;
        Root = CreateCa("Test Root CA", null, now.AddDays(-30), now.AddYears(5));
        Intermediate = CreateCa("Test Intermediate CA", Root, now.AddDays(-29), now.AddYears(4));
        ForeignRoot = CreateCa("Foreign Root CA", null, now.AddDays(-30), now.AddYears(5));
    }

    public void Dispose() => _deadPort.Dispose();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Mints an end entity under the intermediate (or <paramref name="issuer"/>).</summary>
    public X509Certificate2 Issue(
        string localPart,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null,
        X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment,
        string ekuOid = "1.3.6.1.5.5.7.3.4",
        int rsaBits = 2048,
        bool crl = true,
        Uri? ocsp = null,
        Uri? crlBase = null,
        X509Certificate2? issuer = null)
    {
        issuer ??= Intermediate;
        string address = localPart + "@" + Domain;
        using var key = RSA.Create(rsaBits);
        var request = new CertificateRequest($"CN={address}, O=SmimePipeline Tests", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ekuOid)], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress(address);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (crl)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([new Uri(crlBase ?? BaseUri, "intermediate.crl").ToString()]));
        }

        if (ocsp is not null)
        {
            request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension([ocsp.ToString()], null));
        }

        var now = DateTimeOffset.UtcNow;
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var certificate = request.Create(issuer, notBefore ?? now.AddHours(-1), notAfter ?? now.AddYears(1), serial);
        return certificate.CopyWithPrivateKey(key);
    }

    public void RevokeInCrl(X509Certificate2 certificate) => _crlRevoked[certificate.SerialNumber] = DateTimeOffset.UtcNow.AddMinutes(-5);

    public void RevokeInOcsp(X509Certificate2 certificate) => _ocspRevoked[certificate.SerialNumber] = DateTimeOffset.UtcNow.AddMinutes(-5);

    public byte[] BuildCrl()
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var (serial, when) in _crlRevoked)
        {
            builder.AddEntry(Convert.FromHexString(serial), when, X509RevocationReason.KeyCompromise);
        }

        var now = DateTimeOffset.UtcNow;
        return builder.Build(Intermediate, System.Numerics.BigInteger.One, now.AddHours(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, now.AddMinutes(-1));
    }

    private byte[] Answer(OcspReq request)
    {
        var issuer = new BcCertificate(Intermediate.RawData);
        using var rsa = Intermediate.GetRSAPrivateKey()!;
        var signingKey = DotNetUtilities.GetRsaKeyPair(rsa).Private;
        var generator = new BasicOcspRespGenerator(new RespID(issuer.SubjectDN));
        var now = DateTime.UtcNow;
        foreach (var single in request.GetRequestList())
        {
            var id = single.GetCertID();
            string serial = Convert.ToHexString(id.SerialNumber.ToByteArrayUnsigned());
            CertificateStatus? status = _ocspRevoked.TryGetValue(serial, out var when)
                ? new RevokedStatus(when.UtcDateTime, 1)
                : CertificateStatus.Good;
            generator.AddResponse(id, status, now.AddMinutes(-1), now.AddHours(1), null);
        }

        var basic = generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", signingKey), [issuer], now);
        return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
    }

    private static X509Certificate2 CreateCa(string name, X509Certificate2? issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}, O=SmimePipeline Tests", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            return request.CreateSelfSigned(notBefore, notAfter);
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var certificate = request.Create(issuer, notBefore, notAfter, RandomSerialNumber.Create());
        return certificate.CopyWithPrivateKey(key);
    }
}
