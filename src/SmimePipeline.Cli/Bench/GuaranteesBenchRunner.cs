using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Messaging;
using SmimePipeline.Messaging.ProducerClaims;

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
/// a publish span whose context travels in a <c>traceparent</c> header, and the consume span under it
/// (<see cref="RabbitMqClientGuarantees"/>). With <c>--via masstransit</c> (session 19) the same guarantees' work
/// (<see cref="GuaranteesMailHandler"/>) is carried by the product's own MassTransit bus instead (<see cref="MassTransitGuarantees"/>):
/// what MassTransit costs per mail beyond them.
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

    /// <summary>The header that carries the publish span's context to the consume span (W3C trace context).</summary>
    public const string TraceHeader = "traceparent";

    /// <summary>The provider name the ledger rows carry (the product's pickup transport's).</summary>
    public const string Provider = PickupDirectoryTransport.TransportName;

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
    /// <param name="prefetch">The consumer's prefetch (<see cref="GuaranteesVia.Raw"/> only: MassTransit derives its own).</param>
    /// <param name="concurrency">How many mails the consumer handles at once, at most <paramref name="prefetch"/> (<see cref="GuaranteesVia.Raw"/>
    /// only: through MassTransit the signer's <c>Signer:InFlight</c>).</param>
    /// <param name="switches">The guarantees kept (<see cref="GuaranteeSwitches.All"/> for the ceiling).</param>
    /// <param name="brokerPid">The broker's process on this machine, for its CPU per mail; null for none.</param>
    /// <param name="progress">Where progress is written.</param>
    /// <param name="rate">0 to publish the measured mails flat out, or mails per second to publish them at (the warm-up is
    /// always flat out): the broker's work per mail at <c>bench pipeline</c>'s pace (issue 17, session 19).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <param name="workDirectory">Where the run's directory is made and left (<see cref="BenchWorkDirectory"/>); null: a temporary one, deleted at the end.</param>
    /// <param name="via">What carries the mails: RabbitMQ.Client directly, or the product's MassTransit bus.</param>
    /// <param name="largeEvery">0, or N: every Nth mail is a large one (≈1.5 MB, <c>bench pipeline</c>'s large mail and rule;
    /// issue 17, session 20): its command through the queue inline (or by claim, <paramref name="postgres"/>), the pre-made
    /// protected large mail as its pickup file; small and large mails' publish → file latencies reported apart.
    /// <see cref="GuaranteesVia.Raw"/> only.</param>
    /// <param name="postgres">Null, or a PostgreSQL connection string: large commands go through the product's producer
    /// claim store there (<see cref="GuaranteesProducerClaims"/>), as <c>bench pipeline --postgres</c> sends them.
    /// <see cref="GuaranteesVia.Raw"/> only.</param>
    /// <param name="tracing">How MassTransit's spans are made and whether spans are counted; null: the product's setting (<see cref="BenchTracing.ProductDefault"/>).</param>
    /// <param name="allocationsByType">Sample the measured run's allocated bytes by type (<see cref="AllocationSampler"/>).</param>
    /// <exception cref="Commands.CliException">No mail came through for a minute, or a mail's hand-over failed.</exception>
    public static async Task<GuaranteesBenchResult> RunAsync(
        Uri rabbitMq, int messages, int warmup, BenchMessageSize size, int inFlight, int prefetch, int concurrency, GuaranteeSwitches switches, int? brokerPid,
        TextWriter progress, CancellationToken cancellationToken, string? workDirectory = null, GuaranteesVia via = GuaranteesVia.Raw, double rate = 0,
        int largeEvery = 0, string? postgres = null, BenchTracing? tracing = null, bool allocationsByType = false)
    {
        tracing ??= BenchTracing.ProductDefault;
        ArgumentNullException.ThrowIfNull(switches);
        ArgumentNullException.ThrowIfNull(progress);
        if (via != GuaranteesVia.Raw && (largeEvery > 0 || postgres is not null))
        {
            throw new Commands.CliException("--large-every and --postgres are for --via raw: the guarantees alone beside large mails (target 2's ceiling).");
        }

        var root = BenchWorkDirectory.Create("smime-guarantees-", workDirectory);
        try
        {
            // bench pipeline's mail, to its demo addresses: the same command bytes on the wire (39,772 B for standard).
            var template = BenchMail.Create(size, "sender@" + DemoPki.Domain, "alice@" + DemoPki.Domain, Guid.Empty);
            byte[] command = ProtectEmailBinaryWriter.Write(template);
            var sample = ProtectedSample(BenchMail.Create(size, BenchCertificateStore.SenderAddress, BenchCertificateStore.RecipientAddress, Guid.NewGuid()));
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"smime bench guarantees via {Name(via)}: {command.Length} B per command, {sample.Content.Length} B protected; guarantees off: {switches}."));
            // Target 2's large mail (session 20): bench pipeline's ≈1.5 MB mail, its command as the client sends it (the
            // binary ProtectEmail inline, or by claim: a 24-byte preamble and the same body), its protection made once.
            var largeTemplate = BenchMail.Create(BenchMessageSize.Large, "sender@" + DemoPki.Domain, "alice@" + DemoPki.Domain, Guid.Empty);
            byte[]? largeCommand = largeEvery > 0 && postgres is null ? ProtectEmailBinaryWriter.Write(largeTemplate) : null;
            await using var claims = postgres is null ? null : await GuaranteesProducerClaims.StartAsync(postgres, ProtectClaimContent.Write(largeTemplate), cancellationToken);
            var largeSample = largeEvery > 0 ? ProtectedSample(BenchMail.Create(BenchMessageSize.Large, BenchCertificateStore.SenderAddress, BenchCertificateStore.RecipientAddress, Guid.NewGuid())) : null;
            if (largeSample is not null)
            {
                progress.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"smime bench guarantees: every {largeEvery}th mail large: {(claims is null ? $"{largeCommand!.Length} B command inline" : $"{claims.ContentBytes} B claim in PostgreSQL")}, {largeSample.Content.Length} B protected."));
            }

            var outbox = Directory.CreateDirectory(Path.Combine(root.FullName, "outbox")).FullName;
            // Raw: the product's data-layer classes made here. Through MassTransit: the worker's registration makes them.
            using var ledger = via == GuaranteesVia.Raw && switches.Ledger ? new SqliteDeliveryLedger(Path.Combine(root.FullName, "ledger", "delivery-ledger.db")) : null;
            await using IGuaranteesCarrier carrier = via == GuaranteesVia.Raw
                ? await RabbitMqClientGuarantees.StartAsync(
                    rabbitMq,
                    command,
                    new GuaranteesMailHandler(
                        sample.Content, new PickupDirectoryTransport(Options.Create(new PickupDirectoryOptions { Directory = outbox })), ledger, switches, largeSample?.Content, claims),
                    inFlight,
                    prefetch,
                    concurrency,
                    switches.Quorum,
                    cancellationToken,
                    largeCommand,
                    claims)
                : await MassTransitGuarantees.StartAsync(rabbitMq, root.FullName, template, sample, switches, inFlight, progress, tracing.MassTransitSpans, cancellationToken);
            var handler = carrier.Handler;

            if (warmup > 0)
            {
                await RunPhaseAsync(carrier, warmup, cancellationToken, largeEvery: largeEvery);
                progress.WriteLine($"smime bench guarantees: {warmup} warm-up mails through.");
            }

            var settle = warmup > 0 ? await JitSettle.WaitAsync(TimeProvider.System, cancellationToken) : JitSettle.None;
            progress.WriteLine(warmup > 0 ? $"smime bench guarantees: {settle}; measuring." : "smime bench guarantees: measuring.");
            long eventsBefore = handler.EventsConfirmed;
            // --count-spans: every span of the measured run by source and name, recorded or not (session 20).
            using var census = tracing.CountSpans ? new SpanCensus() : null;
            // --allocations-by-type: the measured run's bytes by type, sampled from the GC's allocation ticks (session 21).
            using var sampler = allocationsByType ? new AllocationSampler() : null;
            sampler?.Start();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = new MachineCpuTime();
            var rusage = new ProcessRusage();
            long workItemsBefore = ThreadPool.CompletedWorkItemCount;
            var cores = new CoreCpuTime();
            var broker = brokerPid is { } pid ? new ProcessCpuTime(pid) : null;
            var postgresServer = postgres is null ? null : await PipelineBenchRunner.StartPostgresMeterAsync(postgres, progress, cancellationToken, "guarantees");
            var phase = await RunPhaseAsync(carrier, messages, cancellationToken, rate, largeEvery);
            var processCpu = cpu.ProcessElapsed;
            var machineCpu = cpu.MachineElapsed;
            var brokerCpu = broker?.Elapsed;
            var postgresCpu = postgresServer?.Elapsed;
            var switchesSeen = rusage.Elapsed;
            long workItems = ThreadPool.CompletedWorkItemCount - workItemsBefore;
            var coreUtilisation = cores.Utilisation;
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            sampler?.Stop();
            long eventsConfirmed = handler.EventsConfirmed - eventsBefore;

            long left = await carrier.StopAsync(cancellationToken);
            int files = phase.Ids.Count(id => File.Exists(handler.Pickup.PathFor(id)));
            int? accepted = handler.Ledger is { } kept ? await CountAcceptedAsync(kept, phase.Ids, cancellationToken) : null;
            int? claimsDeleted = claims is null ? null : await PipelineBenchRunner.DeleteConsumedClaimsAsync(claims.Ids, claims.ConnectionString, progress, cancellationToken, "guarantees");
            var latencies = phase.Latencies.Order().ToList();
            var (smallToFile, largeToFile) = phase.FileLatencies(handler.Pickup.PathFor);
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
                sample.Content.Length,
                via == GuaranteesVia.Raw ? (switches.Events ? EventBodyBytes : []) : null,
                inFlight,
                carrier.Prefetch,
                carrier.Concurrency,
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
                Via = Name(via),
                CoreUtilisation = coreUtilisation,
                VoluntarySwitchesPerMail = Math.Round((double)switchesSeen.VoluntarySwitches / messages, 2),
                AllocatedBytesPerMail = Math.Round((double)allocated / messages),
                ThreadPoolWorkItemsPerMail = Math.Round((double)workItems / messages, 2),
                PublishRate = rate,
                LargeEvery = largeEvery,
                LargeDelivered = largeToFile.Count,
                LatenciesMilliseconds = [.. smallToFile.Select(x => Math.Round(x, 1))],
                SmallLatencyP50Milliseconds = Math.Round(StageLatency.Percentile(smallToFile, 0.50), 1),
                SmallLatencyP99Milliseconds = Math.Round(StageLatency.Percentile(smallToFile, 0.99), 1),
                LargeLatencyP50Milliseconds = Math.Round(StageLatency.Percentile(largeToFile, 0.50), 1),
                LargeLatencyP99Milliseconds = Math.Round(StageLatency.Percentile(largeToFile, 0.99), 1),
                LargeCommandBytes = largeEvery > 0 ? claims?.ContentBytes ?? largeCommand?.Length : null,
                LargeQueueBodyBytes = largeEvery > 0 && carrier is RabbitMqClientGuarantees raw ? raw.LargeBodyBytes : null,
                LargeProtectedBytes = largeSample?.Content.Length,
                ProducerClaimCheck = claims is not null,
                ProducerClaimsDeleted = claimsDeleted,
                PostgresCpuMillisecondsPerMail = postgresCpu is { } pg ? Math.Round(pg.TotalMilliseconds / messages, 3) : null,
                MassTransitSpans = via == GuaranteesVia.MassTransit ? BenchTracing.Name(tracing.MassTransitSpans) : null,
                Spans = census?.PerMail(messages),
                AllocationsByType = sampler?.PerMail(messages, 100),
            };
        }
        finally
        {
            root.Dispose();
        }
    }

    /// <summary>The name of <paramref name="via"/> on the command line and in the report: <c>raw</c> or <c>masstransit</c>.</summary>
    public static string Name(GuaranteesVia via) => via.ToString().ToLowerInvariant();

    /// <summary>A real protection of <paramref name="mail"/> with the bench's RSA-2048 signer and recipient, done once before any mail flows: its bytes (and, for the events, what it was protected with).</summary>
    private static ProtectedMail ProtectedSample(Contracts.ProtectEmail mail)
    {
        using var store = new BenchCertificateStore("rsa2048");
        using var services = Commands.CertificateServices.Build(o => o.StorePath = store.StorePath, o => o.Cipher = ProtectBenchRunner.ResolveCipher("aes256-cbc"), null);
        return ProtectBenchRunner.ProtectOnce(services.GetRequiredService<SmimeProtector>(), mail);
    }

    /// <summary>
    /// Publishes <paramref name="count"/> mails (every <paramref name="largeEvery"/>th a large one) and waits until each was
    /// handled; fails when none comes through for <see cref="StallTimeout"/>.
    /// </summary>
    private static async Task<GuaranteesPhase> RunPhaseAsync(IGuaranteesCarrier carrier, int count, CancellationToken cancellationToken, double rate = 0, int largeEvery = 0)
    {
        var phase = new GuaranteesPhase(count, largeEvery);
        carrier.Handler.Current = phase;
        await carrier.PublishAsync(phase, rate, cancellationToken);
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
    private static async Task<int> CountAcceptedAsync(IDeliveryLedger ledger, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        int accepted = 0;
        foreach (var id in ids)
        {
            accepted += await ledger.FindAsync(id, cancellationToken) is { State: DeliveryLedgerState.Accepted } ? 1 : 0;
        }

        return accepted;
    }
}
