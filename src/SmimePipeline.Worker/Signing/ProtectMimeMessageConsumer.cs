using MassTransit;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Worker.Signing;

/// <summary>Protects an existing RFC 5322 message as it is.</summary>
public sealed class ProtectMimeMessageConsumer(MailProtectionHandler handler) : IConsumer<ProtectMimeMessage>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<ProtectMimeMessage> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mail = context.Message;
        return handler.HandleAsync(context, mail.MailId, mail.Policy, () => Parse(mail));
    }

    private static MimeMessage Parse(ProtectMimeMessage mail)
    {
        if (mail.Message is not { Length: > 0 })
        {
            throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, null, $"Mail {mail.MailId} has an empty message.");
        }

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
