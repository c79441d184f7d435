using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Buffers;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// The body of a <see cref="ProtectEmail"/> without MimeKit's object model: the multiparts and text parts that
/// <see cref="MimeComposer.Compose(ProtectEmail)"/> builds only to be written once (≈ 20 KB of objects, change
/// handlers and header re-serialisation per mail, and the UTF-8 copies of both bodies) are written straight into
/// canonical bytes by <see cref="WriteCanonical"/>, byte for byte what <see cref="MimeCanonicalizer"/> writes for the
/// tree <see cref="ToMimeEntity"/> builds with the same boundaries (<c>ProtectEmailBodyTests</c> holds the two equal).
/// An attachment with a plain content type and file name gets its headers written by <see cref="SimpleAttachmentHeaders"/>;
/// any other keeps a MimeKit <see cref="MimePart"/> for them (so unusual content types and file names are encoded exactly
/// as MimeKit encodes them). The content is base64-encoded from the command's array.
/// Everything else that needs the tree (header protection, legacy display, <see cref="WriteTo(FormatOptions, Stream, bool, CancellationToken)"/>)
/// gets it from <see cref="ToMimeEntity"/>.
/// </summary>
internal sealed class ProtectEmailBody : MimeEntity
{
    private static readonly byte[] TextPlainHeaders = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"u8.ToArray();
    private static readonly byte[] TextHtmlHeaders = "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"u8.ToArray();

    private readonly ProtectEmail _mail;
    // One per attachment: null when SimpleAttachmentHeaders writes its headers, else the MimeKit part that does.
    private readonly MimePart?[] _attachments;
    private readonly string? _mixedBoundary;
    private readonly string? _alternativeBoundary;

    /// <summary>Checks the attachments' content types and draws the boundaries, as composing the tree would.</summary>
    /// <exception cref="Errors.ProtectionRefusedException">An attachment's content type does not parse.</exception>
    public ProtectEmailBody(ProtectEmail mail)
        : base(TopContentType(mail))
    {
        _mail = mail;
        _attachments = [.. mail.Attachments.Select(a => SimpleAttachmentHeaders.Applies(a) ? null : MimeComposer.CreateAttachmentHeaders(mail.From.Address, a))];
        _mixedBoundary = _attachments.Length > 0 ? NewBoundary() : null;
        _alternativeBoundary = mail.TextBody is not null && mail.HtmlBody is not null ? NewBoundary() : null;

        // The entity's own headers are those of the tree's root: MimeMessage.WriteTo writes them itself and then asks
        // for the content only, so they must name the same boundary (or charset and transfer encoding).
        if (_mixedBoundary is not null || _alternativeBoundary is not null)
        {
            ContentType.Boundary = _mixedBoundary ?? _alternativeBoundary;
        }
        else
        {
            Headers.Add(HeaderId.ContentTransferEncoding, "quoted-printable");
            ContentType.Charset = "utf-8";
        }
    }

    /// <summary>The MimeKit tree of this body, with the same boundaries; what the byte writer must equal.</summary>
    public MimeEntity ToMimeEntity() => MimeComposer.BuildBody(_mail, _mixedBoundary, _alternativeBoundary);

    /// <summary>Checks the attachments' headers (content type and file name, the only producer-supplied ones) as <see cref="HeaderRules.Check"/> does.</summary>
    /// <exception cref="Errors.ProtectionRefusedException">A header breaks a rule of <see cref="HeaderRules"/>.</exception>
    public void CheckHeaders(int maxHeaderBytes)
    {
        // The simple headers hold only letters, digits and a few marks in lines under 78 characters: nothing for the
        // rules to refuse, and below the smallest limit the options allow (4 KiB). Under a smaller one, the part decides.
        for (int i = 0; i < _attachments.Length; i++)
        {
            if (_attachments[i] is { } part)
            {
                HeaderRules.Check(part.Headers, maxHeaderBytes);
            }
            else if (maxHeaderBytes < SimpleAttachmentHeaders.MaxHeaderBytes)
            {
                using var built = MimeComposer.CreateAttachmentHeaders(_mail.From.Address, _mail.Attachments[i]);
                HeaderRules.Check(built.Headers, maxHeaderBytes);
            }
        }
    }

    /// <summary>
    /// Writes the entity as <see cref="MimeCanonicalizer.WriteCanonical(MimeEntity, PooledMemoryStream)"/> writes
    /// <see cref="ToMimeEntity"/>'s tree (before its armoring of <c>From </c> lines, which the canonicaliser applies to both).
    /// </summary>
    public void WriteCanonical(PooledMemoryStream destination)
    {
        if (_mixedBoundary is null)
        {
            WriteTextBodies(destination);
            return;
        }

        WriteMultipartHeaders(destination, "mixed", _mixedBoundary);
        if (_mail.TextBody is not null || _mail.HtmlBody is not null)
        {
            WriteDelimiter(destination, _mixedBoundary);
            WriteTextBodies(destination);
            destination.Write("\r\n"u8);
        }

        for (int i = 0; i < _attachments.Length; i++)
        {
            WriteDelimiter(destination, _mixedBoundary);
            if (_attachments[i] is { } part)
            {
                // HeaderList.WriteTo ends with the blank line between the headers and the body.
                part.Headers.WriteTo(MimeCanonicalizer.CanonicalFormat, destination);
            }
            else
            {
                SimpleAttachmentHeaders.Write(_mail.Attachments[i], destination);
            }

            var content = _mail.Attachments[i].Content ?? [];
            int written = Base64Lines.Encode(content, destination.GetSpan(Math.Max(1, Base64Lines.EncodedLength(content.Length))));
            destination.Advance(written);
            destination.Write("\r\n"u8);
        }

        WriteCloseDelimiter(destination, _mixedBoundary);
    }

    /// <inheritdoc />
    public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
    {
        // Every part is quoted-printable or base64 already: 7-bit, lines of at most 76 characters.
    }

    /// <inheritdoc />
    public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        using var entity = ToMimeEntity();
        entity.WriteTo(options, stream, contentOnly, cancellationToken);
    }

    /// <inheritdoc />
    public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        using var entity = ToMimeEntity();
        await entity.WriteToAsync(options, stream, contentOnly, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var part in _attachments)
            {
                part?.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void WriteTextBodies(PooledMemoryStream destination)
    {
        if (_alternativeBoundary is not null)
        {
            WriteMultipartHeaders(destination, "alternative", _alternativeBoundary);
            WriteDelimiter(destination, _alternativeBoundary);
            WriteTextPart(destination, TextPlainHeaders, _mail.TextBody!);
            destination.Write("\r\n"u8);
            WriteDelimiter(destination, _alternativeBoundary);
            WriteTextPart(destination, TextHtmlHeaders, _mail.HtmlBody!);
            destination.Write("\r\n"u8);
            WriteCloseDelimiter(destination, _alternativeBoundary);
        }
        else if (_mail.HtmlBody is not null)
        {
            WriteTextPart(destination, TextHtmlHeaders, _mail.HtmlBody);
        }
        else if (_mail.TextBody is not null || _mixedBoundary is null)
        {
            // No body and no attachment: an empty text/plain part, as the tree has.
            WriteTextPart(destination, TextPlainHeaders, _mail.TextBody ?? "");
        }
    }

    private static void WriteTextPart(PooledMemoryStream destination, byte[] headers, string text)
    {
        destination.Write(headers);
        // The UTF-8 text is plaintext: it lives in a pooled buffer that is zeroed before it goes back.
        byte[] utf8 = ArrayPool<byte>.Shared.Rent(Math.Max(1, Encoding.UTF8.GetMaxByteCount(text.Length)));
        try
        {
            int length = Encoding.UTF8.GetBytes(text, utf8);
            int written = QuotedPrintableLines.Encode(utf8.AsSpan(0, length), destination.GetSpan(QuotedPrintableLines.MaxEncodedLength(length)));
            destination.Advance(written);
            CryptographicOperations.ZeroMemory(utf8.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }

    private static void WriteMultipartHeaders(PooledMemoryStream destination, string subtype, string boundary)
    {
        // What MimeKit writes for new Multipart(subtype): the boundary always holds '=', a tspecial, so it is quoted.
        destination.Write("Content-Type: multipart/"u8);
        WriteAscii(destination, subtype);
        destination.Write("; boundary=\""u8);
        WriteAscii(destination, boundary);
        destination.Write("\"\r\n\r\n"u8);
    }

    private static void WriteDelimiter(PooledMemoryStream destination, string boundary)
    {
        // RFC 2046 §5.1.1: each part follows "--boundary", the CRLF before a delimiter belongs to it.
        destination.Write("--"u8);
        WriteAscii(destination, boundary);
        destination.Write("\r\n"u8);
    }

    private static void WriteCloseDelimiter(PooledMemoryStream destination, string boundary)
    {
        destination.Write("--"u8);
        WriteAscii(destination, boundary);
        destination.Write("--\r\n"u8);
    }

    private static void WriteAscii(PooledMemoryStream destination, string text)
    {
        int written = Encoding.ASCII.GetBytes(text, destination.GetSpan(text.Length));
        destination.Advance(written);
    }

    /// <summary>The form MimeKit's own boundaries have: <c>=-</c> and 16 random bytes in base64 (24 characters).</summary>
    private static string NewBoundary()
    {
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        return "=-" + Convert.ToBase64String(random);
    }

    private static ContentType TopContentType(ProtectEmail mail) =>
        mail.Attachments.Count > 0 ? new ContentType("multipart", "mixed")
        : mail.TextBody is not null && mail.HtmlBody is not null ? new ContentType("multipart", "alternative")
        : new ContentType("text", mail.HtmlBody is not null && mail.TextBody is null ? "html" : "plain");
}
