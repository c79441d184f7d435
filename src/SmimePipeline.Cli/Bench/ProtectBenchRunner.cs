using SmimePipeline.Cli.Commands;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// <c>smime bench protect</c>: the signer's whole protect stage in-process — compose the MIME message
/// from a <see cref="ProtectEmail"/>, sign, encrypt, produce the final bytes — and optionally MimeKit's
/// default path on the same message for comparison.
/// </summary>
internal static class ProtectBenchRunner
{
    public const string OurEngine = "smimepipeline";

    /// <summary>How many protect/floor pairs the paired own-work figure times (400 ms each slice, ≈ 8 s in all).</summary>
    private const int PairedSlices = 10;

    /// <summary>
    /// <see cref="OwnWorkByCpuTime"/>'s pairs and slice: 80 × 2 × 50 ms ≈ 8 s, as long as the wall-clock pairs. A slice is
    /// short enough that on a quiet machine most pass without a deschedule, and holds ≈ 100 standard protects (≈ 5 gen-0
    /// collections), so the collections' cost is spread evenly over slices rather than landing in a few.
    /// </summary>
    private const int CpuTimedPairs = 80;

    private const int CpuTimedSliceMilliseconds = 50;

    /// <summary>Floors run on the CPU-timed pairs' own worker before they start (its key handles' first operations).</summary>
    private const int CpuTimedWarmupFloors = 50;

    /// <summary>One protection of <paramref name="mail"/> (compose, sign, encrypt, serialise): the protected mail.</summary>
    public static ProtectedMail ProtectOnce(SmimeProtector protector, ProtectEmail mail)
    {
        ArgumentNullException.ThrowIfNull(protector);
        using var message = MimeComposer.ComposeForProtection(mail);
        return protector.Protect(message, SecurityPolicy.SignAndEncrypt);
    }

    public static ProtectBenchResult RunOurs(BenchCertificateStore store, ProtectEmail mail, BenchSettings settings)
    {
        // The signer worker's registration (validated store, recipient directory, revocation, capabilities).
        using var services = CertificateServices.Build(o => o.StorePath = store.StorePath, o => o.Cipher = ResolveCipher(settings.Cipher), store.Pkcs11);
        var protector = services.GetRequiredService<SmimeProtector>();
        byte[] probe = ProtectOnce(protector, mail).Content;

        void ProtectOne()
        {
            using var message = MimeComposer.ComposeForProtection(mail);
            protector.Protect(message, SecurityPolicy.SignAndEncrypt);
        }

        var measurement = ThroughputHarness.Run(settings.Threads, settings.Warmup, settings.Duration, thread => ProtectOne);

        // The floor runs after the measurement, on this thread, so it sees the same core and the same warm caches.
        // A key in a PKCS#11 token has no OpenSSL floor: the token's signature is the thing measured.
        var shape = CryptoFloor.Describe(mail, probe);
        var floorWarmup = TimeSpan.FromTicks(Math.Min(settings.Warmup.Ticks, TimeSpan.FromSeconds(3).Ticks));
        var floorDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(2).Ticks, settings.Duration.Ticks / 2));
        var floor = store.KeyInToken is not null ? null : CryptoFloor.Measure(store, shape, settings.Cipher, floorWarmup, floorDuration);
        // The floor again on as many threads as ours ran, timed the same way: the machine's own scaling of the cryptography.
        var floorThroughput = floor is null ? null
            : CryptoFloor.MeasureThreads(store, shape, settings.Cipher, settings.Threads, floorWarmup, floorDuration);
        // On one thread, own work is also timed pair by pair, protect and floor side by side (see PairedOwnWork).
        var paired = floor is null || settings.Threads != 1 ? null : PairedOwnWork.Measure(
            ProtectOne, store, shape, settings.Cipher, PairedSlices, TimeSpan.FromMilliseconds(400));
        // Target 3's figure since session 14: many short pairs timed by the thread's CPU clock, descheduled pairs set aside.
        OwnWorkByCpuTime? byCpuTime = null;
        if (paired is not null)
        {
            using var floorWorker = new CryptoFloorWorker(store, shape, settings.Cipher);
            for (int i = 0; i < CpuTimedWarmupFloors; i++)
            {
                floorWorker.RunOne();
            }

            byCpuTime = OwnWorkByCpuTime.Measure(ProtectOne, floorWorker, CpuTimedPairs, TimeSpan.FromMilliseconds(CpuTimedSliceMilliseconds));
        }

        return ToResult(OurEngine, mail, settings, probe.Length, measurement, floor) with
        {
            PairedOwnWork = paired,
            OwnWorkByCpuTime = byCpuTime,
            FloorThroughput = floorThroughput is null ? null : new CryptoFloorThroughput(
                settings.Threads, Math.Round(floorThroughput.Operations / floorThroughput.Seconds, 1), ThreadUse.From(floorThroughput)),
        };
    }

    public static ProtectBenchResult RunMimeKit(BenchCertificateStore store, ProtectEmail mail, BenchSettings settings)
    {
        long outputBytes;
        using (var probe = new MimeKitBaseline(store))
        {
            outputBytes = MimeKitBaseline.Protect(probe, mail);
        }

        var measurement = ThroughputHarness.Run(settings.Threads, settings.Warmup, settings.Duration, thread =>
        {
            // One context per thread, never disposed before the process ends: the harness keeps the workers.
            var baseline = new MimeKitBaseline(store);
            return () => MimeKitBaseline.Protect(baseline, mail);
        });
        return ToResult("mimekit", mail, settings, outputBytes, measurement, null);
    }

    /// <summary>The RFC 5322 size of the unprotected message.</summary>
    public static long InputSize(ProtectEmail mail)
    {
        using var message = MimeComposer.Compose(mail);
        using var counter = new MemoryStream();
        message.WriteTo(MimeCanonicalizer.CanonicalFormat, counter);
        return counter.Length;
    }

    public static ContentCipher ResolveCipher(string cipher) => cipher switch
    {
        "aes256-cbc" => ContentCipher.Aes256Cbc,
        "aes256-gcm" => ContentCipher.Aes256Gcm,
        _ => throw new Commands.CliException($"--cipher {cipher}: expected aes256-cbc or aes256-gcm."),
    };

    private static ProtectBenchResult ToResult(string engine, ProtectEmail mail, BenchSettings settings, long outputBytes, ThroughputHarness.Measurement measurement, CryptoFloorResult? cryptoFloor)
    {
        long messages = Math.Max(measurement.Operations, 1);
        double allocatedPerMessage = (double)measurement.AllocatedBytes / messages;
        double threadMicrosecondsPerMessage = measurement.Seconds * 1e6 * settings.Threads / messages;
        return new ProtectBenchResult(
            engine,
            settings.Message.ToString().ToLowerInvariant(),
            settings.Key,
            settings.Cipher,
            settings.Threads,
            Math.Round(measurement.Seconds, 3),
            measurement.Operations,
            Math.Round(measurement.Operations / measurement.Seconds, 1),
            Math.Round(threadMicrosecondsPerMessage, 1),
            cryptoFloor,
            InputSize(mail),
            outputBytes,
            Math.Round(allocatedPerMessage),
            Math.Round(allocatedPerMessage / outputBytes, 2),
            Math.Round((double)measurement.LargeObjectHeapBytes / messages),
            measurement.Gen2Collections)
        {
            Gc = ProtectGcFigures.From(measurement, messages),
            ThreadUse = ThreadUse.From(measurement),
        };
    }
}
