using MassTransit;
using Microsoft.Extensions.Options;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// The one path every protect command takes once it is read, whether it came inline on the queue or through the
/// producer claim check: the size rule on the bytes it came in, the validator, then the <see cref="MailProtectionHandler"/>.
/// So a refusal never depends on how the command travelled. The same bytes decide whether it is large mail
/// (<see cref="SignerOptions.LargeMailThresholdBytes"/>), which small mails go before in the protect slots.
/// </summary>
public sealed class ProtectCommandIntake(MailProtectionHandler handler, SignerRefusals refusals, IOptions<SmimePipelineOptions> options)
{
    /// <summary>Checks every field of <paramref name="mail"/>, builds its MIME message and protects it.</summary>
    /// <param name="context">The consume context (of the command, or of its claim).</param>
    /// <param name="mail">The command as read.</param>
    /// <param name="receivedBytes">The bytes it came in: the message body, or the claim.</param>
    /// <exception cref="Failures.MailDeadLetteredException">The mail was refused or failed for good, and has been reported.</exception>
    public Task ProtectEmailAsync(ConsumeContext context, ProtectEmail? mail, long receivedBytes) =>
        IntakeAsync(context, mail?.MailId, mail?.Policy, receivedBytes, "The ProtectEmail message", max => ProtectEmailValidator.Validate(mail, max),
            () => MimeComposer.ComposeForProtection(mail!));

    /// <summary>Checks <paramref name="mail"/> and protects its RFC 5322 message as it is.</summary>
    /// <param name="context">The consume context (of the command, or of its claim).</param>
    /// <param name="mail">The command as read.</param>
    /// <param name="receivedBytes">The bytes it came in: the message body, or the claim.</param>
    /// <exception cref="Failures.MailDeadLetteredException">The mail was refused or failed for good, and has been reported.</exception>
    public Task ProtectMimeMessageAsync(ConsumeContext context, ProtectMimeMessage? mail, long receivedBytes) =>
        IntakeAsync(context, mail?.MailId, mail?.Policy, receivedBytes, "The ProtectMimeMessage message", max => ProtectMimeMessageValidator.Validate(mail, max),
            () => ProtectMimeMessageParser.Parse(mail!));

    // The size rule on the bytes the command came in, the command's validator, a refusal reported, then the handler.
    private async Task IntakeAsync(
        ConsumeContext context, Guid? mailId, SecurityPolicy? policy, long receivedBytes, string what, Func<int, MailRefusal?> validate, Func<MimeMessage> compose)
    {
        ArgumentNullException.ThrowIfNull(context);
        var max = options.Value.MaxMessageBytes;
        // The JSON body carries attachments in base64 (4/3 of their size) plus the envelope around them.
        var refusal = ContractRules.Size(receivedBytes, max + (max / 2), what) ?? validate(max);
        if (refusal is not null)
        {
            // Reports the refusal and throws: nothing below runs for a refused command.
            await refusals.RefuseAsync(context, mailId ?? Guid.Empty, refusal);
        }

        var threshold = options.Value.Signer.LargeMailThresholdBytes;
        // Everything the handler meets (a refusal, a protected result above the limit, anything unexpected) it
        // reports and dead-letters itself.
        await handler.HandleAsync(context, mailId!.Value, policy!, large: threshold > 0 && receivedBytes > threshold, compose);
    }
}
