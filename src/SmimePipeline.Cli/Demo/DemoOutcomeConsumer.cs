using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Cli.Demo;

/// <summary>Counts the pipeline's events for the demo's mails, wherever the workers run.</summary>
internal sealed class DemoOutcomeConsumer(DemoProgress progress) :
    IConsumer<EmailProtected>,
    IConsumer<EmailDelivered>,
    IConsumer<EmailDeliveryFailed>
{
    public Task Consume(ConsumeContext<EmailProtected> context)
    {
        progress.Protected(context.Message.MailId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<EmailDelivered> context)
    {
        progress.Delivered(context.Message.MailId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<EmailDeliveryFailed> context)
    {
        progress.Failed(context.Message.MailId, context.Message.ReasonCode, context.Message.Reason);
        return Task.CompletedTask;
    }
}
