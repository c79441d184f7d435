using MimeKit;
using MimeKit.Cryptography;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The sender's last check before any ESP sees a mail: the bytes must be S/MIME as the mail's
/// <see cref="DeliverEmail.Protection"/> says (RFC 8551 §3). Encrypted: the top-level entity is
/// <c>application/pkcs7-mime</c> with <c>smime-type=enveloped-data</c> or <c>authEnveloped-data</c>. Signed only:
/// <c>multipart/signed</c> with exactly two parts, the second <c>application/pkcs7-signature</c>, or
/// <c>application/pkcs7-mime; smime-type=signed-data</c>. Not declared (older signers): signed in either form or
/// enveloped. In every case the CMS body itself must begin with a DER ContentInfo of the matching content type
/// (RFC 5652 §3), so a plaintext mail with a forged Content-Type is refused too. It checks the shape, not the
/// signature: the sender holds no keys or trust anchors by design.
/// </summary>
public static class ProtectedMailGuard
{
    // ContentInfo.contentType values, DER-encoded with their tag and length (RFC 5652 §5.1, §6.1; RFC 5083 §1).
    private static readonly byte[] SignedDataOid = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
    private static readonly byte[] EnvelopedDataOid = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03];
    private static readonly byte[] AuthEnvelopedDataOid = [0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x01, 0x17];

    /// <summary>
    /// <see langword="null"/> when <paramref name="content"/> is protected as <paramref name="declared"/> says;
    /// otherwise a <c>not-protected</c> refusal naming what was found.
    /// </summary>
    public static MailRefusal? Check(byte[] content, AppliedProtection? declared)
    {
        // The signer's usual output is decided from its headers and first 24 body bytes; everything else, and every
        // refusal, goes through the full parse below.
        if (IsAcceptable(InspectQuickly(content), declared))
        {
            return null;
        }

        var found = Inspect(content, out var shape);
        if (IsAcceptable(found, declared))
        {
            return null;
        }

        var expected = declared switch
        {
            null => "signed or encrypted S/MIME (Protection not declared)",
            { } d when d.HasFlag(AppliedProtection.Encryption) => "encrypted S/MIME (application/pkcs7-mime; smime-type=enveloped-data or authEnveloped-data)",
            { } d when d.HasFlag(AppliedProtection.Signature) => "signed S/MIME (multipart/signed with an application/pkcs7-signature part, or smime-type=signed-data)",
            _ => "a declared protection",
        };
        return new MailRefusal(MailRefusal.NotProtected, $"The mail must be {expected}, but is {shape}; it was not handed to any ESP.");
    }

    internal enum Found
    {
        Nothing,
        Signed,
        Enveloped,
    }

    private static bool IsAcceptable(Found found, AppliedProtection? declared) => declared switch
    {
        null => found is Found.Signed or Found.Enveloped,
        { } d when d.HasFlag(AppliedProtection.Encryption) => found == Found.Enveloped,
        { } d when d.HasFlag(AppliedProtection.Signature) => found == Found.Signed,
        _ => false,
    };

    /// <summary>
    /// What <see cref="Pkcs7MimeQuickCheck"/> can tell without parsing the message: <see cref="Found.Nothing"/> means
    /// "ask the full parse", never "refused".
    /// </summary>
    internal static Found InspectQuickly(byte[] content)
    {
        Span<byte> head = stackalloc byte[24];
        if (!Pkcs7MimeQuickCheck.TryRead(content, out var smimeType, head))
        {
            return Found.Nothing;
        }

        return smimeType switch
        {
            "enveloped-data" when IsContentInfo(head, EnvelopedDataOid) => Found.Enveloped,
            "authenveloped-data" when IsContentInfo(head, AuthEnvelopedDataOid) => Found.Enveloped,
            "signed-data" when IsContentInfo(head, SignedDataOid) => Found.Signed,
            _ => Found.Nothing,
        };
    }

    /// <summary>The full parse with MimeKit: what the mail is, and its shape for a refusal.</summary>
    internal static Found Inspect(byte[] content, out string shape)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var stream = new MemoryStream(content, writable: false);
        MimeMessage message;
        try
        {
            // persistent: parts keep offsets into this stream instead of copies of a possibly 20 MB body.
            message = MimeMessage.Load(ParserOptions.Default, stream, persistent: true);
        }
        catch (FormatException)
        {
            shape = "not a readable RFC 5322 message";
            return Found.Nothing;
        }

        using (message)
        {
            var type = message.Body?.ContentType;
            shape = type is null ? "a message without a body" : $"{type.MimeType}{(type.Parameters["smime-type"] is { } s ? "; smime-type=" + s : "")}";
            switch (message.Body)
            {
                case MultipartSigned signed:
                    if (signed.Count != 2 || signed[1] is not MimePart signature || !IsSignatureType(signature.ContentType)
                        || !IsSignatureType(signed.ContentType.Parameters["protocol"]))
                    {
                        shape = "multipart/signed without an application/pkcs7-signature part as its second and last part";
                        return Found.Nothing;
                    }

                    return StartsWith(signature, SignedDataOid, ref shape) ? Found.Signed : Found.Nothing;

                case MimePart part when part.ContentType.IsMimeType("application", "pkcs7-mime") || part.ContentType.IsMimeType("application", "x-pkcs7-mime"):
                    var smimeType = part.ContentType.Parameters["smime-type"]?.Trim().ToLowerInvariant();
                    return smimeType switch
                    {
                        "enveloped-data" => StartsWith(part, EnvelopedDataOid, ref shape) ? Found.Enveloped : Found.Nothing,
                        "authenveloped-data" => StartsWith(part, AuthEnvelopedDataOid, ref shape) ? Found.Enveloped : Found.Nothing,
                        "signed-data" => StartsWith(part, SignedDataOid, ref shape) ? Found.Signed : Found.Nothing,
                        _ => Found.Nothing,
                    };

                default:
                    return Found.Nothing;
            }
        }
    }

    private static bool IsSignatureType(ContentType type) =>
        type.IsMimeType("application", "pkcs7-signature") || type.IsMimeType("application", "x-pkcs7-signature");

    private static bool IsSignatureType(string? protocol) =>
        protocol is not null
        && (protocol.Equals("application/pkcs7-signature", StringComparison.OrdinalIgnoreCase)
            || protocol.Equals("application/x-pkcs7-signature", StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether the decoded part begins with a DER SEQUENCE whose first element is <paramref name="oid"/>.</summary>
    private static bool StartsWith(MimePart part, byte[] oid, ref string shape)
    {
        if (part.Content is null)
        {
            shape += " with no content";
            return false;
        }

        Span<byte> head = stackalloc byte[24];
        int read;
        using (var decoded = part.Content.Open())
        {
            read = 0;
            while (read < head.Length)
            {
                var n = decoded.Read(head[read..]);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }
        }

        head = head[..read];
        if (head.Length < 2 || head[0] != 0x30)
        {
            shape += " whose content is not a CMS ContentInfo";
            return false;
        }

        if (!IsContentInfo(head, oid))
        {
            shape += " whose CMS content type does not match";
            return false;
        }

        return true;
    }

    /// <summary>Whether <paramref name="head"/> begins with a DER SEQUENCE whose first element is <paramref name="oid"/>.</summary>
    private static bool IsContentInfo(ReadOnlySpan<byte> head, byte[] oid)
    {
        // SEQUENCE, then its length: short form, indefinite (0x80, BER), or long form with 1-4 length octets.
        if (head.Length < 2 || head[0] != 0x30)
        {
            return false;
        }

        var lengthOctets = head[1] switch
        {
            < 0x80 => 0,
            0x80 => 0,
            >= 0x81 and <= 0x84 => head[1] - 0x80,
            _ => -1,
        };
        var start = 2 + lengthOctets;
        return lengthOctets >= 0 && head.Length >= start + oid.Length && head.Slice(start, oid.Length).SequenceEqual(oid);
    }
}
