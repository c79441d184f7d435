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
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// An RFC 6960 OCSP responder on loopback in the test process (<c>POST /ocsp</c>), answering for the certificates
/// of one CA and signing with that CA's key (built with BouncyCastle). Serials marked with <see cref="Revoke"/>
/// are answered "revoked", every other serial "good".
/// </summary>
public sealed class OcspResponder : IAsyncDisposable
{
    private readonly X509Certificate2 _authority;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.OrdinalIgnoreCase);
    private readonly WebApplication _server;
    private int _requests;

    private OcspResponder(X509Certificate2 authority, WebApplication server)
    {
        _authority = authority;
        _server = server;
    }

    /// <summary>The responder's URL, as it goes into a certificate's authorityInfoAccess.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>How many OCSP requests were answered.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts a responder for <paramref name="authority"/> (with its private key) on a free loopback port.</summary>
    public static async Task<OcspResponder> StartAsync(X509Certificate2 authority)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseSetting(Microsoft.AspNetCore.Hosting.WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var server = builder.Build();
        var responder = new OcspResponder(authority, server);
        server.MapPost("/ocsp", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref responder._requests);
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            return Results.Bytes(responder.Answer(new OcspReq(body.ToArray())), "application/ocsp-response");
        });
        await server.StartAsync();
        var address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        responder.Url = new Uri(new Uri(address), "ocsp");
        return responder;
    }

    /// <summary>From now on, <paramref name="certificate"/> is answered "revoked" (key compromise, five minutes ago).</summary>
    public void Revoke(X509Certificate2 certificate) => _revoked[certificate.SerialNumber] = DateTimeOffset.UtcNow.AddMinutes(-5);

    /// <summary>
    /// Mints an RSA-2048 S/MIME certificate for <paramref name="address"/> under the responder's CA, naming this
    /// responder in its authorityInfoAccess (and no CRL distribution point), so revocation is asked by OCSP.
    /// </summary>
    public X509Certificate2 Issue(string address)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={address}, O=SmimePipeline Tests", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.4")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress(address);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_authority, true, false));
        request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension([Url.ToString()], null));
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(_authority, now.AddHours(-1), now.AddYears(1), serial);
        return certificate.CopyWithPrivateKey(key);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private byte[] Answer(OcspReq request)
    {
        var issuer = new BcCertificate(_authority.RawData);
        using var rsa = _authority.GetRSAPrivateKey() ?? throw new InvalidOperationException("The OCSP responder's CA has no RSA key.");
        var signingKey = DotNetUtilities.GetRsaKeyPair(rsa).Private;
        var generator = new BasicOcspRespGenerator(new RespID(issuer.SubjectDN));
        var now = DateTime.UtcNow;
        foreach (var single in request.GetRequestList())
        {
            var id = single.GetCertID();
            string serial = Convert.ToHexString(id.SerialNumber.ToByteArrayUnsigned());
            CertificateStatus? status = _revoked.TryGetValue(serial, out var when) ? new RevokedStatus(when.UtcDateTime, 1) : CertificateStatus.Good;
            generator.AddResponse(id, status, now.AddMinutes(-1), now.AddHours(1), null);
        }

        var basic = generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", signingKey), [issuer], now);
        return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
    }
}
