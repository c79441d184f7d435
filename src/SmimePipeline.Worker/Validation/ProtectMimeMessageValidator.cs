using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Validation;

/// <summary>Checks a <see cref="ProtectMimeMessage"/>: its id, a non-empty message within the size limit, its policy.</summary>
public static class ProtectMimeMessageValidator
{
    /// <summary>What is wrong with <paramref name="mail"/>, or <see langword="null"/>.</summary>
    public static MailRefusal? Validate(ProtectMimeMessage? mail, int maxMessageBytes)
    {
        if (mail is null)
        {
            return MailRefusal.Field("ProtectMimeMessage", "is empty");
        }

        return ContractRules.MailId(mail.MailId)
            ?? (mail.Message is null or { Length: 0 } ? MailRefusal.Field("Message", "is empty") : null)
            ?? ContractRules.Size(mail.Message!.LongLength, maxMessageBytes, $"Mail {mail.MailId}'s message")
            ?? ContractRules.Policy(mail.Policy);
    }
}
