using MimeKit;
using MimeKit.Utils;
using SmimePipeline.Delivery.Smtp;

namespace SmimePipeline.Delivery.Dsn;

/// <summary>
/// Reads delivery status notifications (RFC 3464: <c>multipart/report; report-type=delivery-status</c> with a
/// <c>message/delivery-status</c> part) that MTAs send back to the envelope sender of an SMTP transmission. The mail
/// is named by Original-Envelope-Id (the <c>ENVID</c> <see cref="SmtpTransport"/> sends) or, from MTAs that do not
/// keep it, by the <see cref="SmtpTransport.MailIdHeader"/> header among the returned headers. Stateless and thread-safe.
/// </summary>
public static class DeliveryStatusReportReader
{
    private const int MaxFieldLength = 1000;

    /// <summary>Whether the top-level Content-Type of <paramref name="mail"/> is a delivery-status report (reads the header only).</summary>
    /// <param name="mail">RFC 5322 bytes.</param>
    /// <returns>True for <c>multipart/report; report-type=delivery-status</c>.</returns>
    public static bool IsReport(ReadOnlyMemory<byte> mail)
    {
        try
        {
            using var stream = new MemoryStream(mail.ToArray(), writable: false);
            var headers = HeaderList.Load(stream);
            return headers[HeaderId.ContentType] is { } value
                && ContentType.TryParse(value, out var type)
                && type.IsMimeType("multipart", "report")
                && string.Equals(type.Parameters["report-type"], "delivery-status", StringComparison.OrdinalIgnoreCase);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Reads the report in <paramref name="mail"/>.</summary>
    /// <param name="mail">RFC 5322 bytes of a delivery status notification.</param>
    /// <returns>The report; <see cref="DeliveryStatusReport.MailId"/> is null when it names no mail id.</returns>
    /// <exception cref="DeliveryStatusReportException">
    /// Not MIME, not a delivery-status report, no per-recipient block, a block without Final-Recipient, Action or
    /// Status, an Action RFC 3464 does not define, or an Original-Envelope-Id and a returned mail-id header that
    /// name different mails.
    /// </exception>
    public static DeliveryStatusReport Read(ReadOnlyMemory<byte> mail)
    {
        MimeMessage message;
        try
        {
            using var stream = new MemoryStream(mail.ToArray(), writable: false);
            message = MimeMessage.Load(stream);
        }
        catch (FormatException ex)
        {
            throw new DeliveryStatusReportException("The delivery status notification is not readable MIME.", ex);
        }

        if (message.Body is not MultipartReport { ReportType: { } reportType } report
            || !string.Equals(reportType, "delivery-status", StringComparison.OrdinalIgnoreCase))
        {
            throw new DeliveryStatusReportException($"The mail is {message.Body?.ContentType.MimeType ?? "empty"}, not a multipart/report with report-type=delivery-status (RFC 3464).");
        }

        var status = report.OfType<MessageDeliveryStatus>().FirstOrDefault()
            ?? throw new DeliveryStatusReportException("The report has no message/delivery-status part.");
        var groups = status.StatusGroups;
        if (groups.Count < 2)
        {
            throw new DeliveryStatusReportException("The delivery-status part has no per-recipient fields.");
        }

        var perMessage = groups[0];
        var recipients = new List<DsnRecipient>();
        for (int i = 1; i < groups.Count; i++)
        {
            recipients.Add(ReadRecipient(groups[i], i));
        }

        return new DeliveryStatusReport(MailIdOf(perMessage, report), Field(perMessage, "Reporting-MTA"), Date(perMessage, "Arrival-Date"), recipients);
    }

    private static DsnRecipient ReadRecipient(HeaderList fields, int index)
    {
        string recipient = Address(Field(fields, "Final-Recipient") ?? Field(fields, "Original-Recipient"))
            ?? throw new DeliveryStatusReportException($"Per-recipient block {index} of the report has no Final-Recipient.");
        string action = Field(fields, "Action")?.ToLowerInvariant()
            ?? throw new DeliveryStatusReportException($"Per-recipient block {index} ({recipient}) has no Action.");
        if (action is not ("failed" or "delayed" or "delivered" or "relayed" or "expanded"))
        {
            throw new DeliveryStatusReportException($"Per-recipient block {index} ({recipient}) has the Action '{action}', which RFC 3464 does not define.");
        }

        string statusCode = Field(fields, "Status")
            ?? throw new DeliveryStatusReportException($"Per-recipient block {index} ({recipient}) has no Status.");
        return new DsnRecipient(recipient, action, statusCode, Field(fields, "Diagnostic-Code"), Date(fields, "Last-Attempt-Date"));
    }

    private static Guid? MailIdOf(HeaderList perMessage, MultipartReport report)
    {
        Guid? fromEnvelope = ParseId(Field(perMessage, "Original-Envelope-Id"));
        Guid? fromHeader = null;
        foreach (var headers in report.Select(ReturnedHeaders))
        {
            if (headers?[SmtpTransport.MailIdHeader] is { } value)
            {
                fromHeader = ParseId(value.Trim());
                break;
            }
        }

        if (fromEnvelope is not null && fromHeader is not null && fromEnvelope != fromHeader)
        {
            throw new DeliveryStatusReportException(
                $"The report's Original-Envelope-Id ({fromEnvelope:N}) and its returned {SmtpTransport.MailIdHeader} header ({fromHeader:N}) name different mails.");
        }

        return fromEnvelope ?? fromHeader;
    }

    // RFC 3464 §2: the returned message is message/rfc822 (whole) or text/rfc822-headers (RET=HDRS).
    private static HeaderList? ReturnedHeaders(MimeEntity entity)
    {
        if (entity is MessagePart { Message: { } returned })
        {
            return returned.Headers;
        }

        if (entity is MimePart { Content: { } content } part && part.ContentType.IsMimeType("text", "rfc822-headers"))
        {
            using var decoded = new MemoryStream();
            content.DecodeTo(decoded);
            decoded.Position = 0;
            try
            {
                return HeaderList.Load(decoded);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }

    private static Guid? ParseId(string? value) => Guid.TryParse(value, out var id) && id != Guid.Empty ? id : null;

    private static string? Address(string? typedAddress)
    {
        if (typedAddress is null)
        {
            return null;
        }

        // RFC 3464 §2.3.2: address-type ";" generic-address, e.g. "rfc822; user@example.org".
        int semicolon = typedAddress.IndexOf(';', StringComparison.Ordinal);
        string address = (semicolon < 0 ? typedAddress : typedAddress[(semicolon + 1)..]).Trim().Trim('<', '>');
        return address.Length == 0 ? null : address;
    }

    private static DateTimeOffset? Date(HeaderList fields, string name) =>
        Field(fields, name) is { } text && DateUtils.TryParse(text, out var date) ? date : null;

    private static string? Field(HeaderList fields, string name)
    {
        string? value = fields[name];
        if (value is null)
        {
            return null;
        }

        // Folded fields are unfolded; a hostile report cannot make a field longer than the ledger keeps.
        value = string.Join(' ', value.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim())).Trim();
        return value.Length == 0 ? null : value.Length > MaxFieldLength ? value[..MaxFieldLength] : value;
    }
}
