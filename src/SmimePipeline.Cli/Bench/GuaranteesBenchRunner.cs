using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Messaging;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// <c>smime bench guarantees</c> (issue 17, session 15): what the delivery guarantees alone cost the machine per mail,
/// with no product code on the bus path — RabbitMQ.Client directly, no MassTransit, no MimeKit, no BouncyCastle, no
/// cryptography. A producer publishes the standard mail's binary <c>ProtectEmail</c> bytes (persistent, publisher
/// confirms, a sliding window of publishes in flight) into a durable quorum queue behind a fanout exchange of the same
/// name (MassTransit's layout); a consumer with manual acks and the signer's prefetch "protects" each mail by copying a
/// pre-made protected mail of the real protected size, claims its hand-over in the delivery ledger, writes it into a
/// pickup directory (file <c>fsync</c>, rename, the directory's <c>fsync</c> shared by the mails renamed meanwhile),
/// records the acceptance, publishes the two per-mail events (persistent, confirmed, to fanout exchanges with no queue
/// bound, as <c>bench pipeline</c> leaves <c>EmailProtected</c> and <c>EmailDelivered</c>), then acks. One trace per mail:
/// a publish span whose context travels in a <c>traceparent</c> header, and the consume span under it.
/// </summary>
/// <remarks>
/// The ledger is the product's <see cref="SqliteDeliveryLedger"/> and the pickup file the product's
/// <see cref="PickupDirectoryTransport"/>: both are plain data-layer classes (SQLite statements, file calls) whose work is
/// the guarantee itself — the same SQLite settings (WAL, <c>synchronous = NORMAL</c>, prepared statements) and the same
/// group-commit rule — so using them measures the guarantee, not a second implementation of it. With the fsync switched
/// off the file is written and renamed with nothing flushed (only for the breakdown).
/// </remarks>
internal static class GuaranteesBenchRunner
{
    /// <summary>
    /// The mails the consumer handles at once: the signer's in <c>bench pipeline</c> on 2 cores, <c>Signer:InFlight</c> = 16 per
    /// protect slot × 2 (MassTransit's concurrent message limit).
    /// </summary>
    public const int DefaultConcurrency = 32;

    /// <summary>
    /// The consumer's prefetch: what MassTransit asks for a limit of 32, read from RabbitMQ's consumer list while
    /// <c>bench pipeline</c> ran (<c>smime-protect</c>: 38, i.e. 1.2 × the limit, rounded up).
    /// </summary>
    public const int DefaultPrefetch = 38;

    /// <summary>
    /// The two events' bodies as <c>bench pipeline</c> puts them on the wire (MassTransit's JSON envelope of
    /// <c>EmailProtected</c> and <c>EmailDelivered</c> for a standard mail, host information included): 1,371 and 1,241 bytes,
    /// read from a queue bound to both exchanges during a product run (README, "Issue 17, session 15").
    /// </summary>
    public static readonly IReadOnlyList<int> EventBodyBytes = [1_371, 1_241];

    private const string QueuePrefix = "smime-guarantees-";
    /// <summary>The header that carries the publish span's context to the consume span (W3C trace context).</summary>
    public const string TraceHeader = "traceparent";

    /// <summary>The provider name the ledger rows carry (the product's pickup transport's).</summary>
    public const string Provider = PickupDirectoryTransport.TransportName;

    /// <summary>The event exchanges (fanout, durable, nothing bound: the broker routes each event nowhere and confirms it).</summary>
    public static readonly IReadOnlyList<string> EventExchanges = [QueuePrefix + "email-protected", QueuePrefix + "email-delivered"];

    /// <summary>How long the run waits when no mail comes through before it fails.</summary>
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The name of <see cref="Source"/>.</summary>
    public const string SourceName = "SmimePipeline.Cli.Bench.Guarantees";

    /// <summary>The bench's ActivitySource: a publish span and a consume span per mail, one trace.</summary>
    public static readonly ActivitySource Source = new(SourceName);

    /// <param name="rabbitMq">The broker (the same as <c>bench pipeline</c>'s).</param>
    /// <param name="messages">Mails in the measured run.</param>
    /// <param name="warmup">Mails sent through first, not counted; the JIT is then given time to go quiet (<see cref="JitSettle"/>).</param>
    /// <param name="size">Whose bytes travel: the mail of this size as the bench's binary <c>ProtectEmail</c>.</param>
    /// <param name="inFlight">Publishes the producer keeps in flight.</param>
    /// <param name="prefetch">The consumer's prefetch.</param>
    /// <param name="concurrency">How many mails the consumer handles at once (at most <paramref name="prefetch"/>).</param>
    /// <param name="switches">The guarantees kept (<see cref="GuaranteeSwitches.All"/> for the ceiling).</param>
    /// <param name="brokerPid">The broker's process on this machine, for its CPU per mail; null for none.</param>
    /// <param name="progress">Where progress is written.</param>
    /// <param name="rate">0 to publish the measured mails flat out, or mails per second to publish them at (the warm-up is
    /// always flat out): the broker's work per mail at <c>bench pipeline</c>'s pace (issue 17, session 19).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <param name="workDirectory">Where the run's directory is made and left (<see cref="BenchWorkDirectory"/>); null: a temporary one, deleted at the end.</param>
    /// <exception cref="Commands.CliException">No mail came through for a minute, or a mail's hand-over failed.</exception>
    public static async Task<GuaranteesBenchResult> RunAsync(
        Uri rabbitMq, int messages, int warmup, BenchMessageSize size, int inFlight, int prefetch, int concurrency, GuaranteeSwitches switches, int? brokerPid,
        TextWriter progress, CancellationToken cancellationToken, string? workDirectory = null, double rate = 0)
    {
        ArgumentNullException.ThrowIfNull(switches);
        ArgumentNullException.ThrowIfNull(progress);
        var root = BenchWorkDirectory.Create("smime-guarantees-", workDirectory);
        try
        {
            // bench pipeline's mail, to its demo addresses: the same command bytes on the wire (39,772 B for standard).
            var template = BenchMail.Create(size, "sender@" + DemoPki.Domain, "alice@" + DemoPki.Domain, Guid.Empty);
            byte[] command = ProtectEmailBinaryWriter.Write(template);
            byte[] protectedMail = ProtectedSample(BenchMail.Create(size, BenchCertificateStore.SenderAddress, BenchCertificateStore.RecipientAddress, Guid.NewGuid()));
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"smime bench guarantees: {command.Length} B per command, {protectedMail.Length} B protected; guarantees off: {switches}."));
            var outbox = Directory.CreateDirectory(Path.Combine(root.FullName, "outbox")).FullName;
            using var ledger = switches.Ledger ? new SqliteDeliveryLedger(Path.Combine(root.FullName, "ledger", "delivery-ledger.db")) : null;
            var pickup = new PickupDirectoryTransport(Options.Create(new PickupDirectoryOptions { Directory = outbox }));
            using var traces = new ActivityListener
            {
                ShouldListenTo = source => source.Name == SourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(traces);

            string queue = QueuePrefix + (switches.Quorum ? "quorum" : "classic");
            var factory = new ConnectionFactory { Uri = rabbitMq, ClientProvidedName = "smime bench guarantees" };
            await using var producerConnection = await factory.CreateConnectionAsync(cancellationToken);
            await using var consumerConnection = await factory.CreateConnectionAsync(cancellationToken);
            await DeclareAsync(producerConnection, queue, switches.Quorum, cancellationToken);

            var handler = new GuaranteesMailHandler(protectedMail, pickup, ledger, switches);
            // Events go out on the consumer's connection, on a channel of their own with tracked confirms (as MassTransit
            // publishes from a consume context); the producer's channel likewise.
            await using var eventChannel = await consumerConnection.CreateChannelAsync(ConfirmedChannel(), cancellationToken);
            handler.Events = eventChannel;
            await using var consumerChannel = await consumerConnection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: checked((ushort)Math.Min(concurrency, prefetch))),
                cancellationToken);
            await consumerChannel.BasicQosAsync(0, checked((ushort)prefetch), global: false, cancellationToken);
            var consumer = new AsyncEventingBasicConsumer(consumerChannel);
            consumer.ReceivedAsync += (_, delivery) => handler.HandleAsync(consumerChannel, delivery);
            string tag = await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
            await using var producerChannel = await producerConnection.CreateChannelAsync(ConfirmedChannel(), cancellationToken);
            var producer = new Producer(producerChannel, queue, command, inFlight);

            if (warmup > 0)
            {
                await RunPhaseAsync(handler, producer, warmup, cancellationToken);
                progress.WriteLine($"smime bench guarantees: {warmup} warm-up mails through.");
            }

            var settle = warmup > 0 ? await JitSettle.WaitAsync(TimeProvider.System, cancellationToken) : JitSettle.None;
            progress.WriteLine(warmup > 0 ? $"smime bench guarantees: {settle}; measuring." : "smime bench guarantees: measuring.");
            long eventsBefore = handler.EventsConfirmed;
            var cpu = new MachineCpuTime();
            var cores = new CoreCpuTime();
            var broker = brokerPid is { } pid ? new ProcessCpuTime(pid) : null;
            var phase = await RunPhaseAsync(handler, producer, messages, cancellationToken, rate);
            var processCpu = cpu.ProcessElapsed;
            var machineCpu = cpu.MachineElapsed;
            var brokerCpu = broker?.Elapsed;
            var coreUtilisation = cores.Utilisation;
            long eventsConfirmed = handler.EventsConfirmed - eventsBefore;

            await consumerChannel.BasicCancelAsync(tag, cancellationToken: cancellationToken);
            long left;
            await using (var check = await producerConnection.CreateChannelAsync(cancellationToken: cancellationToken))
            {
                var declared = await check.QueueDeclarePassiveAsync(queue, cancellationToken);
                left = declared.MessageCount;
            }

            int files = phase.Ids.Count(id => File.Exists(pickup.PathFor(id)));
            int? accepted = ledger is null ? null : await CountAcceptedAsync(ledger, phase.Ids, cancellationToken);
            var latencies = phase.Latencies.Order().ToList();
            double seconds = Math.Max(phase.Seconds, 0.001);
            return new GuaranteesBenchResult(
                size.ToString().ToLowerInvariant(),
                messages,
                phase.Delivered,
                phase.Duplicates,
                files,
                accepted,
                eventsConfirmed,
                left,
                Math.Round(seconds, 3),
                Math.Round(phase.Delivered / seconds, 1),
                command.Length,
                protectedMail.Length,
                switches.Events ? EventBodyBytes : [],
                inFlight,
                prefetch,
                Math.Min(concurrency, prefetch),
                switches.ToString(),
                Environment.ProcessorCount,
                Math.Round(processCpu.TotalMilliseconds / messages, 3),
                brokerCpu is { } b ? Math.Round(b.TotalMilliseconds / messages, 3) : null,
                machineCpu is { } m ? Math.Round(m.TotalMilliseconds / messages, 3) : null,
                Math.Round(StageLatency.Percentile(latencies, 0.50), 1),
                Math.Round(StageLatency.Percentile(latencies, 0.99), 1),
                BenchRuntime.Current(),
                settle,
                phase.SampleTraceId ?? "(none)")
            {
                CoreUtilisation = coreUtilisation,
                PublishRate = rate,
            };
        }
        finally
        {
            root.Dispose();
        }
    }

    /// <summary>A real protection of <paramref name="mail"/> with the bench's RSA-2048 signer and recipient, done once before any mail flows: only its bytes are used.</summary>
    private static byte[] ProtectedSample(Contracts.ProtectEmail mail)
    {
        using var store = new BenchCertificateStore("rsa2048");
        using var services = Commands.CertificateServices.Build(o => o.StorePath = store.StorePath, o => o.Cipher = ProtectBenchRunner.ResolveCipher("aes256-cbc"), null);
        return ProtectBenchRunner.ProtectOnce(services.GetRequiredService<SmimeProtector>(), mail);
    }

    private static CreateChannelOptions ConfirmedChannel() => new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

    /// <summary>The work queue afresh (quorum or classic), its fanout exchange, and the event exchanges.</summary>
    private static async Task DeclareAsync(IConnection connection, string queue, bool quorum, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.QueueDeleteAsync(queue, cancellationToken: cancellationToken);
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = quorum ? "quorum" : "classic" };
        await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(queue, queue, string.Empty, cancellationToken: cancellationToken);
        foreach (var exchange in EventExchanges)
        {
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        }
    }

    /// <summary>Publishes <paramref name="count"/> mails and waits until each was handled; fails when none comes through for <see cref="StallTimeout"/>.</summary>
    private static async Task<GuaranteesPhase> RunPhaseAsync(GuaranteesMailHandler handler, Producer producer, int count, CancellationToken cancellationToken, double rate = 0)
    {
        var phase = new GuaranteesPhase(count);
        handler.Current = phase;
        await producer.PublishAsync(phase, rate, cancellationToken);
        var stalled = Stopwatch.StartNew();
        int last = -1;
        while (!phase.Done.Task.IsCompleted)
        {
            int now = phase.Delivered;
            if (now != last)
            {
                (last, stalled) = (now, Stopwatch.StartNew());
            }
            else if (stalled.Elapsed > StallTimeout)
            {
                throw new Commands.CliException($"smime bench guarantees: {now} of {count} mails through; none for {StallTimeout.TotalSeconds:F0} s.");
            }

            await Task.WhenAny(phase.Done.Task, Task.Delay(50, cancellationToken));
        }

        await phase.Done.Task;
        return phase;
    }

    /// <summary>How many of <paramref name="ids"/> the ledger records as accepted, read through the ledger itself.</summary>
    private static async Task<int> CountAcceptedAsync(SqliteDeliveryLedger ledger, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        int accepted = 0;
        foreach (var id in ids)
        {
            accepted += await ledger.FindAsync(id, cancellationToken) is { State: DeliveryLedgerState.Accepted } ? 1 : 0;
        }

        return accepted;
    }

    /// <summary>The producer: persistent publishes into the work queue's exchange, a sliding window of confirms in flight.</summary>
    private sealed class Producer(IChannel channel, string exchange, byte[] command, int inFlight)
    {
        public async Task PublishAsync(GuaranteesPhase phase, double rate, CancellationToken cancellationToken)
        {
            using var window = new SemaphoreSlim(inFlight, inFlight);
            var pending = new List<Task>(phase.Count);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < phase.Count; i++)
            {
                // Paced (--rate), as bench pipeline's producer: mail i no earlier than i / rate seconds into the phase.
                if (rate > 0 && TimeSpan.FromSeconds(i / rate) - clock.Elapsed is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                // A sliding window: the next publish starts as soon as any one in flight is confirmed.
                await window.WaitAsync(cancellationToken);
                pending.Add(PublishOneAsync(phase, Guid.NewGuid(), window, cancellationToken));
            }

            await Task.WhenAll(pending);
        }

        private async Task PublishOneAsync(GuaranteesPhase phase, Guid id, SemaphoreSlim window, CancellationToken cancellationToken)
        {
            try
            {
                using var span = Source.StartActivity("guarantees publish", ActivityKind.Producer);
                phase.SampleTraceId ??= span?.TraceId.ToHexString();
                var properties = new BasicProperties
                {
                    Persistent = true,
                    ContentType = "application/vnd.smimepipeline.protect-email; v=1",
                    MessageId = id.ToString("N"),
                    Headers = span is null ? null : new Dictionary<string, object?> { [TraceHeader] = span.Id },
                };
                phase.Published(id);
                await channel.BasicPublishAsync(exchange, string.Empty, mandatory: false, properties, command, cancellationToken);
            }
            finally
            {
                window.Release();
            }
        }
    }
}
