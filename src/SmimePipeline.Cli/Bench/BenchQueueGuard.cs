using System.Globalization;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using SmimePipeline.Cli.Commands;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Keeps the benches that consume the product's own queues (<c>bench pipeline</c>, <c>bench guarantees --via masstransit</c>)
/// off a broker that carries real mail (issue 17, session 20). Their consumers take whatever those queues hold — a real
/// producer's <c>ProtectEmail</c>, a real signer's <c>DeliverEmail</c> — and write it into the bench's pickup directory;
/// their producers feed real signers. So before a bench host starts, every queue it will consume (and every queue whose
/// messages flow into one it consumes: the retry ladder's rungs) is read with a passive <c>queue.declare</c>, whose answer
/// carries the queue's consumer and ready-message counts (no management API needed), and the bench refuses to start when
/// any has a consumer or a message: at that moment neither can be the bench's own. A missing queue is fine (the bench
/// declares it). There is no override: leftovers of a stopped bench run on a broker of one's own are purged on purpose
/// (<c>rabbitmqctl purge_queue</c>), which a flag copied into a script would skip on a real broker too.
/// </summary>
internal static class BenchQueueGuard
{
    /// <summary>What to do instead, as the refusal says it.</summary>
    public const string Advice =
        "Run the bench on a broker or virtual host of its own (scripts/private-broker.sh, or bash scripts/test.sh --services-only, "
        + "starts one on free loopback ports). If these are a stopped bench run's leftovers on a broker of your own, purge them "
        + "first (rabbitmqctl purge_queue NAME [-p VHOST]).";

    private const int NotFound = 404;

    /// <summary>
    /// The queues a bench host built by <see cref="PipelineBenchRunner.BuildHost"/> takes messages from: the work queues its
    /// worker roles consume (<see cref="WorkQueueConsumers.Expected"/>, the list the worker's own liveness check holds it
    /// to), then <paramref name="more"/> (a bench consumer's own endpoint), and with <c>smime-deliver</c> consumed each
    /// retry rung of <c>Sender:RetrySchedule</c>, whose messages dead-letter back into it.
    /// </summary>
    public static IReadOnlyList<(string Queue, string? FeedsInto)> QueuesOf(IServiceProvider services, IReadOnlyList<string> more)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(more);
        var consumed = services.GetRequiredService<WorkQueueConsumers>().Expected.Concat(more).Distinct(StringComparer.Ordinal).ToList();
        var queues = consumed.Select(q => (q, (string?)null)).ToList();
        if (consumed.Contains(QueueNames.Deliver))
        {
            int rungs = DurationList.Parse(services.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.Sender.RetrySchedule).Count;
            queues.AddRange(Enumerable.Range(1, rungs).Select(step => (RetryLadderTopology.RungName(step), (string?)QueueNames.Deliver)));
        }

        return queues;
    }

    /// <summary>
    /// Reads each of <paramref name="queues"/> on the host's broker (its own connection settings, so the broker checked is the
    /// one the bus will use) and throws when any has a consumer or a ready message; writes what it checked to <paramref name="progress"/>.
    /// </summary>
    /// <exception cref="CliException">A queue is in use: the message names each such queue with its counts, and what to do.</exception>
    public static async Task EnsureUnusedAsync(
        IServiceProvider services, string bench, IReadOnlyList<(string Queue, string? FeedsInto)> queues, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(progress);
        var rabbit = services.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.RabbitMq;
        var inUse = new List<QueueUse>();
        await using (var connection = await RabbitMqTopology.ConnectAsync(rabbit, $"{bench} (queue check)", cancellationToken))
        {
            foreach (var (queue, feedsInto) in queues)
            {
                if (await ReadAsync(connection, queue, feedsInto, cancellationToken) is { InUse: true } use)
                {
                    inUse.Add(use);
                }
            }
        }

        string broker = Printable(rabbit.Uri!);
        if (inUse.Count > 0)
        {
            throw new CliException(Refusal(bench, broker, inUse));
        }

        progress.WriteLine($"{bench}: no consumer and no message in {string.Join(", ", queues.Select(q => q.Queue))} on {broker}; starting.");
    }

    /// <summary>The refusal's text: the bench, the broker, each queue in use with its counts, and <see cref="Advice"/>.</summary>
    public static string Refusal(string bench, string broker, IReadOnlyList<QueueUse> inUse) => string.Create(
        CultureInfo.InvariantCulture,
        $"{bench} refuses to start: {broker} carries traffic that is not this bench's in {string.Join(", ", inUse)}. "
        + $"The bench would take those messages and write them into its pickup directory, and real consumers would take the bench's. {Advice}");

    /// <summary>The queue's counts, or null when it does not exist.</summary>
    private static async Task<QueueUse?> ReadAsync(IConnection connection, string queue, string? feedsInto, CancellationToken cancellationToken)
    {
        // A passive declare of a missing queue closes its channel: one channel per queue.
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            return new QueueUse(queue, declared.ConsumerCount, declared.MessageCount, feedsInto);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == NotFound)
        {
            return null;
        }
    }

    /// <summary>The broker's address without its user and password (the refusal is printed).</summary>
    private static string Printable(Uri broker) => new UriBuilder(broker) { UserName = string.Empty, Password = string.Empty }.Uri.ToString();
}
