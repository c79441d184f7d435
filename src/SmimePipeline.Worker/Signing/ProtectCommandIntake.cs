using MassTransit;
using Microsoft.Extensions.Options;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// The one path every protect command takes once it is read, whether it came inline on the queue or through the
/// producer claim check: the size rule on the bytes it came in, the validator, then the <see cref="MailProtectionHandler"/>.
/// So a refusal never depends on how the command travelled.
/// </summary>
public sealed class ProtectCommandIntake(MailProtectionHandler handler, SignerRefusals refusals, IOptions<SmimePipelineOptions> options)
{
    /// <summary>Checks every field of <paramref name="mail"/>, builds its MIME message and protects it.</summary>
    /// <param name="context">The consume context (of the command, or of its claim).</param>
    /// <param name="mail">The command as read.</param>
    /// <param name="receivedBytes">The bytes it came in: the message body, or the claim.</param>
    /// <exception cref="Failures.MailDeadLetteredException">The mail was refused or failed for good, and has been reported.</exception>
    public async Task ProtectEmailAsync(ConsumeContext context, ProtectEmail? mail, long receivedBytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        var max = options.Value.MaxMessageBytes;
        // The JSON body carries attachments in base64 (4/3 of their size) plus the envelope around them.
        var refusal = ContractRules.Size(receivedBytes, max + (max / 2), "The ProtectEmail message")
            ?? ProtectEmailValidator.Validate(mail, max);
        if (refusal is not null)
        {
            await refusals.RefuseAsync(context, mail?.MailId ?? Guid.Empty, refusal);
        }

        // Everything the handler meets (a refusal, a protected result above the limit, anything unexpected) it
        // reports and dead-letters itself.
        await handler.HandleAsync(context, mail!.MailId, mail.Policy, () => MimeComposer.ComposeForProtection(mail));
    }

    /// <summary>Checks <paramref name="mail"/> and protects its RFC 5322 message as it is.</summary>
    /// <param name="context">The consume context (of the command, or of its claim).</param>
    /// <param name="mail">The command as read.</param>
    /// <param name="receivedBytes">The bytes it came in: the message body, or the claim.</param>
    /// <exception cref="Failures.MailDeadLetteredException">The mail was refused or failed for good, and has been reported.</exception>
    public async Task ProtectMimeMessageAsync(ConsumeContext context, ProtectMimeMessage? mail, long receivedBytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        var max = options.Value.MaxMessageBytes;
        var refusal = ContractRules.Size(receivedBytes, max + (max / 2), "The ProtectMimeMessage message")
            ?? ProtectMimeMessageValidator.Validate(mail, max);
        if (refusal is not null)
        {
            await refusals.RefuseAsync(context, mail?.MailId ?? Guid.Empty, refusal);
        }

        await handler.HandleAsync(context, mail!.MailId, mail.Policy, () => Parse(mail));
    }

    private static MimeMessage Parse(ProtectMimeMessage mail)
    {
        try
        {
            using var stream = new MemoryStream(mail.Message, writable: false);
            return MimeMessage.Load(stream);
        }
        catch (FormatException ex)
        {
            throw new ProtectionRefusedException($"Mail {mail.MailId} is not a readable RFC 5322 message.", ex);
        }
    }
}
