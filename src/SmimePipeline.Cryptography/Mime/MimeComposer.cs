using System.Text;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using ContractAddress = SmimePipeline.Contracts.MailAddress;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>Builds the MIME message of a <see cref="ProtectEmail"/> command, ready for <see cref="SmimeProtector"/>.</summary>
public static class MimeComposer
{
    private const string FallbackDomain = "smime-pipeline.local";

    // Headers the composer owns; a caller-supplied value would contradict the structure it builds.
    private static readonly HashSet<string> StructuralHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "To", "Cc", "Bcc", "Sender", "Subject", "Date", "Message-ID", "MIME-Version",
    };

    /// <summary>Composes <paramref name="mail"/> with the current UTC time as its Date.</summary>
    /// <param name="mail">The command.</param>
    /// <returns>The message: From, To, Cc, Bcc, Subject, Date, Message-ID, body, attachments and extra headers.</returns>
    /// <exception cref="ProtectionRefusedException">
    /// <see cref="ProtectionRefusal.InvalidMessage"/>: no From address, no recipient, an unparsable address or
    /// attachment content type, or a structural extra header (From, To, Cc, Bcc, Sender, Subject, Date,
    /// Message-ID, MIME-Version, Content-*).
    /// <see cref="ProtectionRefusal.InvalidHeader"/>: a Subject, address, display name or extra header with a NUL,
    /// CR, LF or other control character, or a header name outside RFC 5322 ftext (see <see cref="HeaderRules"/>).
    /// </exception>
    public static MimeMessage Compose(ProtectEmail mail) => Compose(mail, TimeProvider.System);

    /// <summary>Composes <paramref name="mail"/> taking the Date from <paramref name="timeProvider"/>.</summary>
    /// <param name="mail">The command.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ProtectionRefusedException">See <see cref="Compose(ProtectEmail)"/>.</exception>
    public static MimeMessage Compose(ProtectEmail mail, TimeProvider timeProvider)
    {
        var message = ComposeHeaders(mail, timeProvider);
        message.Body = BuildBody(mail, null, null);
        return message;
    }

    /// <summary>
    /// Composes <paramref name="mail"/> for <see cref="SmimeProtector.Protect(MimeMessage, SecurityPolicy)"/> with the
    /// current UTC time as its Date: the same headers, refusals and protected bytes as <see cref="Compose(ProtectEmail)"/>,
    /// but the body is not built as MimeKit objects; the protector writes it straight into canonical bytes (a third
    /// less allocation per standard mail, issue 17 target 3). The body entity is meant for the protector: it writes
    /// itself as the same MIME when asked (<c>WriteTo</c>), and header protection and legacy display get the full tree
    /// from it, but it has no child parts to walk. Use <see cref="Compose(ProtectEmail)"/> to inspect or edit the body.
    /// </summary>
    /// <param name="mail">The command.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ProtectionRefusedException">See <see cref="Compose(ProtectEmail)"/>.</exception>
    public static MimeMessage ComposeForProtection(ProtectEmail mail) => ComposeForProtection(mail, TimeProvider.System);

    /// <summary>As <see cref="ComposeForProtection(ProtectEmail)"/>, taking the Date from <paramref name="timeProvider"/>.</summary>
    /// <param name="mail">The command.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ProtectionRefusedException">See <see cref="Compose(ProtectEmail)"/>.</exception>
    public static MimeMessage ComposeForProtection(ProtectEmail mail, TimeProvider timeProvider)
    {
        var message = ComposeHeaders(mail, timeProvider);
        // A mail without any content is one empty text part, which MimeMessage.WriteTo ends with a newline its content
        // lacks; not worth a byte writer of its own, so it gets the tree.
        bool empty = mail.Attachments.Count == 0 && !(mail.TextBody is not null && mail.HtmlBody is not null) && string.IsNullOrEmpty(mail.TextBody ?? mail.HtmlBody);
        message.Body = empty ? BuildBody(mail, null, null) : new ProtectEmailBody(mail);
        return message;
    }

    private static MimeMessage ComposeHeaders(ProtectEmail mail, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(timeProvider);

        if (mail.From is null || string.IsNullOrWhiteSpace(mail.From.Address))
        {
            throw Invalid(null, "The mail has no From address.");
        }

        if (mail.To.Count + mail.Cc.Count + mail.Bcc.Count == 0)
        {
            throw Invalid(mail.From.Address, "The mail has no recipient in To, Cc or Bcc.");
        }

        // Every string that becomes a header is checked before MimeKit encodes it: a NUL or a CR/LF in a
        // Subject or an extra header is refused with its cause, not smuggled into the outer headers.
        HeaderRules.CheckValue("Subject", mail.Subject);
        foreach (var (name, value) in mail.Headers)
        {
            HeaderRules.CheckValue(name, value);
        }

        var from = ToMailbox(mail.From, "From");
        // MimeMessage's parameterless constructor fills Date (local clock, formatted), Subject and a generated
        // Message-ID (host name, clock, random, parsed again), all of which this method replaced at once: a
        // sixth of the composition's time. The constructor that takes headers keeps the ones given, in the same
        // order (From, Date, Subject, Message-ID, then To, Cc, Bcc as they are added).
        var message = new MimeMessage(
            new Header(HeaderId.From, ""),
            new Header(HeaderId.Date, MimeKit.Utils.DateUtils.FormatDate(timeProvider.GetUtcNow())),
            new Header(HeaderId.Subject, mail.Subject ?? ""),
            new Header(HeaderId.MessageId, $"<{mail.MailId:N}@{MessageIdDomain(from.Domain)}>"));
        message.From.Add(from);
        AddAll(message.To, mail.To, "To");
        AddAll(message.Cc, mail.Cc, "Cc");
        AddAll(message.Bcc, mail.Bcc, "Bcc");

        foreach (var (name, value) in mail.Headers)
        {
            if (StructuralHeaders.Contains(name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(null, $"The extra header {name} is structural and cannot be set by the producer.");
            }

            try
            {
                message.Headers.Add(name, value);
            }
            catch (ArgumentException ex)
            {
                throw new ProtectionRefusedException($"The extra header {name} is not a valid header.", ex);
            }
        }

        return message;
    }

    /// <summary>The body tree; a multipart gets the boundary given, or a new random one when that is null.</summary>
    internal static MimeEntity BuildBody(ProtectEmail mail, string? mixedBoundary, string? alternativeBoundary)
    {
        MimeEntity? body = null;
        var text = mail.TextBody is null ? null : CreateTextPart("plain", mail.TextBody);
        var html = mail.HtmlBody is null ? null : CreateTextPart("html", mail.HtmlBody);
        if (text is not null && html is not null)
        {
            body = new MultipartAlternative { text, html };
            if (alternativeBoundary is not null)
            {
                ((Multipart)body).Boundary = alternativeBoundary;
            }
        }
        else
        {
            body = (MimeEntity?)text ?? html;
        }

        if (mail.Attachments.Count == 0)
        {
            return body ?? CreateTextPart("plain", "");
        }

        var mixed = new Multipart("mixed");
        if (mixedBoundary is not null)
        {
            mixed.Boundary = mixedBoundary;
        }

        if (body is not null)
        {
            mixed.Add(body);
        }

        foreach (var attachment in mail.Attachments)
        {
            mixed.Add(CreateAttachment(mail.From.Address, attachment));
        }

        return mixed;
    }

    private static TextPart CreateTextPart(string subtype, string text)
    {
        // What TextPart.SetText does, with a stream that lends its buffer to the canonical writer
        // (PreEncodedContent), which then encodes it without MimeKit's per-part filter buffers.
        var part = new TextPart(subtype) { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        part.ContentType.Charset = "utf-8";
        part.Content = new MimeContent(Readable(Encoding.UTF8.GetBytes(text)));
        return part;
    }

    private static MimePart CreateAttachment(string from, MailAttachment attachment)
    {
        var part = CreateAttachmentHeaders(from, attachment);
        part.Content = new MimeContent(Readable(attachment.Content ?? []));
        return part;
    }

    /// <summary>The attachment's part with its headers (type, disposition, file name, base64) and no content yet.</summary>
    internal static MimePart CreateAttachmentHeaders(string from, MailAttachment attachment)
    {
        if (!ContentType.TryParse(attachment.ContentType ?? "", out var contentType))
        {
            throw Invalid(from, $"The attachment {attachment.FileName} has an invalid content type.");
        }

        return new MimePart(contentType)
        {
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = attachment.FileName,
        };
    }

    private static MemoryStream Readable(byte[] content) => new(content, 0, content.Length, writable: false, publiclyVisible: true);

    private static void AddAll(InternetAddressList list, IReadOnlyList<ContractAddress> addresses, string field)
    {
        foreach (var address in addresses)
        {
            list.Add(ToMailbox(address, field));
        }
    }

    private static MailboxAddress ToMailbox(ContractAddress address, string field)
    {
        HeaderRules.CheckValue(field, address.Address);
        HeaderRules.CheckValue(field, address.DisplayName);
        try
        {
            return new MailboxAddress(address.DisplayName, address.Address);
        }
        catch (ParseException ex)
        {
            throw new ProtectionRefusedException($"The address {address.Address} is not a valid mailbox.", ex);
        }
    }

    private static string MessageIdDomain(string? domain) =>
        string.IsNullOrEmpty(domain) || domain.Any(c => c is '<' or '>' or '[' or ']' or ' ' || char.IsControl(c) || c > '~')
            ? FallbackDomain
            : domain.ToLowerInvariant();

    private static ProtectionRefusedException Invalid(string? address, string message) =>
        new(ProtectionRefusal.InvalidMessage, address, message);
}
