using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// The signers' second receive endpoint, <see cref="QueueNames.ProtectLarge"/>: the same consumers as
/// <see cref="QueueNames.Protect"/> for mail the client estimated above its large-mail threshold. In one quorum queue,
/// a 1.5 MB body held small mails queued behind it for 100-250 ms (p99); in a lane of its own it holds up only other
/// large mail. Not bound to the commands' message-type exchanges: a producer that publishes by MassTransit's convention
/// reaches <c>smime-protect</c> alone. Quorum queue, publisher confirms and manual acks as on the main queue; failures go to
/// <c>smime-protect-large_error</c> with the same reasons, events and metrics.
/// </summary>
public static class LargeMailLane
{
    /// <summary>Large mails taken from the lane at once per worker: each holds megabytes in memory.</summary>
    public const int ConcurrentMessages = 1;

    /// <summary>Binds <see cref="ProtectEmailConsumer"/>, <see cref="ProtectMimeMessageConsumer"/> and <see cref="ProtectCommandClaimConsumer"/> to the lane.</summary>
    public static void Configure(IRabbitMqReceiveEndpointConfigurator endpoint, IBusRegistrationContext context, SmimePipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        if (options.RabbitMq.QuorumQueues)
        {
            endpoint.SetQuorumQueue();
        }

        // Configured by hand, so the ConfigureEndpoints callback that adds the last net to the other work queues does not run here.
        Failures.UnreportedFailureFilter.Apply(endpoint, QueueNames.ProtectLarge, context);
        // Only the client's sends to the lane's exchange reach it (issue 17, session 19): bound to the commands' message-type
        // exchanges like smime-protect, a command published by MassTransit's convention went to both queues and was
        // protected twice. LargeLaneTypeBindings removes the bindings older signers made.
        endpoint.ConfigureConsumeTopology = false;
        endpoint.PrefetchCount = ConcurrentMessages + 1;
        endpoint.ConcurrentMessageLimit = ConcurrentMessages;
        endpoint.ConfigureConsumer<ProtectEmailConsumer>(context);
        endpoint.ConfigureConsumer<ProtectMimeMessageConsumer>(context);
        endpoint.ConfigureConsumer<ProtectCommandClaimConsumer>(context);
    }
}
