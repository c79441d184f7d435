using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Delivery;
using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// <c>large-stages POSTGRES_CONNECTION POSTMASTER_PID [mails] [warm-up mails] [directory]</c> (issue 17, session 10): what one
/// ≈1.5 MB mail costs in each step of its byte path, measured apart on one thread with the worker's own classes — the
/// producer's claim (<see cref="ProtectClaimContent.Write(ProtectEmail)"/>, SHA-256, <see cref="PostgresProtectClaimStore"/>
/// INSERT), the signer's claim read (<see cref="ProducerClaimReader"/>: SELECT, both digests, the binary reader; then the
/// consumed mark), compose + sign + encrypt (<see cref="MimeComposer.ComposeForProtection(ProtectEmail)"/>,
/// <see cref="SmimeProtector"/>), the signer → sender claim file (<see cref="DeliveryContentStore"/> over
/// <see cref="FileClaimStore"/>: write + fsync, read, delete) and the pickup file (<see cref="PickupDirectoryTransport"/>:
/// write + two fsyncs), plus the sweeper's DELETE of consumed claims every 20 mails.
/// </summary>
/// <remarks>
/// For each step: this process's CPU (all threads, the GC's and Npgsql's too, but the JIT's tiering thread apart) and PostgreSQL's (the postmaster
/// <c>POSTMASTER_PID</c>, its live children and those it reaped, from <c>/proc</c>; background writer and WAL writer
/// included, since a machine pays for them), in ms per mail. Files go to <c>directory</c> (default the system's temporary
/// directory; say which file system). The broker's part (small messages only, once the claims are in place) is not here:
/// <c>smime bench pipeline --broker-pid</c> measures it. Run with <c>DOTNET_GCLOHThreshold=0x100000</c>, as the worker.
/// </remarks>
internal static class LargeMailStages
{
    private const int SweepEvery = 20;

    private static readonly string[] Names =
    [
        "producer: claim content + SHA-256 + INSERT",
        "signer: claim SELECT + digests + read + consumed mark",
        "signer: compose + sign + encrypt",
        "signer: claim file write + fsync",
        "sender: claim file read",
        "sender: pickup file write + fsync",
        "sender: claim file delete",
        "sweeper: DELETE consumed claims (per mail)",
    ];

    public static void Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task RunAsync(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: large-stages POSTGRES_CONNECTION POSTMASTER_PID [mails=100] [warm-up=30] [directory]");
            Environment.Exit(2);
        }

        var connection = args[1];
        int postmaster = int.Parse(args[2], CultureInfo.InvariantCulture);
        int mails = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 100;
        int warmup = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 30;
        var root = Directory.CreateTempSubdirectory("smime-large-stages-").FullName;
        if (args.Length > 5)
        {
            root = Directory.CreateDirectory(Path.Combine(args[5], "smime-large-stages-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        }

        using var keys = new BenchmarkKeys();
        await using var claims = new PostgresProtectClaimStore(connection);
        await claims.EnsureSchemaAsync(CancellationToken.None);
        var options = Options.Create(new SmimePipelineOptions());
        var reader = new ProducerClaimReader(options, claims);
        var protector = new SmimeProtector(keys);
        var contentStore = new DeliveryContentStore(new FileClaimStore(Path.Combine(root, "claims")), options);
        var outbox = Path.Combine(root, "outbox");
        var pickup = new PickupDirectoryTransport(Options.Create(new PickupDirectoryOptions { Directory = outbox }));
        var template = BenchmarkMail.Large();

        var processMs = new double[Names.Length];
        var postgresMs = new double[Names.Length];
        long outputBytes = 0;
        int gen2 = 0;
        for (int i = -warmup; i < mails; i++)
        {
            bool measured = i >= 0;
            if (i == 0)
            {
                gen2 = GC.CollectionCount(2);
            }

            var mail = template with { MailId = Guid.NewGuid() };
            var step = new StepClock(postmaster);

            var content = ProtectClaimContent.Write(mail);
            var sha256 = SHA256.HashData(content);
            var claimId = ProtectClaimId.NewId();
            await claims.PutAsync(claimId, content, sha256, DateTimeOffset.UtcNow, CancellationToken.None);
            var reference = new ProtectCommandClaim { MailId = mail.MailId, ClaimAddress = claimId.Address, Length = content.LongLength, Sha256 = Convert.ToHexStringLower(sha256) };
            step.Lap(0, measured, processMs, postgresMs);

            var claim = await reader.LoadAsync(reference, CancellationToken.None);
            await reader.MarkConsumedAsync(claim.Id, DateTimeOffset.UtcNow, CancellationToken.None);
            step.Lap(1, measured, processMs, postgresMs);

            ProtectedMail protectedMail;
            using (var composed = MimeComposer.ComposeForProtection((ProtectEmail)claim.Command!))
            {
                protectedMail = protector.Protect(composed, SecurityPolicy.SignAndEncrypt);
            }

            step.Lap(2, measured, processMs, postgresMs);

            var deliver = await contentStore.CheckInAsync(
                new DeliverEmail { MailId = mail.MailId, EnvelopeFrom = protectedMail.EnvelopeFrom, EnvelopeTo = protectedMail.EnvelopeTo, Content = protectedMail.Content },
                CancellationToken.None);
            step.Lap(3, measured, processMs, postgresMs);

            var bytes = await contentStore.LoadAsync(deliver, CancellationToken.None);
            step.Lap(4, measured, processMs, postgresMs);

            await pickup.SendAsync(new OutgoingMail(mail.MailId, deliver.EnvelopeFrom, deliver.EnvelopeTo, bytes), CancellationToken.None);
            step.Lap(5, measured, processMs, postgresMs);

            contentStore.Release(deliver);
            step.Lap(6, measured, processMs, postgresMs);

            if ((i + warmup + 1) % SweepEvery == 0)
            {
                var now = DateTimeOffset.UtcNow;
                await claims.DeleteExpiredAsync(now, now.AddDays(-7), CancellationToken.None);
            }

            step.Lap(7, measured, processMs, postgresMs);

            if (measured)
            {
                outputBytes += bytes.Length;
            }

            // Not timed: the outbox would otherwise hold mails × 2.9 MB.
            File.Delete(pickup.PathFor(mail.MailId));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"large-stages: {mails} mails after {warmup}, output {outputBytes / Math.Max(1, mails)} bytes per mail, files in {root}, gen-2 collections {GC.CollectionCount(2) - gen2}, load {File.ReadAllText("/proc/loadavg").Trim()}"));
        Console.WriteLine("| step | this process, ms per mail | PostgreSQL, ms per mail |");
        Console.WriteLine("|---|---|---|");
        for (int s = 0; s < Names.Length; s++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {Names[s]} | {processMs[s] / mails:F2} | {postgresMs[s] / mails:F2} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| total | {processMs.Sum() / mails:F2} | {postgresMs.Sum() / mails:F2} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| (the JIT's tiering thread, left out above) | {StepClock.JitMs / mails:F2} | |"));
        Directory.Delete(root, recursive: true);
    }

    /// <summary>
    /// CPU of this process and of the PostgreSQL tree since the last lap. The JIT's tiering thread is left out of the
    /// process's figure and counted apart (<see cref="JitMs"/>): on a busy machine it still recompiled for minutes, and its
    /// time would land on whichever step happened to run.
    /// </summary>
    private sealed class StepClock(int postmaster)
    {
        private const int TicksPerSecond = 100;
        private TimeSpan _process = Environment.CpuUsage.TotalTime;
        private long _jitTicks = TieringThreadTicks();
        private long _postgresTicks = PostgresTicks(postmaster);

        /// <summary>The tiering thread's CPU over the measured laps, ms.</summary>
        public static double JitMs { get; private set; }

        public void Lap(int step, bool measured, double[] processMs, double[] postgresMs)
        {
            var process = Environment.CpuUsage.TotalTime;
            var jit = TieringThreadTicks();
            var postgres = PostgresTicks(postmaster);
            if (measured)
            {
                double jitMs = (jit - _jitTicks) * 1000.0 / TicksPerSecond;
                JitMs += jitMs;
                processMs[step] += (process - _process).TotalMilliseconds - jitMs;
                postgresMs[step] += (postgres - _postgresTicks) * 1000.0 / TicksPerSecond;
            }

            _process = process;
            _jitTicks = jit;
            _postgresTicks = postgres;
        }

        // The thread the runtime names ".NET Tiered Compilation Worker" (comm keeps 15 characters).
        private static long TieringThreadTicks()
        {
            long total = 0;
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered", StringComparison.Ordinal))
                    {
                        total += Ticks(int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture), "/proc/self/task/");
                    }
                }
                catch (IOException)
                {
                    // The thread ended between the listing and the read.
                }
            }

            return total;
        }

        // utime + stime + cutime + cstime of the postmaster and each live child (/proc/PID/stat fields 14-17).
        private static long PostgresTicks(int postmaster)
        {
            long total = Ticks(postmaster);
            foreach (var line in File.ReadLines($"/proc/{postmaster}/task/{postmaster}/children").SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            {
                total += Ticks(int.Parse(line, CultureInfo.InvariantCulture));
            }

            return total;
        }

        private static long Ticks(int pid, string directory = "/proc/")
        {
            string stat;
            try
            {
                stat = File.ReadAllText($"{directory}{pid}/stat");
            }
            catch (IOException)
            {
                return 0; // a backend that exited between the listing and the read: its ticks are in the parent's cutime now
            }

            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        }
    }
}
