using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Signing;

/// <summary>Checks a <see cref="ProtectMimeMessage"/> and protects its RFC 5322 message as it is (<see cref="ProtectCommandIntake"/>).</summary>
public sealed class ProtectMimeMessageConsumer(ProtectCommandIntake intake) : IConsumer<ProtectMimeMessage>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<ProtectMimeMessage> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return intake.ProtectMimeMessageAsync(context, context.Message, SignerRefusals.BodyLength(context));
    }
}
