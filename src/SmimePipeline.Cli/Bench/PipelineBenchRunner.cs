using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using SmimePipeline.Cli.Telemetry;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// <c>smime bench pipeline</c>: signer and sender roles in this process on a real RabbitMQ, a pickup
/// directory as the ESP; publishes N mails (a sliding window of publishes in flight, 200 by default) and measures,
/// per mail, the time from the publish call to the moment its file appears (the file's modification time, written
/// atomically by the pickup transport; the publish stamped on the same clock, <see cref="FileTimestampClock"/>), and in between the time of each stage (<see cref="StageRecorder"/>).
/// </summary>
internal static class PipelineBenchRunner
{
    /// <summary>Publishes the bench keeps in flight unless told otherwise (<c>--in-flight</c>).</summary>
    public const int DefaultInFlight = 200;

    /// <summary>With <c>--large-lane</c>, the client's large-mail threshold: the ≈1.5 MB mails take the lane, the rest not.</summary>
    private const int LargeMailLaneThresholdBytes = 256 * 1024;

    /// <summary>How long the run waits when no mail comes through before it reports what arrived.</summary>
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    /// <param name="rabbitMq">The broker.</param>
    /// <param name="messages">Mails to publish.</param>
    /// <param name="size">The size of the mails.</param>
    /// <param name="largeEvery">0, or N: every Nth mail is a large one (≈1.5 MB), and its latency is reported apart.</param>
    /// <param name="rate">0 to publish everything at once, or mails per second to publish at, so that latency
    /// shows the time a mail spends in the pipeline rather than in the queue.</param>
    /// <param name="warmup">Mails sent through and delivered before the measured run (not counted).</param>
    /// <param name="brokerPid">The broker's process on this machine (RabbitMQ's <c>beam.smp</c>), whose CPU time is then
    /// reported per mail; null for none.</param>
    /// <param name="roles">After the run, measure each role's CPU per mail apart (<see cref="PipelineRoles"/>).</param>
    /// <param name="largeMailLane">Whether the client sends mail above 256 KB to the signers' large-mail lane, or
    /// everything to <c>smime-protect</c> (the client's default), to measure the difference.</param>
    /// <param name="format">How the client sends the commands to the signers (binary or MassTransit JSON), to compare.</param>
    /// <param name="inFlight">Publishes kept in flight: a new one starts as soon as one is confirmed.</param>
    /// <param name="stages">Whether to follow every mail stage by stage (<see cref="StageRecorder"/>).</param>
    /// <param name="progress">Where progress and problems are written.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <param name="claimStore">
    /// With a PostgreSQL connection string, the producer claim check (issue 17): the worker's registration creates the
    /// store (<c>SmimePipeline:ProducerClaims</c>) and the client uses it, commands above <paramref name="claimThreshold"/>
    /// travel by claim; null: every command travels inline.
    /// </param>
    /// <param name="claimThreshold">The client's claim check threshold in bytes.</param>
    /// <param name="backlog">0 for an open-loop producer (every mail published as the rate and the window allow), or N: a
    /// closed-loop one that keeps at most N mails between publish and delivery (<see cref="PipelineBacklog"/>).</param>
    /// <param name="largeObjects">Whether to list the objects the run allocated on the large object heap, by type and size
    /// (<see cref="LargeObjectHeapMonitor"/>: the runtime's verbose GC events, one per ≈100 KB allocated, so not for the CPU
    /// figures).</param>
    /// <param name="workDirectory">Where the run's directory is made and left (<see cref="BenchWorkDirectory"/>); null: a temporary one, deleted at the end.</param>
    /// <param name="tracing">How MassTransit's spans are made and whether spans are counted; null: the product's setting (<see cref="BenchTracing.ProductDefault"/>).</param>
    /// <param name="allocationTicks">Whether to check the allocation figure against the runtime's allocation ticks
    /// (<see cref="AllocationTickTotal"/>: verbose GC events, so not for the CPU figures); the heap-count check is always made.</param>
    /// <exception cref="InvalidOperationException"><paramref name="brokerPid"/> names no process whose /proc entry can be read.</exception>
    public static async Task<PipelineBenchResult> RunAsync(
        Uri rabbitMq, int messages, BenchMessageSize size, int largeEvery, double rate, int warmup, int? brokerPid, bool roles, bool largeMailLane,
        ProtectCommandFormat format, int inFlight, bool stages, TextWriter progress, CancellationToken cancellationToken,
        string? claimStore = null, int claimThreshold = SmimePipelineClientOptions.DefaultClaimCheckThresholdBytes, int backlog = 0, bool largeObjects = false, string? workDirectory = null, BenchTracing? tracing = null, bool allocationTicks = false)
    {
        tracing ??= BenchTracing.ProductDefault;
        var root = BenchWorkDirectory.Create("smime-bench-", workDirectory);
        try
        {
            var pki = DemoPki.EnsureCreated(Path.Combine(root.FullName, "pki"));
            var outbox = Directory.CreateDirectory(Path.Combine(root.FullName, "outbox")).FullName;
            var client = ClientOptions(largeMailLane, format, claimStore, claimThreshold);

            // The producer claims this run stores: deleted once consumed, at the end of the measured run (BenchClaimIds).
            var claims = claimStore is null ? null : new BenchClaimIds();
            if (claimStore is not null)
            {
                // The worker creates the claim table at start only for its own PostgreSQL store (ProducerClaimSchema); the
                // bench host holds it inside a RecordingProtectClaimStore, so the table is made here, the same way.
                await using var schema = new PostgresProtectClaimStore(claimStore, 1);
                await schema.EnsureSchemaAsync(cancellationToken);
            }

            var result = await MeasureAsync(rabbitMq, client, root.FullName, pki, outbox, messages, size, largeEvery, rate, warmup, brokerPid, inFlight, backlog, stages, progress, claimStore, claims, largeObjects, allocationTicks, tracing, cancellationToken);
            result = result with { ProducerClaimCheckThresholdBytes = claimStore is null ? null : claimThreshold };
            if (roles)
            {
                var template = BenchMail.Create(size, pki.SenderAddress, pki.RecipientAddresses[0], Guid.Empty);
                result = result with { Roles = await MeasureRolesAsync(rabbitMq, client, root.FullName, pki, outbox, template, messages, brokerPid, inFlight, tracing, progress, cancellationToken) };
            }

            return result;
        }
        finally
        {
            root.Dispose();
        }
    }

    private static async Task<PipelineBenchResult> MeasureAsync(
        Uri rabbitMq, Action<SmimePipelineClientOptions> client, string root, DemoPki pki, string outbox, int messages, BenchMessageSize size, int largeEvery, double rate, int warmup, int? brokerPid,
        int inFlight, int backlog, bool stages, TextWriter progress, string? claimStore, BenchClaimIds? claims, bool largeObjects, bool allocationTicks, BenchTracing tracing, CancellationToken cancellationToken)
    {
        // Listening from before the warm-up: the runtime's event session takes a moment to start.
        using var gcPauses = new GcPauseMonitor();
        using var heapCounts = new GcHeapCountMonitor();
        using var ticks = allocationTicks ? new AllocationTickTotal() : null;
        using var largeObjectHeap = largeObjects ? new LargeObjectHeapMonitor() : null;
        using var host = BuildHost(rabbitMq, client, "Signer,Sender", root, pki, outbox, claims);
        // Before any consumer of the bench starts: not on a broker where real mail flows (BenchQueueGuard). Once, for the
        // whole run: the --roles phases that follow find only this run's own mails.
        await BenchQueueGuard.EnsureUnusedAsync(host.Services, "smime bench pipeline", BenchQueueGuard.QueuesOf(host.Services, []), progress, cancellationToken);
        await host.StartAsync(cancellationToken);
        try
        {
            var telemetry = host.Services.GetRequiredService<SmimeTelemetry>();
            var published = new ConcurrentDictionary<Guid, DateTime>();
            var template = BenchMail.Create(size, pki.SenderAddress, pki.RecipientAddresses[0], Guid.Empty);
            var largeTemplate = BenchMail.Create(BenchMessageSize.Large, pki.SenderAddress, pki.RecipientAddresses[0], Guid.Empty);
            var large = new HashSet<Guid>();
            long warmedUp = await WarmUpAsync(host.Services, telemetry, template, largeTemplate, largeEvery, warmup, progress, cancellationToken);
            // A worker that has run for minutes has no tiering queue left; the measured run should not pay the warm-up's.
            var settle = warmup > 0 ? await JitSettle.WaitAsync(TimeProvider.System, cancellationToken) : JitSettle.None;
            progress.WriteLine(warmup > 0 ? $"smime bench pipeline: {settle}; measuring." : "smime bench pipeline: measuring.");

            using var closedLoop = backlog > 0 ? new PipelineBacklog(backlog) : null;
            var jit = new JitActivity();
            long inProcessBefore = telemetry.InProcessDeliveryAttemptsTotal;
            // Precise at both ends (AllocatedBytesRead), stamped so that the GC's heap count can be read beside each (AllocationCheck).
            var allocatedBefore = AllocatedBytesRead.Now();
            int gen0Before = GC.CollectionCount(0), gen1Before = GC.CollectionCount(1), gen2Before = GC.CollectionCount(2);
            var pauseBefore = GC.GetTotalPauseDuration();
            gcPauses.Start();
            largeObjectHeap?.Reset();
            var clock = Stopwatch.StartNew();
            // On the pickup files' clock, as every publish stamp (FileTimestampClock): the run ends at the last file's time.
            var firstPublish = FileTimestampClock.UtcNow;
            // Each publish stamped on both clocks: how far the files' clock lags, to move fine times onto it (GC pauses, stage starts).
            var fileClock = new FileClockLag(messages);
            var cpu = new MachineCpuTime();
            var rusage = new ProcessRusage();
            long workItemsBefore = ThreadPool.CompletedWorkItemCount;
            var cores = new CoreCpuTime();
            var broker = brokerPid is { } pid ? new ProcessCpuTime(pid) : null;
            var postgres = claimStore is null ? null : await StartPostgresMeterAsync(claimStore, progress, cancellationToken);
            string? sampleTraceId = null;
            // Either every mail is followed stage by stage, or (--no-stages) only the first one is traced, as a sample.
            using var recorder = stages ? new StageRecorder(tracing.MassTransitSpans) : null;
            using var sampleTrace = stages ? null : new SampleTrace();
            // --count-spans: every span of the measured run by source and name, recorded or not (session 20).
            using var census = tracing.CountSpans ? new SpanCensus() : null;
            using (var scope = host.Services.CreateScope())
            {
                var publisher = scope.ServiceProvider.GetRequiredService<ISmimeMailPublisher>();
                using var window = new SemaphoreSlim(inFlight, inFlight);
                var pending = new List<Task>(messages);
                for (int i = 0; i < messages; i++)
                {
                    if (rate > 0 && TimeSpan.FromSeconds(i / rate) - clock.Elapsed is { Ticks: > 0 } wait)
                    {
                        await Task.Delay(wait, cancellationToken);
                    }

                    bool isLarge = IsLarge(i, largeEvery);
                    var mail = (isLarge ? largeTemplate : template) with { MailId = Guid.NewGuid() };
                    if (isLarge)
                    {
                        large.Add(mail.MailId);
                    }

                    // A closed loop (--backlog): the next publish waits until the pipeline has finished a mail.
                    if (closedLoop is not null)
                    {
                        await closedLoop.EnterAsync(cancellationToken);
                    }

                    // A sliding window: the next publish starts as soon as any one in flight is confirmed.
                    await window.WaitAsync(cancellationToken);
                    pending.Add(PublishOneAsync(publisher, mail, i == 0, recorder, window, published, fileClock, id => sampleTraceId = id, cancellationToken));
                }

                await Task.WhenAll(pending);
            }

            long through = await WaitForMailsAsync(telemetry, warmedUp, messages, cancellationToken);
            if (through < messages)
            {
                progress.WriteLine($"smime bench pipeline: no progress for {StallTimeout.TotalSeconds:F0} s at {through}/{messages}; reporting what arrived.");
            }

            var processCpu = cpu.ProcessElapsed;
            var machineCpu = cpu.MachineElapsed;
            var switches = rusage.Elapsed;
            long workItems = ThreadPool.CompletedWorkItemCount - workItemsBefore;
            var brokerCpu = broker?.Elapsed;
            var postgresCpu = postgres?.Elapsed;
            var coreUtilisation = cores.Utilisation;
            var coreInterrupts = cores.InterruptShare;
            long jitMethods = jit.MethodsCompiled;
            var allocatedAfter = AllocatedBytesRead.Now();
            long allocated = allocatedAfter.Bytes - allocatedBefore.Bytes;
            int gen0 = GC.CollectionCount(0) - gen0Before, gen1 = GC.CollectionCount(1) - gen1Before, gen2 = GC.CollectionCount(2) - gen2Before;
            var pauseTotal = GC.GetTotalPauseDuration() - pauseBefore;
            var gcRecord = await gcPauses.StopAsync(TimeSpan.FromSeconds(2), cancellationToken);
            var allocationCheck = AllocationCheck.Judge(
                allocated,
                messages,
                await heapCounts.BetweenAsync(allocatedBefore, allocatedAfter, TimeSpan.FromSeconds(2), cancellationToken),
                ticks is null ? null : await ticks.BetweenAsync(allocatedBefore, allocatedAfter, TimeSpan.FromSeconds(2), cancellationToken),
                Environment.ProcessorCount);
            if (!allocationCheck.Trustworthy)
            {
                // Said where a script's log keeps it, also beside --json: a wrong figure is never silent.
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"smime bench pipeline: allocated per mail {(double)allocated / messages / 1024:F1} KB is {allocationCheck.Reason}"));
            }
            long? largeObjectHeapBytes = largeObjectHeap?.LargeObjectHeapBytes;
            var largeObjectsSeen = largeObjectHeap?.Objects(12);
            var smallMails = new List<(DateTime Published, DateTime Filed)>(messages);
            var jitTime = jit.CompilationTime;
            var latencies = new List<double>(messages);
            var largeLatencies = new List<double>(large.Count);
            var lastFile = firstPublish;
            foreach (var file in Directory.EnumerateFiles(outbox, "*.eml"))
            {
                if (Guid.TryParseExact(Path.GetFileNameWithoutExtension(file), "N", out var id) && published.TryGetValue(id, out var sent))
                {
                    var written = File.GetLastWriteTimeUtc(file);
                    if (large.Contains(id))
                    {
                        largeLatencies.Add((written - sent).TotalMilliseconds);
                    }
                    else
                    {
                        latencies.Add((written - sent).TotalMilliseconds);
                        smallMails.Add((sent, written));
                    }

                    lastFile = written > lastFile ? written : lastFile;
                    if (recorder?.Of(id) is { } timeline)
                    {
                        timeline.FileVisible = written.Ticks;
                    }
                }
            }

            latencies.Sort();
            largeLatencies.Sort();
            int claimsDeleted = claims is null ? 0 : await DeleteConsumedClaimsAsync(claims, claimStore!, progress, cancellationToken);
            int delivered = latencies.Count + largeLatencies.Count;
            double seconds = Math.Max((lastFile - firstPublish).TotalSeconds, 0.001);
            PipelineStages? smallStages = null, largeStages = null, slowestStages = null;
            if (recorder is not null)
            {
                var options = host.Services.GetRequiredService<IOptions<SmimePipelineOptions>>().Value;
                var limits = new PipelineStageReport.Limits(inFlight, options.Signer.EffectiveInFlight, options.Signer.EffectiveConcurrency, options.Sender.Concurrency);
                var all = published.Keys.Select(recorder.Of).OfType<MailTimeline>().ToList();
                smallStages = PipelineStageReport.Of([.. published.Keys.Where(id => !large.Contains(id)).Select(recorder.Of).OfType<MailTimeline>()], limits, all, seconds, fileClock);
                largeStages = large.Count == 0 ? null : PipelineStageReport.Of([.. large.Select(recorder.Of).OfType<MailTimeline>()], seconds: seconds, fileClock: fileClock);
                double p99 = Percentile(latencies, 0.99);
                slowestStages = PipelineStageReport.Of([.. published.Where(p => !large.Contains(p.Key) && recorder.Of(p.Key) is { FileVisible: not 0 } t
                    && (new DateTime(t.FileVisible, DateTimeKind.Utc) - p.Value).TotalMilliseconds >= p99).Select(p => recorder.Of(p.Key)).OfType<MailTimeline>()], fileClock: fileClock);
            }

            return new PipelineBenchResult(
                size.ToString().ToLowerInvariant(),
                messages,
                delivered,
                Math.Round(seconds, 3),
                Math.Round(delivered / seconds, 1),
                Math.Round(Percentile(latencies, 0.50), 1),
                Math.Round(Percentile(latencies, 0.99), 1),
                Math.Round(latencies.Count == 0 ? 0 : latencies[^1], 1),
                telemetry.ProtectedTotal - warmedUp,
                telemetry.FailedTotal,
                sampleTraceId ?? recorder?.FirstTraceId ?? "(tracing off)",
                Environment.ProcessorCount,
                Math.Round(processCpu.TotalMilliseconds / messages, 3),
                machineCpu is { } machine ? Math.Round(machine.TotalMilliseconds / messages, 3) : null,
                largeEvery,
                rate,
                largeLatencies.Count,
                Math.Round(Percentile(largeLatencies, 0.50), 1),
                Math.Round(Percentile(largeLatencies, 0.99), 1))
            {
                BrokerCpuMillisecondsPerMail = brokerCpu is { } b ? Math.Round(b.TotalMilliseconds / messages, 3) : null,
                PostgresCpuMillisecondsPerMail = postgresCpu is { } pg ? Math.Round(pg.TotalMilliseconds / messages, 3) : null,
                LatenciesMilliseconds = [.. latencies.Select(x => Math.Round(x, 1))],
                ProducerClaimsDeleted = claims is null ? null : claimsDeleted,
                Stages = smallStages,
                LargeStages = largeStages,
                SlowestStages = slowestStages,
                ProducerInFlight = inFlight,
                Runtime = BenchRuntime.Current(),
                CoreUtilisation = coreUtilisation,
                CoreInterruptShare = coreInterrupts,
                Backlog = backlog > 0 ? backlog : null,
                JitMethodsCompiled = jitMethods,
                JitMillisecondsPerMail = Math.Round(jitTime.TotalMilliseconds / messages, 3),
                WarmupJitSettle = settle,
                DeliveryAttemptsInProcess = telemetry.InProcessDeliveryAttemptsTotal - inProcessBefore,
                AllocatedBytesPerMail = Math.Round((double)allocated / messages),
                AllocationCheck = allocationCheck,
                Gen0CollectionsPerThousandMails = Math.Round(gen0 * 1000.0 / messages, 2),
                Gen2CollectionsPerThousandMails = Math.Round(gen2 * 1000.0 / messages, 2),
                VoluntarySwitchesPerMail = Math.Round((double)switches.VoluntarySwitches / messages, 2),
                InvoluntarySwitchesPerMail = Math.Round((double)switches.InvoluntarySwitches / messages, 2),
                MinorFaultsPerMail = Math.Round((double)switches.MinorFaults / messages, 2),
                ThreadPoolWorkItemsPerMail = Math.Round((double)workItems / messages, 2),
                Gc = PipelineGcFigures.From(pauseTotal, gcRecord.OnFileClock(fileClock), gen1, messages, smallMails),
                LargeObjectHeapBytesPerMail = largeObjectHeapBytes is { } lohBytes ? Math.Round((double)lohBytes / messages) : null,
                LargeObjects = largeObjectsSeen,
                MassTransitSpans = stages ? BenchTracing.Name(tracing.MassTransitSpans) : null,
                Spans = census?.PerMail(messages),
            };
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// The client library's settings of a bench run: the large-mail lane's threshold (or none), the command format, and the
    /// producer claim check when a PostgreSQL store is given (commands above <paramref name="claimThreshold"/> by claim).
    /// </summary>
    public static Action<SmimePipelineClientOptions> ClientOptions(bool largeMailLane, ProtectCommandFormat format, string? claimStore, int claimThreshold) => o =>
    {
        o.LargeMailThresholdBytes = largeMailLane ? LargeMailLaneThresholdBytes : 0;
        o.MessageFormat = format;
        o.ClaimStorePostgresConnectionString = claimStore;
        o.ClaimCheckThresholdBytes = claimStore is null ? 0 : claimThreshold;
    };

    /// <summary>
    /// A host in this process with the given worker <paramref name="roles"/> (or only a bus for publishing when
    /// null) and the client library, on <paramref name="rabbitMq"/>, delivering into <paramref name="outbox"/>.
    /// </summary>
    /// <param name="rabbitMq">The broker.</param>
    /// <param name="client">The client library's settings (<see cref="ClientOptions"/>).</param>
    /// <param name="roles">The worker's roles (<c>SmimePipeline:Roles</c>), or null for a bus that only publishes.</param>
    /// <param name="root">The run's directory (the delivery claim check's files under it).</param>
    /// <param name="pki">The demo PKI whose store the signer reads; null for a host without the signer role.</param>
    /// <param name="outbox">The pickup directory.</param>
    /// <param name="claims">The producer claims to note, when the run uses the producer claim check.</param>
    /// <param name="customize">More settings and services, added before the worker's registration (so that environment
    /// variables still override the settings, as for every other).</param>
    /// <param name="configureBus">More bus registrations, handed to the worker's own (<c>AddSmimePipelineWorker</c>).</param>
    internal static IHost BuildHost(
        Uri rabbitMq, Action<SmimePipelineClientOptions> client, string? roles, string root, DemoPki? pki, string outbox, BenchClaimIds? claims = null,
        Action<HostApplicationBuilder>? customize = null, Action<IBusRegistrationConfigurator>? configureBus = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        BenchLogging.AddTo(builder.Logging);
        if (roles is null)
        {
            // The producer alone: a bus that only sends, as a producer service has (no consumers, no worker).
            builder.Services.AddMassTransit(bus => bus.UsingRabbitMq((_, cfg) => cfg.ConfigureRabbitMqHost(new RabbitMqOptions { Uri = rabbitMq })));
            builder.Services.AddSmimePipelineClient(client);
            return builder.Build();
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = roles,
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = rabbitMq.ToString(),
            ["SmimePipeline:Signer:StorePath"] = pki?.StorePath,
            ["SmimePipeline:Delivery:Provider"] = "pickup",
            ["SmimePipeline:Delivery:Pickup:Directory"] = outbox,
            ["SmimePipeline:ClaimCheck:Directory"] = Path.Combine(root, "claims"),
            // The run's own ledger beside its pickup files: the worker's default (.smime/ under the current directory)
            // grew with every run and was shared by all of them.
            ["SmimePipeline:Delivery:Ledger:SqlitePath"] = Path.Combine(root, "ledger", "delivery-ledger.db"),
        });
        // The producer claim check through the worker's own registration: the signer's store is the client's too.
        var clientOptions = new SmimePipelineClientOptions();
        client(clientOptions);
        if (clientOptions.ClaimStorePostgresConnectionString is { Length: > 0 } claimStore)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["SmimePipeline:ProducerClaims:PostgresConnectionString"] = claimStore });
        }

        customize?.Invoke(builder);
        builder.Configuration.AddEnvironmentVariables();
        CliTelemetry.AddTo(builder);
        builder.Services.AddSmimePipelineWorker(builder.Configuration, configureBus);
        if (claims is not null && builder.Services.LastOrDefault(d => d.ServiceType == typeof(IProtectClaimStore)) is { ImplementationFactory: { } store } registered)
        {
            // The worker's own store, as its registration made it, with this run's claims noted.
            builder.Services.Remove(registered);
            builder.Services.AddSingleton<IProtectClaimStore>(sp => new RecordingProtectClaimStore((IProtectClaimStore)store(sp), claims));
        }

        builder.Services.AddSmimePipelineClient(client);
        return builder.Build();
    }

    /// <summary>
    /// The <see cref="PipelineRoles"/> phases: publish <paramref name="mails"/> with no consumer, then a signer alone
    /// until all are protected, then a sender alone until all are delivered. Runs after the measured run, so the JIT
    /// is warm and the quorum queues exist.
    /// </summary>
    private static async Task<PipelineRoles> MeasureRolesAsync(
        Uri rabbitMq, Action<SmimePipelineClientOptions> client, string root, DemoPki pki, string outbox, ProtectEmail template, int mails, int? brokerPid, int inFlight, BenchTracing tracing, TextWriter progress, CancellationToken cancellationToken)
    {
        // Every mail is followed as in the measured run (same CPU for the listener), so that each role's window can be
        // read from its mails' residence times while it ran alone.
        using var recorder = new StageRecorder(tracing.MassTransitSpans);
        var ids = new List<Guid>(mails);
        RoleCpu producer;
        using (var host = BuildHost(rabbitMq, client, roles: null, root, pki, outbox))
        {
            await host.StartAsync(cancellationToken);
            try
            {
                var meter = new RoleMeter(brokerPid);
                using (var scope = host.Services.CreateScope())
                {
                    var publisher = scope.ServiceProvider.GetRequiredService<ISmimeMailPublisher>();
                    using var window = new SemaphoreSlim(inFlight, inFlight);
                    var pending = new List<Task>(mails);
                    for (int i = 0; i < mails; i++)
                    {
                        await window.WaitAsync(cancellationToken);
                        var mail = template with { MailId = Guid.NewGuid() };
                        ids.Add(mail.MailId);
                        pending.Add(PublishInWindowAsync(publisher, mail, recorder, window, cancellationToken));
                    }

                    await Task.WhenAll(pending);
                }

                producer = meter.PerMail(mails);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        }

        progress.WriteLine($"smime bench pipeline: roles: {mails} mails published with no consumer; signer alone next.");
        var (signer, signerLimit) = await MeasureConsumerRoleAsync(rabbitMq, client, "Signer", root, pki, outbox, mails, brokerPid, t => t.ProtectedTotal + t.FailedTotal, o => o.Signer.EffectiveInFlight, cancellationToken);
        progress.WriteLine($"smime bench pipeline: roles: {mails} mails protected by the signer alone; sender alone next.");
        var (sender, senderLimit) = await MeasureConsumerRoleAsync(rabbitMq, client, "Sender", root, pki, outbox, mails, brokerPid, t => t.DeliveredTotal + t.FailedTotal, o => o.Sender.Concurrency, cancellationToken);
        var timelines = ids.Select(recorder.Of).OfType<MailTimeline>().ToList();
        return new PipelineRoles(mails, producer, signer, sender)
        {
            ProducerWindow = RoleWindow.Producer(timelines, inFlight, producer.Seconds),
            SignerWindow = RoleWindow.Signer(timelines, signerLimit, signer.Seconds),
            SenderWindow = RoleWindow.Sender(timelines, senderLimit, sender.Seconds),
        };
    }

    /// <summary>
    /// Starts a host with only <paramref name="role"/> and measures until <paramref name="done"/> reaches <paramref name="mails"/>;
    /// returns the role's CPU per mail and its window's size (<paramref name="limit"/> of the host's options).
    /// </summary>
    private static async Task<(RoleCpu Cpu, int Limit)> MeasureConsumerRoleAsync(
        Uri rabbitMq, Action<SmimePipelineClientOptions> client, string role, string root, DemoPki pki, string outbox, int mails, int? brokerPid, Func<SmimeTelemetry, long> done,
        Func<SmimePipelineOptions, int> limit, CancellationToken cancellationToken)
    {
        using var host = BuildHost(rabbitMq, client, role, root, pki, outbox);
        var telemetry = host.Services.GetRequiredService<SmimeTelemetry>();
        int places = limit(host.Services.GetRequiredService<IOptions<SmimePipelineOptions>>().Value);
        // Measured from before the start: the consumers take mails as soon as the bus is up. The host's start-up
        // (a few tens of milliseconds of CPU with a warm JIT) is counted in, and errs high.
        var meter = new RoleMeter(brokerPid);
        await host.StartAsync(cancellationToken);
        try
        {
            var clock = Stopwatch.StartNew();
            var lastChange = TimeSpan.Zero;
            long last = -1;
            while (done(telemetry) < mails)
            {
                long now = done(telemetry);
                if (now != last)
                {
                    (last, lastChange) = (now, clock.Elapsed);
                }
                else if (clock.Elapsed - lastChange > StallTimeout)
                {
                    throw new Commands.CliException($"smime bench pipeline: roles: the {role.ToLowerInvariant()} alone got {now} of {mails} mails through; none for {StallTimeout.TotalSeconds:F0} s.");
                }

                await Task.Delay(20, cancellationToken);
            }

            return (meter.PerMail(mails), places);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Sends <paramref name="mails"/> mails (large ones as often as in the measured run) through the pipeline and
    /// waits until they are delivered, so that the JIT and the pools are warm before the measured run; returns
    /// how many were delivered or failed.
    /// </summary>
    private static async Task<long> WarmUpAsync(
        IServiceProvider services, SmimeTelemetry telemetry, ProtectEmail template, ProtectEmail largeTemplate, int largeEvery, int mails, TextWriter progress, CancellationToken cancellationToken)
    {
        if (mails == 0)
        {
            return 0;
        }

        using (var scope = services.CreateScope())
        {
            var publisher = scope.ServiceProvider.GetRequiredService<ISmimeMailPublisher>();
            await Task.WhenAll(Enumerable.Range(0, mails).Select(i =>
                publisher.ProtectAsync((IsLarge(i, largeEvery) ? largeTemplate : template) with { MailId = Guid.NewGuid() }, cancellationToken)));
        }

        long through = await WaitForMailsAsync(telemetry, 0, mails, cancellationToken);
        if (through < mails)
        {
            throw new Commands.CliException($"smime bench pipeline: only {through} of the {mails} warm-up mails came through; none for {StallTimeout.TotalSeconds:F0} s.");
        }

        progress.WriteLine($"smime bench pipeline: {mails} warm-up mails through ({JitActivity.TotalMethodsCompiled} methods compiled so far).");
        return through;
    }

    /// <summary>
    /// Publishes one measured mail inside its root span (every mail with the <paramref name="recorder"/>, else only the
    /// first as the sample trace), notes its publish time, and frees its place in <paramref name="window"/> once confirmed.
    /// </summary>
    private static async Task PublishOneAsync(
        ISmimeMailPublisher publisher, ProtectEmail mail, bool first, StageRecorder? recorder, SemaphoreSlim window,
        ConcurrentDictionary<Guid, DateTime> published, FileClockLag fileClock, Action<string> sampleTraceId, CancellationToken cancellationToken)
    {
        try
        {
            using var span = recorder is not null ? recorder.Publish(mail.MailId) : first ? SampleTrace.Start("smime bench publish") : null;
            if (first && recorder is null && span is not null)
            {
                sampleTraceId(span.TraceId.ToHexString());
            }

            // The file's time is the kernel's coarse clock: stamped on the same one, publish → file is never negative; the
            // stage table's total starts at the same stamp.
            var stamp = fileClock.Stamp();
            published[mail.MailId] = stamp;
            if (recorder?.Of(mail.MailId) is { } timeline)
            {
                timeline.PublishStamped = stamp.Ticks;
            }
            await publisher.ProtectAsync(mail, cancellationToken);
        }
        finally
        {
            window.Release();
        }
    }

    /// <summary>Publishes <paramref name="mail"/> inside its root span of <paramref name="recorder"/> and frees its place in <paramref name="window"/> once confirmed.</summary>
    private static async Task PublishInWindowAsync(ISmimeMailPublisher publisher, ProtectEmail mail, StageRecorder recorder, SemaphoreSlim window, CancellationToken cancellationToken)
    {
        try
        {
            using var span = recorder.Publish(mail.MailId);
            await publisher.ProtectAsync(mail, cancellationToken);
        }
        finally
        {
            window.Release();
        }
    }

    /// <summary>Counts the CPU of the claim store's PostgreSQL server when it runs on this machine; null (said on <paramref name="progress"/>) when not.</summary>
    /// <summary>
    /// The CPU meter of the PostgreSQL server <paramref name="connectionString"/> reaches; null, said on
    /// <paramref name="progress"/> as <c>smime bench <paramref name="bench"/></c>'s, when its processes are not on this machine.
    /// </summary>
    internal static async Task<PostgresServerCpuTime?> StartPostgresMeterAsync(string connectionString, TextWriter progress, CancellationToken cancellationToken, string bench = "pipeline")
    {
        var (meter, why) = await PostgresServerCpuTime.StartAsync(connectionString, cancellationToken);
        if (why is not null)
        {
            progress.WriteLine($"smime bench {bench}: {why}.");
        }

        return meter;
    }

    /// <summary>
    /// Deletes this run's consumed producer claims (<see cref="BenchClaimIds"/>) so that the next run starts from the same
    /// table; a failure is reported on <paramref name="progress"/> (the run's figures stand) and counted as none deleted.
    /// </summary>
    internal static async Task<int> DeleteConsumedClaimsAsync(BenchClaimIds claims, string connectionString, TextWriter progress, CancellationToken cancellationToken, string bench = "pipeline")
    {
        try
        {
            int deleted = await claims.DeleteConsumedAsync(connectionString, cancellationToken);
            progress.WriteLine($"smime bench {bench}: deleted {deleted} of this run's {claims.Count} producer claims (the consumed ones).");
            return deleted;
        }
        catch (NpgsqlException e)
        {
            progress.WriteLine($"smime bench {bench}: could not delete this run's consumed producer claims: {e.Message}");
            return 0;
        }
    }

    /// <summary>Whether mail number <paramref name="index"/> of a run is a large one.</summary>
    private static bool IsLarge(int index, int largeEvery) => largeEvery > 0 && index % largeEvery == largeEvery - 1;

    /// <summary>
    /// Waits until <paramref name="count"/> mails beyond the <paramref name="before"/> already counted were delivered
    /// or failed, or until none came through for <see cref="StallTimeout"/>; returns how many came through.
    /// </summary>
    private static async Task<long> WaitForMailsAsync(SmimeTelemetry telemetry, long before, int count, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long lastDone = -1;
        var lastChange = TimeSpan.Zero;
        while (true)
        {
            long done = telemetry.DeliveredTotal + telemetry.FailedTotal - before;
            if (done >= count)
            {
                return done;
            }

            if (done != lastDone)
            {
                lastDone = done;
                lastChange = clock.Elapsed;
            }
            else if (clock.Elapsed - lastChange > StallTimeout)
            {
                return done;
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static double Percentile(List<double> sorted, double fraction) => StageLatency.Percentile(sorted, fraction);
}
