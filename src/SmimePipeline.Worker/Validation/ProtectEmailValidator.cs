using System.Text;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Validation;

/// <summary>
/// Checks every field of a <see cref="ProtectEmail"/> as if a stranger wrote it: ids, addresses, list and element
/// nulls, counts, header names and values, file names, MIME types, the policy, and the size against
/// <c>SmimePipeline:MaxMessageBytes</c>. The first broken rule is returned, naming the field.
/// </summary>
public static class ProtectEmailValidator
{
    /// <summary>What is wrong with <paramref name="mail"/>, or <see langword="null"/> when every field is acceptable.</summary>
    /// <param name="mail">The message as deserialised; may be null.</param>
    /// <param name="maxMessageBytes">The size limit: bodies and attachments together must stay below it.</param>
    public static MailRefusal? Validate(ProtectEmail? mail, int maxMessageBytes)
    {
        if (mail is null)
        {
            return MailRefusal.Field("ProtectEmail", "is empty");
        }

        return ContractRules.MailId(mail.MailId)
            ?? ContractRules.Mailbox(mail.From, "From")
            ?? Recipients(mail)
            ?? ContractRules.Text(mail.Subject, "Subject", ContractLimits.MaxSubjectLength)
            ?? ContractRules.Body(mail.TextBody, "TextBody")
            ?? ContractRules.Body(mail.HtmlBody, "HtmlBody")
            ?? Attachments(mail.Attachments)
            ?? Headers(mail.Headers)
            ?? ContractRules.Policy(mail.Policy)
            ?? ContractRules.Size(ContentBytes(mail), maxMessageBytes, $"Mail {mail.MailId}'s bodies and attachments");
    }

    private static MailRefusal? Recipients(ProtectEmail mail)
    {
        var lists = new[] { ("To", mail.To), ("Cc", mail.Cc), ("Bcc", mail.Bcc) };
        var total = 0;
        foreach (var (field, list) in lists)
        {
            if (list is null)
            {
                return MailRefusal.Field(field, "is null (use an empty list)");
            }

            if (ContractRules.Count(list.Count, ContractLimits.MaxRecipients, field) is { } tooMany)
            {
                return tooMany;
            }

            for (var i = 0; i < list.Count; i++)
            {
                if (ContractRules.Mailbox(list[i], $"{field}[{i}]") is { } refusal)
                {
                    return refusal;
                }
            }

            total += list.Count;
        }

        if (total == 0)
        {
            return MailRefusal.Field("To, Cc and Bcc", "are all empty: the mail has no recipient");
        }

        return ContractRules.Count(total, ContractLimits.MaxRecipients, "To, Cc and Bcc together");
    }

    private static MailRefusal? Attachments(IReadOnlyList<MailAttachment>? attachments)
    {
        if (attachments is null)
        {
            return MailRefusal.Field("Attachments", "is null (use an empty list)");
        }

        if (ContractRules.Count(attachments.Count, ContractLimits.MaxAttachments, "Attachments") is { } tooMany)
        {
            return tooMany;
        }

        for (var i = 0; i < attachments.Count; i++)
        {
            var field = $"Attachments[{i}]";
            if (attachments[i] is not { } attachment)
            {
                return MailRefusal.Field(field, "is null");
            }

            var refusal = ContractRules.FileName(attachment.FileName, $"{field}.FileName")
                ?? ContractRules.ContentType(attachment.ContentType, $"{field}.ContentType")
                ?? (attachment.Content is null ? MailRefusal.Field($"{field}.Content", "is null") : null);
            if (refusal is not null)
            {
                return refusal;
            }
        }

        return null;
    }

    private static MailRefusal? Headers(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null)
        {
            return MailRefusal.Field("Headers", "is null (use an empty dictionary)");
        }

        if (ContractRules.Count(headers.Count, ContractLimits.MaxHeaders, "Headers") is { } tooMany)
        {
            return tooMany;
        }

        foreach (var (name, value) in headers)
        {
            var refusal = ContractRules.HeaderName(name, "Headers")
                ?? ContractRules.Text(value, $"Headers[{ContractRules.Printable(name)}]", ContractLimits.MaxHeaderValueLength);
            if (refusal is not null)
            {
                return refusal;
            }
        }

        return null;
    }

    private static long ContentBytes(ProtectEmail mail)
    {
        long bytes = (mail.TextBody is null ? 0 : Encoding.UTF8.GetByteCount(mail.TextBody))
            + (mail.HtmlBody is null ? 0 : Encoding.UTF8.GetByteCount(mail.HtmlBody));
        foreach (var attachment in mail.Attachments)
        {
            bytes += attachment.Content.LongLength;
        }

        return bytes;
    }
}
