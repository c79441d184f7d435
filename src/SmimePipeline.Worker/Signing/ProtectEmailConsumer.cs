using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Worker.Signing;

/// <summary>Builds the MIME message of a <see cref="ProtectEmail"/> and protects it.</summary>
public sealed class ProtectEmailConsumer(MailProtectionHandler handler) : IConsumer<ProtectEmail>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<ProtectEmail> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mail = context.Message;
        return handler.HandleAsync(context, mail.MailId, mail.Policy, () => MimeComposer.Compose(mail));
    }
}
