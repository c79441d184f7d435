using System.Diagnostics;
using System.Security.Cryptography;
using MassTransit;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// <c>smime bench confirm</c>: how long the broker takes to confirm one publish, and how that grows with the number of
/// publishes in flight, through RabbitMQ.Client 7 directly (one channel with publisher-confirm tracking, as MassTransit
/// 8.5 creates it) and through a MassTransit bus's send endpoint, into one durable queue (quorum by default) that a
/// consumer on its own connection drains with manual acks, as the pipeline's consumers do. Every publish is persistent
/// and awaited; nothing is bought with safety. Separates what the broker costs (the same latency through both clients)
/// from what the client adds, and gives the capacity model its per-hop residence time.
/// </summary>
internal static class ConfirmProbeRunner
{
    /// <summary>The queue, and the fanout exchange of the same name bound to it, that the probe uses (deleted at the end).</summary>
    private const string QueuePrefix = "smime-bench-confirm-";

    /// <summary>The consumer's prefetch: large enough that the queue never holds more than a few messages.</summary>
    private const ushort ConsumerPrefetch = 200;

    /// <param name="rabbitMq">The broker.</param>
    /// <param name="quorum">A quorum queue (as the pipeline's) or a classic one (for comparison).</param>
    /// <param name="bodyBytes">The body of each publish (MassTransit's envelope adds base64 and headers).</param>
    /// <param name="inFlight">The numbers of publishes in flight to measure, in order.</param>
    /// <param name="clients">Which clients: <c>rabbitmq-client</c>, <c>masstransit</c>, or both, in order.</param>
    /// <param name="seconds">Measured seconds per level, after <paramref name="warmupSeconds"/> not counted.</param>
    /// <param name="warmupSeconds">Seconds of each level before measuring.</param>
    /// <param name="brokerPid">The broker's process on this machine, for its CPU per publish; null for none.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <exception cref="RabbitMQ.Client.Exceptions.BrokerUnreachableException">The broker cannot be reached.</exception>
    /// <exception cref="Commands.CliException">A level confirmed no publish that started within it (the level is shorter than one confirm).</exception>
    public static async Task<ConfirmProbeResult> RunAsync(
        Uri rabbitMq, bool quorum, int bodyBytes, IReadOnlyList<int> inFlight, IReadOnlyList<string> clients, double seconds, double warmupSeconds,
        int? brokerPid, CancellationToken cancellationToken)
    {
        string queue = QueuePrefix + (quorum ? "quorum" : "classic");
        var factory = new ConnectionFactory { Uri = rabbitMq, ClientProvidedName = "smime bench confirm" };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await using var consumerConnection = await factory.CreateConnectionAsync(cancellationToken);
        await using (var setup = await connection.CreateChannelAsync(cancellationToken: cancellationToken))
        {
            await setup.QueueDeleteAsync(queue, cancellationToken: cancellationToken);
            await setup.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            var arguments = new Dictionary<string, object?> { ["x-queue-type"] = quorum ? "quorum" : "classic" };
            await setup.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
            await setup.QueueBindAsync(queue, queue, string.Empty, cancellationToken: cancellationToken);
        }

        var drain = new DrainCounter();
        await using var consumerChannel = await consumerConnection.CreateChannelAsync(cancellationToken: cancellationToken);
        await consumerChannel.BasicQosAsync(0, ConsumerPrefetch, global: false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            drain.Add(delivery.Body.Length);
            await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
        };
        await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);

        var body = RandomNumberGenerator.GetBytes(bodyBytes);
        var levels = new List<ConfirmProbeLevel>();
        try
        {
            foreach (var client in clients)
            {
                if (client == "masstransit")
                {
                    using var host = BuildBus(rabbitMq);
                    await host.StartAsync(cancellationToken);
                    try
                    {
                        var endpoint = await host.Services.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(new Uri($"exchange:{queue}"));
                        var message = new ConfirmProbeMessage(body);
                        // The first send declares the exchange and opens the channel: not part of any level.
                        await endpoint.Send(message, cancellationToken);
                        foreach (int n in inFlight)
                        {
                            levels.Add(await MeasureLevelAsync(client, n, ct => endpoint.Send(message, ct), seconds, warmupSeconds, brokerPid, drain, cancellationToken));
                        }
                    }
                    finally
                    {
                        await host.StopAsync(CancellationToken.None);
                    }
                }
                else
                {
                    // As MassTransit 8.5 opens its channels (RabbitMqConnectionContext.CreateChannel): confirms on, tracked by the client.
                    await using var channel = await connection.CreateChannelAsync(
                        new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
                    var properties = new BasicProperties { Persistent = true, ContentType = "application/octet-stream" };
                    await channel.BasicPublishAsync(queue, string.Empty, mandatory: false, properties, body, cancellationToken);
                    foreach (int n in inFlight)
                    {
                        levels.Add(await MeasureLevelAsync(
                            client, n, ct => channel.BasicPublishAsync(queue, string.Empty, mandatory: false, properties, body, ct).AsTask(), seconds, warmupSeconds, brokerPid, drain, cancellationToken));
                    }
                }
            }
        }
        finally
        {
            await consumerChannel.CloseAsync(CancellationToken.None);
            await using var cleanup = await connection.CreateChannelAsync(cancellationToken: CancellationToken.None);
            await cleanup.QueueDeleteAsync(queue, cancellationToken: CancellationToken.None);
            await cleanup.ExchangeDeleteAsync(queue, cancellationToken: CancellationToken.None);
        }

        return new ConfirmProbeResult(quorum ? "quorum" : "classic", bodyBytes, levels);
    }

    /// <summary>A bus that only sends, as a producer's (no receive endpoints), on <paramref name="rabbitMq"/>.</summary>
    private static IHost BuildBus(Uri rabbitMq)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        BenchLogging.AddTo(builder.Logging);
        builder.Services.AddMassTransit(bus => bus.UsingRabbitMq((_, cfg) => cfg.ConfigureRabbitMqHost(new RabbitMqOptions { Uri = rabbitMq })));
        return builder.Build();
    }

    /// <summary>
    /// Runs <paramref name="inFlight"/> loops of publish-and-await for <paramref name="warmupSeconds"/> + <paramref name="seconds"/>
    /// and reports the publishes started after the warm-up.
    /// </summary>
    private static async Task<ConfirmProbeLevel> MeasureLevelAsync(
        string client, int inFlight, Func<CancellationToken, Task> publish, double seconds, double warmupSeconds, int? brokerPid, DrainCounter drain,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var measureFrom = TimeSpan.FromSeconds(warmupSeconds);
        var end = measureFrom + TimeSpan.FromSeconds(seconds);
        var latencies = new List<double>[inFlight];
        var lastConfirm = new TimeSpan[inFlight];
        var loops = new Task[inFlight];
        for (int i = 0; i < inFlight; i++)
        {
            int loop = i;
            latencies[loop] = [];
            loops[loop] = Task.Run(
                async () =>
                {
                    while (clock.Elapsed < end)
                    {
                        var start = clock.Elapsed;
                        await publish(cancellationToken);
                        var done = clock.Elapsed;
                        if (start >= measureFrom)
                        {
                            latencies[loop].Add((done - start).TotalMilliseconds);
                            lastConfirm[loop] = done;
                        }
                    }
                },
                cancellationToken);
        }

        await Task.Delay(measureFrom, cancellationToken);
        var broker = brokerPid is { } pid ? new ProcessCpuTime(pid) : null;
        var drained = drain.Snapshot();
        await Task.WhenAll(loops);
        var brokerCpu = broker?.Elapsed;
        var (messages, bytes) = drain.Since(drained);
        var all = latencies.SelectMany(l => l).ToList();
        if (all.Count == 0)
        {
            throw new Commands.CliException(
                $"smime bench confirm: no publish through {client} at {inFlight} in flight was both started and confirmed within the measured {seconds} s; the broker answers slower than that: lengthen --seconds.");
        }

        double measured = Math.Max((lastConfirm.Max() - measureFrom).TotalSeconds, 0.001);
        return new ConfirmProbeLevel(
            client,
            inFlight,
            all.Count,
            Math.Round(measured, 3),
            Math.Round(all.Count / measured, 1),
            StageLatency.Of(all),
            messages == 0 ? 0 : Math.Round((double)bytes / messages, 0),
            brokerCpu is { } b && all.Count > 0 ? Math.Round(b.TotalMilliseconds / all.Count, 3) : null);
    }

    /// <summary>Messages and bytes the probe's consumer received, read without locks by the measuring loop.</summary>
    private sealed class DrainCounter
    {
        private long _messages;
        private long _bytes;

        public void Add(int bytes)
        {
            Interlocked.Increment(ref _messages);
            Interlocked.Add(ref _bytes, bytes);
        }

        public (long Messages, long Bytes) Snapshot() => (Interlocked.Read(ref _messages), Interlocked.Read(ref _bytes));

        public (long Messages, long Bytes) Since((long Messages, long Bytes) before)
        {
            var now = Snapshot();
            return (now.Messages - before.Messages, now.Bytes - before.Bytes);
        }
    }
}
