using System.Text;
using MimeKit;

namespace SmimePipeline.InteropTests;

/// <summary>Takes a signed entity apart for engines that read CMS, not MIME (cmsutil, gpgsm).</summary>
internal static class SignedEntity
{
    /// <summary>For multipart/signed: the exact signed bytes and the DER signature; for opaque: (null, the DER SignedData).</summary>
    public static (byte[]? Content, byte[] Der) Split(byte[] entityBytes)
    {
        var entity = MimeEntity.Load(new MemoryStream(entityBytes));
        if (entity is not MimeKit.Cryptography.MultipartSigned signed)
        {
            return (null, Decode(Assert.IsAssignableFrom<MimePart>(entity)));
        }

        string boundary = signed.Boundary ?? throw new InvalidDataException("multipart/signed without a boundary");
        byte[] open = Encoding.ASCII.GetBytes("--" + boundary + "\r\n");
        byte[] close = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        int start = entityBytes.AsSpan().IndexOf(open) + open.Length;
        int end = start + entityBytes.AsSpan(start).IndexOf(close);
        return (entityBytes[start..end], Decode(Assert.IsAssignableFrom<MimePart>(signed[1])));
    }

    /// <summary>The DER inside an application/pkcs7-mime message.</summary>
    public static byte[] Pkcs7Der(byte[] message) =>
        Decode(Assert.IsAssignableFrom<MimePart>(MimeEntity.Load(new MemoryStream(message))));

    private static byte[] Decode(MimePart part)
    {
        using var stream = new MemoryStream();
        part.Content!.DecodeTo(stream);
        return stream.ToArray();
    }
}
