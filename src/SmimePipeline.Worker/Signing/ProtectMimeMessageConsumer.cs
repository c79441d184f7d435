using MassTransit;
using Microsoft.Extensions.Options;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Signing;

/// <summary>Checks a <see cref="ProtectMimeMessage"/> and protects its RFC 5322 message as it is.</summary>
public sealed class ProtectMimeMessageConsumer(MailProtectionHandler handler, SignerRefusals refusals, IOptions<SmimePipelineOptions> options) : IConsumer<ProtectMimeMessage>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<ProtectMimeMessage> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mail = context.Message;
        var max = options.Value.MaxMessageBytes;
        var refusal = ContractRules.Size(SignerRefusals.BodyLength(context), max + (max / 2), "The ProtectMimeMessage message")
            ?? ProtectMimeMessageValidator.Validate(mail, max);
        if (refusal is not null)
        {
            await refusals.RefuseAsync(context, mail?.MailId ?? Guid.Empty, refusal);
        }

        // Everything the handler meets (a refusal, a protected result above the limit, anything unexpected) it
        // reports and dead-letters itself.
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
