using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Validation;

/// <summary>
/// Checks a <see cref="DeliverEmail"/> as if a stranger wrote it: id, envelope addresses, recipient count, exactly
/// one of content and content address, attempt count, the declared protection, and the inline size. The content
/// address's form is checked by the claim check, the bytes' protection by the <c>ProtectedMailGuard</c>.
/// </summary>
public static class DeliverEmailValidator
{
    /// <summary>What is wrong with <paramref name="mail"/>, or <see langword="null"/>.</summary>
    public static MailRefusal? Validate(DeliverEmail? mail, int maxMessageBytes)
    {
        if (mail is null)
        {
            return MailRefusal.Field("DeliverEmail", "is empty");
        }

        return ContractRules.MailId(mail.MailId)
            ?? ContractRules.Address(mail.EnvelopeFrom, "EnvelopeFrom")
            ?? EnvelopeTo(mail.EnvelopeTo)
            ?? Content(mail)
            ?? (mail.Attempt is < 0 or > ContractLimits.MaxAttempt
                ? MailRefusal.Field("Attempt", $"is {mail.Attempt}; it counts failed attempts, 0 to {ContractLimits.MaxAttempt}")
                : null)
            ?? (mail.Protection is { } protection && (protection == AppliedProtection.None || (protection & ~AppliedProtection.SignatureAndEncryption) != 0)
                ? MailRefusal.Field("Protection", $"is '{protection}'; it must be Signature, Encryption or both")
                : null)
            ?? ContractRules.Size(mail.Content?.LongLength ?? 0, maxMessageBytes, $"Mail {mail.MailId}'s content");
    }

    private static MailRefusal? EnvelopeTo(IReadOnlyList<string>? recipients)
    {
        if (recipients is null || recipients.Count == 0)
        {
            return MailRefusal.Field("EnvelopeTo", "is empty: the mail has no recipient");
        }

        if (ContractRules.Count(recipients.Count, ContractLimits.MaxRecipients, "EnvelopeTo") is { } tooMany)
        {
            return tooMany;
        }

        for (var i = 0; i < recipients.Count; i++)
        {
            if (ContractRules.Address(recipients[i], $"EnvelopeTo[{i}]") is { } refusal)
            {
                return refusal;
            }
        }

        return null;
    }

    private static MailRefusal? Content(DeliverEmail mail)
    {
        var hasContent = mail.Content is { Length: > 0 };
        var hasAddress = mail.ContentAddress is not null;
        return (hasContent, hasAddress) switch
        {
            (true, true) => MailRefusal.Field("Content and ContentAddress", "are both set; a mail travels either inline or by claim check"),
            (false, false) => MailRefusal.Field("Content and ContentAddress", "are both empty: the mail has no bytes to deliver"),
            _ => null,
        };
    }
}
