using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Signing;

/// <summary>Checks every field of a <see cref="ProtectEmail"/>, builds its MIME message and protects it (<see cref="ProtectCommandIntake"/>).</summary>
public sealed class ProtectEmailConsumer(ProtectCommandIntake intake) : IConsumer<ProtectEmail>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<ProtectEmail> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return intake.ProtectEmailAsync(context, context.Message, SignerRefusals.BodyLength(context));
    }
}
