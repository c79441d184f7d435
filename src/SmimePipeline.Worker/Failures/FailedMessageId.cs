using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Worker.Failures;

/// <summary>The id a failure is reported under: the mail's (or the harvest request's) id in the consumed message.</summary>
public static class FailedMessageId
{
    /// <summary>The id of the mail (or harvest request) <paramref name="context"/> carries, else the empty id.</summary>
    public static Guid Of(ConsumeContext? context)
    {
        if (context is null)
        {
            return Guid.Empty;
        }

        if (context.TryGetMessage<DeliverEmail>(out var deliver))
        {
            return deliver.Message?.MailId ?? Guid.Empty;
        }

        if (context.TryGetMessage<ProtectEmail>(out var protect))
        {
            return protect.Message?.MailId ?? Guid.Empty;
        }

        if (context.TryGetMessage<ProtectMimeMessage>(out var mime))
        {
            return mime.Message?.MailId ?? Guid.Empty;
        }

        if (context.TryGetMessage<ProtectCommandClaim>(out var claim))
        {
            return claim.Message?.MailId ?? Guid.Empty;
        }

        return context.TryGetMessage<HarvestCertificate>(out var harvest) ? harvest.Message?.RequestId ?? Guid.Empty : Guid.Empty;
    }
}
