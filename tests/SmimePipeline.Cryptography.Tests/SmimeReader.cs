using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>Takes protected output apart with engines other than ours: MimeKit for MIME, .NET's CMS for crypto.</summary>
internal static class SmimeReader
{
    public static MimeMessage Parse(byte[] content) => MimeMessage.Load(new MemoryStream(content));

    public static byte[] DecodedBody(MimeEntity entity)
    {
        var part = Assert.IsAssignableFrom<MimePart>(entity);
        using var stream = new MemoryStream();
        Assert.NotNull(part.Content);
        part.Content.DecodeTo(stream);
        return stream.ToArray();
    }

    /// <summary>The DER EnvelopedData of an application/pkcs7-mime body.</summary>
    public static byte[] EnvelopedData(MimeMessage message)
    {
        Assert.NotNull(message.Body);
        Assert.Equal("application/pkcs7-mime", message.Body.ContentType.MimeType);
        Assert.Equal("enveloped-data", message.Body.ContentType.Parameters["smime-type"]);
        return DecodedBody(message.Body);
    }

    public static byte[] Decrypt(byte[] envelopedData, string certificatePath, string keyPath)
    {
        using var recipient = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        var cms = new EnvelopedCms();
        cms.Decode(envelopedData);
        cms.Decrypt(new X509Certificate2Collection(recipient));
        return cms.ContentInfo.Content;
    }

    /// <summary>Splits multipart/signed bytes into the exact signed content and the p7s.</summary>
    public static (byte[] Content, byte[] Signature, ContentType Type) SplitSigned(byte[] entityBytes)
    {
        var entity = MimeEntity.Load(new MemoryStream(entityBytes));
        var signed = Assert.IsType<MultipartSigned>(entity);
        string boundary = signed.Boundary ?? throw new InvalidDataException("no boundary");
        byte[] open = Encoding.ASCII.GetBytes("--" + boundary + "\r\n");
        byte[] close = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        int start = entityBytes.AsSpan().IndexOf(open);
        Assert.True(start >= 0, "no opening boundary");
        start += open.Length;
        int end = entityBytes.AsSpan(start).IndexOf(close);
        Assert.True(end >= 0, "no closing boundary");
        byte[] content = entityBytes.AsSpan(start, end).ToArray();
        byte[] signature = DecodedBody(signed[1]);
        Assert.Equal("application/pkcs7-signature", signed[1].ContentType.MimeType);
        return (content, signature, signed.ContentType);
    }

    /// <summary>Verifies a detached signature and that the signer chains to <paramref name="caPath"/>; throws when invalid.</summary>
    public static SignedCms Verify(byte[] content, byte[] signature, string caPath)
    {
        var cms = new SignedCms(new ContentInfo(content), detached: true);
        cms.Decode(signature);
        cms.CheckSignature(new X509Certificate2Collection(), verifySignatureOnly: true);

        using var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var signer = cms.SignerInfos[0].Certificate!;
        if (!chain.Build(signer))
        {
            throw new CryptographicException("The signer does not chain to the demo CA: "
                + string.Join(", ", chain.ChainStatus.Select(s => s.Status)));
        }

        return cms;
    }
}
