using System.Globalization;
using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Messaging;

/// <summary>
/// Reads a binary <c>DeliverEmail</c>'s fields from its transport headers as strictly as System.Text.Json reads the
/// JSON contract: every field header present when required, of its type, within its length, and given once. What the
/// values mean (addresses, recipient count, attempt range, exactly one of body and claim address) is the
/// <c>DeliverEmailValidator</c>'s, as for JSON, so the two formats are refused for the same reasons.
/// </summary>
internal static class DeliverEmailHeaderReader
{
    private static readonly string[] FieldHeaders =
    [
        DeliverEmailBinaryFormat.MailIdHeader,
        DeliverEmailBinaryFormat.EnvelopeFromHeader,
        DeliverEmailBinaryFormat.EnvelopeToHeader,
        DeliverEmailBinaryFormat.ContentAddressHeader,
        DeliverEmailBinaryFormat.ProtectionHeader,
        DeliverEmailBinaryFormat.AttemptHeader,
    ];

    /// <summary>The message that <paramref name="headers"/> and <paramref name="content"/> carry.</summary>
    /// <exception cref="DeliverEmailHeaderException">A header is missing, duplicated, oversized or of the wrong type.</exception>
    public static DeliverEmail Read(Headers headers, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(headers);
        RefuseDuplicates(headers);
        var mailIdText = RequiredText(headers, DeliverEmailBinaryFormat.MailIdHeader, 36);
        if (!Guid.TryParseExact(mailIdText, "D", out var mailId))
        {
            throw new DeliverEmailHeaderException(DeliverEmailBinaryFormat.MailIdHeader, "is not a GUID (form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
        }

        var from = RequiredText(headers, DeliverEmailBinaryFormat.EnvelopeFromHeader, DeliverEmailBinaryFormat.MaxTextHeaderLength);
        var to = RequiredText(headers, DeliverEmailBinaryFormat.EnvelopeToHeader, DeliverEmailBinaryFormat.MaxEnvelopeToLength);
        var address = OptionalText(headers, DeliverEmailBinaryFormat.ContentAddressHeader, DeliverEmailBinaryFormat.MaxTextHeaderLength);
        Uri? contentAddress = null;
        if (address is not null && !Uri.TryCreate(address, UriKind.Absolute, out contentAddress))
        {
            throw new DeliverEmailHeaderException(DeliverEmailBinaryFormat.ContentAddressHeader, "is not an absolute URI");
        }

        return new DeliverEmail
        {
            MailId = mailId,
            EnvelopeFrom = from,
            EnvelopeTo = to.Split(','),
            Content = content,
            ContentAddress = contentAddress,
            Attempt = Attempt(headers),
            Protection = Protection(headers),
        };
    }

    /// <summary>The mail id if the headers name one validly, else the empty id (for failure reports of unreadable mail).</summary>
    public static Guid MailIdOrEmpty(Headers headers) =>
        headers.TryGetHeader(DeliverEmailBinaryFormat.MailIdHeader, out var value) && value is string text
            && Guid.TryParseExact(text, "D", out var id) ? id : Guid.Empty;

    // AMQP tables map each name once, but names are case-sensitive: a second spelling of a field header would let a
    // reader that folds case see another value than the sender did. Such a message is refused.
    private static void RefuseDuplicates(Headers headers)
    {
        foreach (var (name, _) in headers.GetAll())
        {
            foreach (var field in FieldHeaders)
            {
                if (!string.Equals(name, field, StringComparison.Ordinal) && string.Equals(name, field, StringComparison.OrdinalIgnoreCase))
                {
                    throw new DeliverEmailHeaderException(field, "is given twice (in two spellings)");
                }
            }
        }
    }

    private static string RequiredText(Headers headers, string name, int maxLength) =>
        OptionalText(headers, name, maxLength) ?? throw new DeliverEmailHeaderException(name, "is missing");

    private static string? OptionalText(Headers headers, string name, int maxLength)
    {
        if (!headers.TryGetHeader(name, out var value) || value is null)
        {
            return null;
        }

        if (value is not string text)
        {
            throw new DeliverEmailHeaderException(name, $"is of type {TypeName(value)}, not a string");
        }

        return text.Length > maxLength
            ? throw new DeliverEmailHeaderException(name, $"is {text.Length} characters long, above {maxLength}")
            : text;
    }

    private static int Attempt(Headers headers)
    {
        if (!headers.TryGetHeader(DeliverEmailBinaryFormat.AttemptHeader, out var value) || value is null)
        {
            return 0;
        }

        long attempt = value switch
        {
            int i => i,
            long l => l,
            short s => s,
            sbyte b => b,
            byte b => b,
            ushort u => u,
            uint u => u,
            _ => throw new DeliverEmailHeaderException(DeliverEmailBinaryFormat.AttemptHeader, $"is of type {TypeName(value)}, not an integer"),
        };
        return attempt is < int.MinValue or > int.MaxValue
            ? throw new DeliverEmailHeaderException(DeliverEmailBinaryFormat.AttemptHeader, "is outside the 32-bit integer range")
            : (int)attempt;
    }

    private static AppliedProtection? Protection(Headers headers) =>
        OptionalText(headers, DeliverEmailBinaryFormat.ProtectionHeader, 64) switch
        {
            null => null,
            nameof(AppliedProtection.Signature) => AppliedProtection.Signature,
            nameof(AppliedProtection.Encryption) => AppliedProtection.Encryption,
            nameof(AppliedProtection.SignatureAndEncryption) => AppliedProtection.SignatureAndEncryption,
            _ => throw new DeliverEmailHeaderException(DeliverEmailBinaryFormat.ProtectionHeader, "is not Signature, Encryption or SignatureAndEncryption"),
        };

    private static string TypeName(object value) => value.GetType().Name.ToLower(CultureInfo.InvariantCulture);
}
