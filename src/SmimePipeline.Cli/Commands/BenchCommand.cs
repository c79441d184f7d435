using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using SmimePipeline.Cli.Bench;
using SmimePipeline.Client;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// <c>smime bench protect|pipeline|confirm|guarantees</c>: throughput of the protect stage in-process, of the whole
/// pipeline through RabbitMQ, the broker's publish → confirm latency under load, and what the delivery guarantees alone cost. Figures are printed, never judged here: <c>scripts/bench.sh</c> compares
/// them against <c>openssl speed</c> from the same run and the issue's targets.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure throughput: the protect stage in-process, or the pipeline end to end.");
        command.Subcommands.Add(CreateProtect());
        command.Subcommands.Add(CreatePipeline());
        command.Subcommands.Add(CreateConfirm());
        command.Subcommands.Add(CreateGuarantees());
        return command;
    }

    private static Option<string> MessageOption() => new Option<string>("--message")
    {
        Description = "small (≈8.4 KB text + HTML), standard (≈53 KB with a 30 KB PDF) or large (≈2 MB), as RFC 5322 bytes.",
        DefaultValueFactory = _ => "standard",
    }.AcceptOnlyFromAmong("small", "standard", "large");

    // Session 16: scripts/bench.sh leaves every run's files and deletes them at its end (BenchWorkDirectory says why).
    private static Option<string> MassTransitSpansOption()
    {
        var option = new Option<string>("--masstransit-spans")
        {
            Description = "How MassTransit's spans of the bench's mails are made: recorded, propagated (the context alone, as SmimePipeline:Telemetry:MassTransitSpans=Propagated) or none (no listener for MassTransit: no trace context travels; to measure what the spans cost). Default: the product's setting (SmimePipeline__Telemetry__MassTransitSpans, else Recorded).",
            DefaultValueFactory = _ => BenchTracing.Name(BenchTracing.FromEnvironment()),
        };
        option.AcceptOnlyFromAmong(BenchTracing.Names);
        return option;
    }

    private static Option<bool> CountSpansOption() => new("--count-spans")
    {
        Description = "Count the measured run's spans per mail by source, name and whether they were recorded (a listener on every source: for the counts, not for CPU figures).",
    };

    private static BenchTracing Tracing(ParseResult parseResult, Option<string> spans, Option<bool> count) =>
        new(BenchTracing.Parse(parseResult.GetRequiredValue(spans)), parseResult.GetValue(count));

    private static Option<string?> WorkDirOption() => new("--work-dir")
    {
        Description = "Put the run's pickup files and ledger in a new directory under this one and leave them there for the caller to delete (bench.sh does at its end): deleting thousands of files right before the next run slows that run's file creation on ext4 without a journal. Default: a temporary directory deleted at the end.",
    };

    private static Command CreateProtect()
    {
        var message = MessageOption();
        var key = new Option<string>("--key") { Description = "The signer's key: rsa2048, rsa3072, p256, or a pkcs11: URI (the key in a token; compared with a file key of the same type in the same run).", DefaultValueFactory = _ => "rsa2048" };
        var module = new Option<string?>("--module") { Description = "With --key pkcs11:…, the PKCS#11 module (else the URI's module-path). PIN from $SMIME_PKCS11_PIN." };
        var cipher = new Option<string>("--cipher") { Description = "The content cipher.", DefaultValueFactory = _ => "aes256-cbc" }
            .AcceptOnlyFromAmong("aes256-cbc", "aes256-gcm");
        var threads = new Option<int>("--threads") { Description = "Threads protecting at once.", DefaultValueFactory = _ => 1 };
        var seconds = new Option<double>("--seconds") { Description = "Measured time.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup") { Description = "Warm-up time before measuring (the JIT needs it).", DefaultValueFactory = _ => 5 };
        var baseline = new Option<string?>("--baseline") { Description = "Also run MimeKit's default path on the same message and print the ratio." }
            .AcceptOnlyFromAmong("mimekit");
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var command = new Command("protect", "Compose, sign, encrypt and serialise one message over and over; messages/s, allocation, output size.")
        {
            message, key, cipher, threads, seconds, warmup, baseline, json, module,
        };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var settings = new BenchSettings(
                BenchMail.Parse(parseResult.GetRequiredValue(message)),
                parseResult.GetRequiredValue(key),
                parseResult.GetRequiredValue(cipher),
                parseResult.GetValue(threads),
                TimeSpan.FromSeconds(parseResult.GetValue(seconds)),
                TimeSpan.FromSeconds(parseResult.GetValue(warmup)));
            if (settings.Threads < 1 || settings.Duration <= TimeSpan.Zero || settings.Warmup < TimeSpan.Zero)
            {
                throw new CliException("--threads must be at least 1, --seconds above 0 and --warmup at least 0.");
            }

            ProtectBenchRunner.ResolveCipher(settings.Cipher);
            bool inToken = settings.Key.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase);
            if (!inToken && settings.Key is not ("rsa2048" or "rsa3072" or "p256"))
            {
                throw new CliException($"--key {settings.Key}: expected rsa2048, rsa3072, p256 or a pkcs11: URI.");
            }

            if (inToken && parseResult.GetValue(baseline) is not null)
            {
                throw new CliException("--baseline mimekit needs a key MimeKit can load; with a pkcs11: key the comparison is with a file key.");
            }

            using var pkcs11 = inToken ? new Cryptography.Pkcs11.Pkcs11KeyProvider(new Cryptography.Pkcs11.Pkcs11Options { ModulePath = parseResult.GetValue(module) ?? "" }) : null;
            using var store = new BenchCertificateStore(settings.Key, pkcs11);
            var mail = BenchMail.Create(settings.Message, BenchCertificateStore.SenderAddress, BenchCertificateStore.RecipientAddress, Guid.NewGuid());
            var results = new List<ProtectBenchResult> { ProtectBenchRunner.RunOurs(store, mail, settings) };
            double? ratio = null;
            if (store.KeyInToken is { } fileKey)
            {
                // The same key type as a file, same run: what keeping the key in the token costs.
                using var fileStore = new BenchCertificateStore(fileKey);
                results.Add(ProtectBenchRunner.RunOurs(fileStore, mail, settings with { Key = fileKey }));
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio pkcs11/file ({fileKey}): {results[0].MessagesPerSecond / Math.Max(results[1].MessagesPerSecond, 0.001):F3}x"));
            }

            if (parseResult.GetValue(baseline) == "mimekit")
            {
                results.Add(ProtectBenchRunner.RunMimeKit(store, mail, settings));
                ratio = Math.Round(results[0].MessagesPerSecond / Math.Max(results[1].MessagesPerSecond, 0.001), 2);
            }

            var report = new BenchReport(results, ratio, Environment.ProcessorCount, RuntimeInformation.FrameworkDescription);
            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, BenchJsonContext.Default.BenchReport));
            }
            else
            {
                PrintProtect(report);
            }

            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command CreatePipeline()
    {
        var rabbit = BrokerOption.Create("The broker, e.g. amqp://guest:guest@localhost:5672/.", required: true);
        var messages = new Option<int>("--messages", "-n") { Description = "Mails to send.", DefaultValueFactory = _ => 2000 };
        var message = MessageOption();
        var largeEvery = new Option<int>("--large-every") { Description = "Make every Nth mail a large one (≈1.5 MB) and report its latency apart; 0 = none." };
        var rate = new Option<double>("--rate") { Description = "Publish at this many mails per second (latency then shows time in the pipeline, not in the queue); 0 = all at once." };
        var warmup = new Option<int>("--warmup") { Description = "Mails sent through before measuring (JIT, pools, connections); not counted. After them the bench waits (at most 90 s) until the tiered JIT has gone quiet." };
        var brokerPid = new Option<int?>("--broker-pid") { Description = "The broker's process on this machine (RabbitMQ's beam.smp): its CPU time per mail is reported too." };
        var roles = new Option<bool>("--roles") { Description = "After the run, measure producer, signer and sender apart (publish all, then a signer alone, then a sender alone) and report each one's CPU per mail." };
        var largeLane = new Option<bool>("--large-lane") { Description = "The client sends mail above 256 KB to the signers' large-mail lane (smime-protect-large) instead of smime-protect, to compare." };
        var inFlight = new Option<int>("--in-flight") { Description = "Publishes kept in flight by the bench's producer (a sliding window).", DefaultValueFactory = _ => PipelineBenchRunner.DefaultInFlight };
        var format = new Option<ProtectCommandFormat>("--format") { Description = "How the client sends ProtectEmail to the signers: Binary (the client's default) or Json (MassTransit's envelope, base64), to compare.", DefaultValueFactory = _ => ProtectCommandFormat.Binary };
        var noStages = new Option<bool>("--no-stages") { Description = "Do not follow every mail stage by stage (only the first one is traced, as a sample); to measure what following costs." };
        var postgres = new Option<string?>("--postgres") { Description = "A PostgreSQL connection string: the producer claim check on (commands above --claim-check-threshold wait in smime_protect_claims, only a reference travels on the queue); default off." };
        var claimThreshold = new Option<int>("--claim-check-threshold") { Description = "With --postgres, the client's claim check threshold in bytes of mail payload.", DefaultValueFactory = _ => SmimePipelineClientOptions.DefaultClaimCheckThresholdBytes };
        var backlog = new Option<int>("--backlog") { Description = "A closed-loop producer: at most this many mails between publish and delivery (the next publish waits for a delivery), so the queues stay short; 0 = open loop (every mail published as --rate and --in-flight allow)." };
        var largeObjects = new Option<bool>("--large-objects") { Description = "List the objects the measured run allocated on the large object heap, by type and size, and the LOH bytes per mail (the runtime's verbose GC events: not for CPU figures)." };
        var allocationCheck = new Option<bool>("--allocation-check") { Description = "Check the allocation per mail against the runtime's allocation ticks too (an independent count; verbose GC events: not for CPU figures). The GC heap count at both reads is always checked." };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var workDir = WorkDirOption();
        var massTransitSpans = MassTransitSpansOption();
        var countSpans = CountSpansOption();
        var command = new Command("pipeline", "Signer and sender in this process on RabbitMQ, pickup directory: messages/s, latency publish-to-file and where it goes, stage by stage.")
        {
            rabbit, messages, message, largeEvery, rate, warmup, brokerPid, roles, largeLane, format, inFlight, noStages, postgres, claimThreshold, backlog, largeObjects, allocationCheck, json, workDir, massTransitSpans, countSpans,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            int count = parseResult.GetValue(messages);
            if (count < 1 || parseResult.GetValue(largeEvery) < 0 || parseResult.GetValue(rate) < 0 || parseResult.GetValue(warmup) < 0)
            {
                throw new CliException("--messages must be at least 1; --large-every, --rate and --warmup at least 0.");
            }

            int window = parseResult.GetValue(inFlight);
            if (window < 1)
            {
                throw new CliException($"--in-flight {window}: keep at least 1 publish in flight.");
            }

            if (parseResult.GetValue(backlog) < 0)
            {
                throw new CliException($"--backlog {parseResult.GetValue(backlog)}: 0 for an open loop, or at least 1 mail between publish and delivery.");
            }

            if (BenchRuntime.Current().DifferenceFromWorker() is { } difference)
            {
                Console.Error.WriteLine($"smime bench pipeline: this process's runtime settings differ from the worker's: {difference}.");
            }

            var pid = parseResult.GetValue(brokerPid);
            if (pid is { } p && (p <= 0 || !File.Exists($"/proc/{p}/stat")))
            {
                throw new CliException($"--broker-pid {p}: no such process on this machine (/proc/{p}/stat cannot be read).");
            }

            var claimStore = parseResult.GetValue(postgres);
            var threshold = parseResult.GetValue(claimThreshold);
            if (claimStore is not null && threshold < 16 * 1024)
            {
                throw new CliException($"--claim-check-threshold {threshold}: at least 16384 bytes (the client's rule).");
            }

            var broker = BrokerOption.Require(parseResult, rabbit);
            var result = await PipelineBenchRunner.RunAsync(
                broker, count, BenchMail.Parse(parseResult.GetRequiredValue(message)), parseResult.GetValue(largeEvery), parseResult.GetValue(rate), parseResult.GetValue(warmup), pid, parseResult.GetValue(roles), parseResult.GetValue(largeLane),
                parseResult.GetValue(format), window, !parseResult.GetValue(noStages), Console.Error, cancellationToken, claimStore, threshold, parseResult.GetValue(backlog), parseResult.GetValue(largeObjects), parseResult.GetValue(workDir),
                Tracing(parseResult, massTransitSpans, countSpans), parseResult.GetValue(allocationCheck));
            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, BenchJsonContext.Default.PipelineBenchResult));
            }
            else
            {
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"pipeline {result.Message}: {result.Delivered}/{result.Messages} delivered in {result.Seconds:F2} s = {result.MessagesPerSecond:F1} msg/s; latency p50 {result.LatencyP50Milliseconds:F0} ms, p99 {result.LatencyP99Milliseconds:F0} ms, max {result.LatencyMaxMilliseconds:F0} ms; counters: protected {result.Protected}, failed {result.Failed}, first delivery attempts in the signer's process {result.DeliveryAttemptsInProcess}; sample trace id {result.SampleTraceId}"));
                if (result.LargeEvery > 0)
                {
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"large mails (every {result.LargeEvery}th): {result.LargeDelivered} delivered, latency p50 {result.LargeLatencyP50Milliseconds:F0} ms, p99 {result.LargeLatencyP99Milliseconds:F0} ms; the latencies above are those of the {result.Message} mails"));
                }

                PrintStages(result.Message, result.Stages);
                PrintStages("large", result.LargeStages);
                PrintStages($"slowest 1 % of the {result.Message}", result.SlowestStages);
                PrintRoles(result);
                if (result.Gc is { } gc)
                {
                    Console.WriteLine(gc.ToString());
                }

                foreach (var seen in result.LargeObjects ?? [])
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"large object heap: {seen.Count} × {seen.Type} of {seen.Kilobytes} KB"));
                }

                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"allocated per mail: {result.AllocatedBytesPerMail / 1024:F1} KB (all threads); {result.AllocationCheck?.Reason ?? "not checked"}"));
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"CPU per mail: {result.ProcessCpuMillisecondsPerMail:F2} ms in this process, {(result.BrokerCpuMillisecondsPerMail is { } brokerMs ? $"{brokerMs:F2} ms in the broker, " : "")}{(result.PostgresCpuMillisecondsPerMail is { } postgresMs ? $"{postgresMs:F2} ms in PostgreSQL, " : "")}{(result.MachineCpuMillisecondsPerMail is { } machine ? $"{machine:F2} ms on the whole machine ({result.ProcessorCount} cores carry at most {result.ProcessorCount * 1000 / machine:F0} msg/s)" : "whole machine unknown")}"));
            }

            return result.Delivered == count ? 0 : 1;
        }));
        return command;
    }

    private static Command CreateConfirm()
    {
        var rabbit = BrokerOption.Create("The broker, e.g. amqp://guest:guest@localhost:5672/.", required: true);
        var queueType = new Option<string>("--queue-type") { Description = "quorum (as the pipeline's queues) or classic (for comparison).", DefaultValueFactory = _ => "quorum" }
            .AcceptOnlyFromAmong("quorum", "classic");
        var bodyBytes = new Option<int>("--body-bytes") { Description = "Bytes of body per publish (a standard ProtectEmail is ≈ 55,000 before MassTransit's envelope).", DefaultValueFactory = _ => 55_000 };
        var inFlight = new Option<string>("--in-flight") { Description = "Comma-separated numbers of publishes in flight to measure.", DefaultValueFactory = _ => "1,4,16,64" };
        var client = new Option<string>("--client") { Description = "rabbitmq-client (RabbitMQ.Client directly), masstransit, or both.", DefaultValueFactory = _ => "both" }
            .AcceptOnlyFromAmong("rabbitmq-client", "masstransit", "both");
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per level.", DefaultValueFactory = _ => 5 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of each level before measuring.", DefaultValueFactory = _ => 2 };
        var brokerPid = new Option<int?>("--broker-pid") { Description = "The broker's process on this machine (RabbitMQ's beam.smp): its CPU time per publish is reported too." };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var command = new Command("confirm", "The broker's publish → confirm latency and rate at several publishes in flight, through RabbitMQ.Client and through MassTransit.")
        {
            rabbit, queueType, bodyBytes, inFlight, client, seconds, warmup, brokerPid, json,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var levels = new List<int>();
            foreach (var part in parseResult.GetRequiredValue(inFlight).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > 1024)
                {
                    throw new CliException($"--in-flight: '{part}' is not a number of publishes from 1 to 1024.");
                }

                levels.Add(n);
            }

            int body = parseResult.GetValue(bodyBytes);
            if (levels.Count == 0 || body < 0 || parseResult.GetValue(seconds) <= 0 || parseResult.GetValue(warmup) < 0)
            {
                throw new CliException("--in-flight needs at least one number, --body-bytes at least 0, --seconds more than 0, --warmup at least 0.");
            }

            var pid = parseResult.GetValue(brokerPid);
            if (pid is { } p && (p <= 0 || !File.Exists($"/proc/{p}/stat")))
            {
                throw new CliException($"--broker-pid {p}: no such process on this machine (/proc/{p}/stat cannot be read).");
            }

            string clients = parseResult.GetRequiredValue(client);
            var result = await ConfirmProbeRunner.RunAsync(
                BrokerOption.Require(parseResult, rabbit), parseResult.GetRequiredValue(queueType) == "quorum", body, levels,
                clients == "both" ? ["rabbitmq-client", "masstransit"] : [clients], parseResult.GetValue(seconds), parseResult.GetValue(warmup), pid, cancellationToken);
            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, BenchJsonContext.Default.ConfirmProbeResult));
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.QueueType} queue, {result.BodyBytes} B body; publish → confirm in ms"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"client",-16} {"in flight",9} {"publishes/s",11} {"p50",8} {"p99",8} {"mean",8} {"wire B",8} {"broker ms",9}"));
                foreach (var l in result.Levels)
                {
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{l.Client,-16} {l.InFlight,9} {l.PublishesPerSecond,11:F1} {l.Latency.P50Milliseconds,8:F2} {l.Latency.P99Milliseconds,8:F2} {l.Latency.MeanMilliseconds,8:F2} {l.WireBytes,8:F0} {(l.BrokerCpuMillisecondsPerPublish is { } b ? b.ToString("F3", CultureInfo.InvariantCulture) : "-"),9}"));
                }
            }

            return 0;
        }));
        return command;
    }

    private static Command CreateGuarantees()
    {
        var rabbit = BrokerOption.Create("The broker, e.g. amqp://guest:guest@localhost:5672/ (the one bench pipeline uses).", required: true);
        var messages = new Option<int>("--messages", "-n") { Description = "Mails in the measured run.", DefaultValueFactory = _ => 2000 };
        var message = MessageOption();
        var warmup = new Option<int>("--warmup") { Description = "Mails sent through before measuring; not counted. After them the bench waits (at most 90 s) until the tiered JIT has gone quiet." };
        var inFlight = new Option<int>("--in-flight") { Description = "Publishes kept in flight by the producer (as bench pipeline's).", DefaultValueFactory = _ => PipelineBenchRunner.DefaultInFlight };
        var prefetch = new Option<int>("--prefetch") { Description = "The consumer's prefetch (what MassTransit asks for bench pipeline's signer on 2 cores).", DefaultValueFactory = _ => GuaranteesBenchRunner.DefaultPrefetch };
        var concurrency = new Option<int>("--concurrency") { Description = "Mails the consumer handles at once, at most the prefetch (bench pipeline's signer on 2 cores: 16 per core).", DefaultValueFactory = _ => GuaranteesBenchRunner.DefaultConcurrency };
        var brokerPid = new Option<int?>("--broker-pid") { Description = "The broker's process on this machine (RabbitMQ's beam.smp): its CPU time per mail is reported too." };
        var classic = new Option<bool>("--classic-queue") { Description = "Breakdown only: a durable classic queue instead of a quorum queue." };
        var noFsync = new Option<bool>("--no-fsync") { Description = "Breakdown only: write and rename the pickup file without flushing it or the directory." };
        var noLedger = new Option<bool>("--no-ledger") { Description = "Breakdown only: no delivery ledger rows." };
        var noEvents = new Option<bool>("--no-events") { Description = "Breakdown only: no EmailProtected / EmailDelivered events." };
        var via = new Option<string>("--via")
        {
            Description = "What carries the mails: raw (RabbitMQ.Client directly, the default) or masstransit (the product's own bus registration, client and signer endpoint; session 19). --prefetch, --concurrency and --classic-queue are for raw only.",
            DefaultValueFactory = _ => GuaranteesBenchRunner.Name(GuaranteesVia.Raw),
        };
        via.AcceptOnlyFromAmong(GuaranteesBenchRunner.Name(GuaranteesVia.Raw), GuaranteesBenchRunner.Name(GuaranteesVia.MassTransit));
        var rate = new Option<double>("--rate") { Description = "Publish the measured mails at this many per second (bench pipeline's pace, to compare the broker's work per mail at one pace); 0 = all at once." };
        var largeEvery = new Option<int>("--large-every") { Description = "Make every Nth mail bench pipeline's large one (≈1.5 MB: its command, its protected size as the pickup file) and report small and large mails' publish → file latencies apart (target 2's ceiling, --via raw only); 0 = none." };
        var postgres = new Option<string?>("--postgres") { Description = "A PostgreSQL connection string (the claim table's owner): large commands go through the product's producer claim store there and only a reference through the queue, as bench pipeline --postgres sends them (--via raw only); default: inline." };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var workDir = WorkDirOption();
        var massTransitSpans = MassTransitSpansOption();
        var countSpans = CountSpansOption();
        var allocationsByType = new Option<bool>("--allocations-by-type")
        {
            Description = "Report the measured run's allocated bytes per mail by type, sampled from the GC's allocation ticks (the JSON's allocationsByType; for counts, not CPU figures).",
        };
        var command = new Command("guarantees", "The delivery guarantees alone, with no MIME and no cryptography: quorum queue, publisher confirms, manual acks, ledger, fsync'd pickup file, two confirmed events, one trace per mail; CPU per mail. Carried by RabbitMQ.Client with no product code on the bus path (--via raw, the default) or by the product's own MassTransit bus (--via masstransit).")
        {
            rabbit, messages, message, warmup, inFlight, prefetch, concurrency, brokerPid, classic, noFsync, noLedger, noEvents, via, rate, largeEvery, postgres, json, workDir, massTransitSpans, countSpans,
            allocationsByType,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            int count = parseResult.GetValue(messages);
            int window = parseResult.GetValue(inFlight);
            int places = parseResult.GetValue(prefetch);
            int atOnce = parseResult.GetValue(concurrency);
            double pace = parseResult.GetValue(rate);
            int every = parseResult.GetValue(largeEvery);
            if (count < 1 || parseResult.GetValue(warmup) < 0 || window < 1 || places is < 1 or > ushort.MaxValue || atOnce < 1 || !(pace >= 0) || double.IsInfinity(pace) || every < 0)
            {
                throw new CliException("--messages, --in-flight, --prefetch and --concurrency must be at least 1 (--prefetch at most 65535), --warmup, --rate and --large-every at least 0.");
            }

            var pid = parseResult.GetValue(brokerPid);
            if (pid is { } p && (p <= 0 || !File.Exists($"/proc/{p}/stat")))
            {
                throw new CliException($"--broker-pid {p}: no such process on this machine (/proc/{p}/stat cannot be read).");
            }

            var carrier = parseResult.GetValue(via) == GuaranteesBenchRunner.Name(GuaranteesVia.MassTransit) ? GuaranteesVia.MassTransit : GuaranteesVia.Raw;
            if (carrier == GuaranteesVia.MassTransit && (parseResult.GetResult(prefetch) is { Implicit: false } || parseResult.GetResult(concurrency) is { Implicit: false }))
            {
                throw new CliException("--via masstransit takes the signer's own consumer settings (Signer:InFlight and the prefetch MassTransit derives from it): --prefetch and --concurrency are for --via raw.");
            }

            var claimStore = parseResult.GetValue(postgres);
            if (carrier == GuaranteesVia.MassTransit && (every > 0 || claimStore is not null))
            {
                throw new CliException("--large-every and --postgres are for --via raw: the guarantees alone beside large mails (target 2's ceiling).");
            }

            var switches = new GuaranteeSwitches(
                Quorum: !parseResult.GetValue(classic), Fsync: !parseResult.GetValue(noFsync), Ledger: !parseResult.GetValue(noLedger), Events: !parseResult.GetValue(noEvents));
            var result = await GuaranteesBenchRunner.RunAsync(
                BrokerOption.Require(parseResult, rabbit), count, parseResult.GetValue(warmup), BenchMail.Parse(parseResult.GetRequiredValue(message)), window, places, atOnce, switches, pid,
                Console.Error, cancellationToken, parseResult.GetValue(workDir), carrier, pace, every, string.IsNullOrWhiteSpace(claimStore) ? null : claimStore,
                Tracing(parseResult, massTransitSpans, countSpans), parseResult.GetValue(allocationsByType));
            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, BenchJsonContext.Default.GuaranteesBenchResult));
            }
            else
            {
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"guarantees only via {result.Via} ({result.Message}, off: {result.Switches}): {result.Delivered}/{result.Messages} delivered once in {result.Seconds:F2} s = {result.MessagesPerSecond:F1} msg/s, {result.DuplicateDeliveries} twice; files {result.FilesWritten}, ledger rows accepted {(result.LedgerAccepted is { } rows ? rows.ToString(CultureInfo.InvariantCulture) : "-")}, events confirmed {result.EventsConfirmed}, left in the queue {result.QueueMessagesAfter}; publish → ack p50 {result.LatencyP50Milliseconds:F0} ms, p99 {result.LatencyP99Milliseconds:F0} ms"));
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"publish → file, small mails: p50 {result.SmallLatencyP50Milliseconds:F1} ms, p99 {result.SmallLatencyP99Milliseconds:F1} ms{(result.LargeEvery > 0 ? $"; large mails (every {result.LargeEvery}th, {result.LargeDelivered} delivered, {result.LargeCommandBytes} B command {(result.ProducerClaimCheck ? "by claim in PostgreSQL" : "inline")}, {result.LargeProtectedBytes} B file): p50 {result.LargeLatencyP50Milliseconds:F1} ms, p99 {result.LargeLatencyP99Milliseconds:F1} ms" : "")}"));
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"CPU per mail: {result.ProcessCpuMillisecondsPerMail:F3} ms in this process, {(result.BrokerCpuMillisecondsPerMail is { } b ? $"{b:F3} ms in the broker, " : "")}{(result.MachineCpuMillisecondsPerMail is { } m ? $"{m:F3} ms on the whole machine" : "whole machine unknown")}"));
            }

            return result.Delivered == count && result.DuplicateDeliveries == 0 ? 0 : 1;
        }));
        return command;
    }

    private static void PrintStages(string size, PipelineStages? stages)
    {
        if (stages is null)
        {
            return;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stages of the {size} mails ({stages.Mails} followed, {stages.DeliveredInProcess} delivered in the signer's process), ms: {"p50",8} {"p99",8} {"mean",8} {"max",8}"));
        foreach (var (name, stage) in new[]
        {
            ("publish → confirm", stages.Publish), ("signer queue", stages.SignerQueue), ("signer wait (slot)", stages.SignerWait), ("protect", stages.Protect),
            ("hand-over, all", stages.HandOver), ("  → confirm (queue)", stages.HandOverToConfirm ?? StageLatency.Of([])),
            ("  → place (in process)", stages.HandOverToPlace ?? StageLatency.Of([])), ("sender queue", stages.SenderQueue), ("delivery (ESP answer)", stages.Delivery), ("total, publish → file", stages.Total),
            ("signer, after hand-over", stages.SignerAfterHandOver), ("sender, after answer", stages.SenderAfterAnswer),
            ("answer → attempt's end", stages.AfterAnswer ?? StageLatency.Of([])),
        })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-24} {stage.P50Milliseconds,8:F1} {stage.P99Milliseconds,8:F1} {stage.MeanMilliseconds,8:F1} {stage.MaxMilliseconds,8:F1}"));
        }

        if (stages.Occupancy is { } occupancy)
        {
            Console.WriteLine("  mails inside, on average / limit: " + string.Join(", ", occupancy.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Key} {o.Value.Average:F1}/{o.Value.Limit} (full {o.Value.FullShare:P1} of the time)"))));
        }

        if (stages.SignerWindow is { } window)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  the signer's window held by these mails, on average: {window.Total:F1} = waiting to protect {window.WaitingToProtect:F1} + protecting {window.Protecting:F1} + waiting for delivery {window.WaitingForDelivery:F1} + delivering {window.Delivering:F1} + after {window.AfterDelivery:F1}"));
        }
    }

    private static void PrintRoles(PipelineBenchResult result)
    {
        if (result.Roles is not { } roles)
        {
            return;
        }

        foreach (var (name, role) in new[] { ("producer", roles.Producer), ("signer", roles.Signer), ("sender", roles.Sender) })
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{name,-8} alone, {roles.Mails} mails in {role.Seconds:F2} s: {role.ProcessCpuMillisecondsPerMail:F3} ms CPU per mail in this process, broker {(role.BrokerCpuMillisecondsPerMail is { } b ? $"{b:F3} ms" : "unknown")}, whole machine {(role.MachineCpuMillisecondsPerMail is { } m ? $"{m:F3} ms" : "unknown")}"));
        }

        foreach (var (name, window) in new[] { ("producer", roles.ProducerWindow), ("signer", roles.SignerWindow), ("sender", roles.SenderWindow) })
        {
            if (window is not null)
            {
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name,-8} window alone: {window.AverageInside:F1} of {window.Limit} places busy on average, {window.ResidenceMilliseconds:F1} ms per mail in a place ({window.ConfirmWaitMilliseconds:F1} ms of it confirm waits) -> at most {window.MaxMailsPerSecond:F0} mails/s"));
            }
        }
    }

    private static void PrintProtect(BenchReport report)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"engine",-14} {"message",-9} {"key",-8} {"cipher",-11} {"thr",3} {"msg/s",9} {"µs/msg",8} {"floor µs",8} {"input",9} {"output",9} {"alloc/msg",10} {"alloc/out",9} {"LOH/msg",9} {"gen2",5}"));
        foreach (var r in report.Results)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{r.Engine,-14} {r.Message,-9} {r.Key,-8} {r.Cipher,-11} {r.Threads,3} {r.MessagesPerSecond,9:F1} {r.MicrosecondsPerMessage,8:F1} {(r.CryptoFloor is { } floor ? floor.Microseconds.ToString("F1", CultureInfo.InvariantCulture) : "-"),8} {r.InputBytes,9} {r.OutputBytes,9} {r.AllocatedBytesPerMessage,10:F0} {r.AllocationPerOutputByte,9:F2} {r.LargeObjectHeapBytesPerMessage,9:F0} {r.Gen2Collections,5}"));
        }

        if (report.Results[0].CryptoFloor?.Microseconds is { } ourFloor)
        {
            // The floor is the cryptography alone (OpenSSL through .NET, same core): no implementation can be faster.
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"crypto floor {ourFloor:F1} µs/msg (at most {1e6 / ourFloor:F0} msg/s per core); our own work {report.Results[0].MicrosecondsPerMessage - ourFloor:F1} µs/msg"));
        }

        if (report.Results[0].Gc is { } gc)
        {
            // Collections per mail and the gen-0 budget: what differs between machines without the code changing.
            Console.WriteLine(gc.ToString());
        }

        if (report.Results[0].FloorThroughput is { } floorThroughput)
        {
            // The threads' CPU and the floor on as many threads: what the machine allows this thread count (target 3).
            var use = report.Results[0].ThreadUse;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"crypto floor on {floorThroughput.Threads} thread(s): {floorThroughput.MessagesPerSecond:F1} msg/s, {floorThroughput.ThreadUse?.MessagesPerWorkerCpuSecond:F1} per thread CPU-second; ours {use?.MessagesPerWorkerCpuSecond:F1} per thread CPU-second, threads on a CPU {use?.WorkerCpuPerSecond:F2} s/s, waiting {use?.WorkerWaitPerSecond:F2} s/s, process CPU {use?.ProcessCpuPerSecond:F2} s/s"));
        }

        if (report.Results[0].PairedOwnWork is { } paired)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"paired ({paired.Pairs} alternating {paired.SliceMilliseconds} ms slices): own work {paired.OwnMicroseconds:F1} µs/msg against a floor of {paired.FloorMicroseconds:F1} µs = {paired.OwnShare:P1} (pairs {paired.OwnShareMin:P1}–{paired.OwnShareMax:P1})"));
        }

        if (report.Results[0].OwnWorkByCpuTime is { } byCpu)
        {
            // Target 3's figure: thread CPU time, pairs in which neither slice was descheduled (README, session 14).
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"by thread CPU time ({byCpu.Pairs} alternating {byCpu.SliceMilliseconds} ms pairs, {byCpu.CleanPairs} not descheduled, figure on {byCpu.Basis}): own work {byCpu.OwnMicroseconds:F1} µs/msg against a floor of {byCpu.FloorMicroseconds:F1} µs = {byCpu.OwnShare:P1} (groups {byCpu.OwnShareLow:P1}–{byCpu.OwnShareHigh:P1}); all pairs {byCpu.AllPairsCpuShare:P1} by CPU, {byCpu.AllPairsWallShare:P1} by wall clock"));
        }

        if (report.BaselineRatio is { } ratio)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio {ProtectBenchRunner.OurEngine}/mimekit: {ratio:F2}x"));
        }
    }
}
