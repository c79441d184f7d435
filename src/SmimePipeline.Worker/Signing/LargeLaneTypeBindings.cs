using Microsoft.Extensions.Options;
using RabbitMQ.Client.Exceptions;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Removes the bindings from the commands' message-type exchanges (<c>SmimePipeline.Contracts:ProtectEmail</c>, ...) to
/// <c>smime-protect-large</c> that signers before session 19 made (issue 17, session 19). With them, a command a producer
/// published by MassTransit's convention (<c>Publish&lt;ProtectEmail&gt;</c>) went to both <c>smime-protect</c> and the
/// large-mail lane: the broker stored and delivered it twice, and two signers protected it and announced it twice (the
/// delivery ledger kept the ESP from sending it twice). The lane no longer binds message types
/// (<see cref="LargeMailLane"/>); only the client's sends to its exchange reach it. A binding or exchange that is not there
/// is nothing to remove.
/// </summary>
internal sealed class LargeLaneTypeBindings(IOptions<SmimePipelineOptions> options) : IHostedService
{
    /// <summary>The exchanges MassTransit names after the commands a signer consumes (its default entity names).</summary>
    public static IReadOnlyList<string> CommandTypeExchanges { get; } =
    [
        $"{typeof(ProtectEmail).Namespace}:{nameof(ProtectEmail)}",
        $"{typeof(ProtectMimeMessage).Namespace}:{nameof(ProtectMimeMessage)}",
        $"{typeof(ProtectCommandClaim).Namespace}:{nameof(ProtectCommandClaim)}",
    ];

    // AMQP's reply code for an exchange that does not exist.
    private const int NotFound = 404;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await RabbitMqTopology.ConnectAsync(options.Value.RabbitMq, "smime-signer-topology", cancellationToken);
        foreach (var source in CommandTypeExchanges)
        {
            // A channel per unbind: RabbitMQ closes the channel when the source exchange does not exist.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            try
            {
                await channel.ExchangeUnbindAsync(QueueNames.ProtectLarge, source, routingKey: string.Empty, cancellationToken: cancellationToken);
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == NotFound)
            {
                // Neither the message type's exchange nor the lane's declared yet: no binding between them either.
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
