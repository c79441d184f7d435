using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Signing;

/// <summary>Checks every field of a <see cref="ProtectEmail"/>, builds its MIME message and protects it.</summary>
public sealed class ProtectEmailConsumer(MailProtectionHandler handler, SignerRefusals refusals, IOptions<SmimePipelineOptions> options) : IConsumer<ProtectEmail>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<ProtectEmail> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mail = context.Message;
        var max = options.Value.MaxMessageBytes;
        // The JSON body carries attachments in base64 (4/3 of their size) plus the envelope around them.
        var refusal = ContractRules.Size(SignerRefusals.BodyLength(context), max + (max / 2), "The ProtectEmail message")
            ?? ProtectEmailValidator.Validate(mail, max);
        if (refusal is not null)
        {
            await refusals.RefuseAsync(context, mail?.MailId ?? Guid.Empty, refusal);
        }

        // Everything the handler meets (a refusal, a protected result above the limit, anything unexpected) it
        // reports and dead-letters itself.
        await handler.HandleAsync(context, mail!.MailId, mail.Policy, () => MimeComposer.ComposeForProtection(mail));
    }
}
