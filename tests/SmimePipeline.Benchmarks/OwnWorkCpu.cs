using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Buffers;
using SmimePipeline.Cryptography.Cms;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// <c>own-cpu [standard|small] [pairs] [warm-up seconds]</c>: the protect stage's own work in CPU time rather than wall
/// time, for a machine shared with other work. Alternating slices of whole protects and of the crypto floor (SHA-256
/// of the signed content, one RSA-2048 signature, content key and IV, AES-256-CBC of the signed entity, one RSA key
/// transport per RecipientInfo, the same operations <c>smime bench protect</c> times), each slice timed by the CPU
/// the whole process used (every thread's <c>/proc/self/task/*/schedstat</c> run time, so the server GC's threads
/// count), not by the clock: time spent waiting for the core while other processes run is not counted. Prints the
/// median pair's own work (protect − floor) and its share of the floor, the allocation per protected mail, and what the
/// GC did during the protect slices (<see cref="GcActivity"/>: collections per 1,000 mails, pause per mail, the gen-0
/// budget in effect and the settings that shape it).
/// </summary>
internal static class OwnWorkCpu
{
    public static void Run(string[] args)
    {
        string message = args.Length > 1 ? args[1] : "standard";
        int pairs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
        double warmupSeconds = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 15;
        var mail = BenchmarkMail.Named(message);
        using var keys = new BenchmarkKeys();
        var worker = new WorkerProtect(keys, mail);
        void Protect() => worker.Run();

        var floor = new Floor(keys, mail);
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed.TotalSeconds < warmupSeconds)
        {
            Protect();
            floor.Run();
        }

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        Protect();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        var own = new List<double>();
        var floors = new List<double>();
        var protectGc = default(GcActivity);
        long protectedMails = 0;
        for (int i = 0; i < pairs; i++)
        {
            var gcBefore = GcActivity.Now();
            double protectMicroseconds = CpuMicrosecondsPerOperation(Protect, out int protects);
            protectGc += GcActivity.Now() - gcBefore;
            protectedMails += protects;
            double floorMicroseconds = CpuMicrosecondsPerOperation(floor.Run, out _);
            own.Add(protectMicroseconds - floorMicroseconds);
            floors.Add(floorMicroseconds);
        }

        own.Sort();
        floors.Sort();
        double medianOwn = own[pairs / 2];
        double medianFloor = floors[pairs / 2];
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"message\":\"{message}\",\"pairs\":{pairs},\"ownCpuMicroseconds\":{medianOwn:F1},\"floorCpuMicroseconds\":{medianFloor:F1},\"ownShare\":{medianOwn / medianFloor:F3},\"ownP25\":{own[pairs / 4]:F1},\"ownP75\":{own[pairs * 3 / 4]:F1},\"allocatedBytesPerMail\":{allocated},{protectGc.PerMailJson(protectedMails)},\"gen0BudgetHeap0\":{GcActivity.Gen0BudgetOfHeap0()},{GcActivity.SettingsJson()}}}"));
    }

    /// <summary>
    /// <c>count MESSAGE N protect|floor</c>: exactly one protect and one floor (the set-up every run shares), then
    /// <c>N</c> more of one of them, nothing else, for counts that do not depend on the machine's load: under
    /// <c>valgrind --tool=callgrind</c> the instructions of two runs with different <c>N</c> give the instructions per
    /// mail as their difference ÷ the difference in <c>N</c> (README, "Issue 17, session 12: the protect stage's own work").
    /// </summary>
    public static void RunCount(string[] args)
    {
        string message = args.Length > 1 ? args[1] : "standard";
        int count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;
        bool floorOnly = args.Length > 3 && args[3] == "floor";
        var mail = BenchmarkMail.Named(message);
        using var keys = new BenchmarkKeys();
        var worker = new WorkerProtect(keys, mail);
        var floor = new Floor(keys, mail);
        worker.Run();
        floor.Run();
        for (int i = 0; i < count; i++)
        {
            if (floorOnly)
            {
                floor.Run();
            }
            else
            {
                worker.Run();
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"message\":\"{message}\",\"count\":{count},\"what\":\"{(floorOnly ? "floor" : "protect")}\"}}"));
    }

    /// <summary>Runs <paramref name="operation"/> for ≈ 500 ms of wall time; the process's CPU time per operation.</summary>
    private static double CpuMicrosecondsPerOperation(Action operation, out int count)
    {
        long cpuBefore = ProcessCpuNanoseconds();
        var wall = Stopwatch.StartNew();
        count = 0;
        while (wall.ElapsedMilliseconds < 500)
        {
            operation();
            count++;
        }

        return (ProcessCpuNanoseconds() - cpuBefore) / 1000.0 / count;
    }

    /// <summary>The run time of every thread of this process, in nanoseconds (the first field of each schedstat).</summary>
    private static long ProcessCpuNanoseconds()
    {
        long total = 0;
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                string schedstat = File.ReadAllText(Path.Combine(task, "schedstat"));
                total += long.Parse(schedstat.AsSpan(0, schedstat.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // A thread that ended between the listing and the read has nothing left to count.
            }
        }

        return total;
    }

    /// <summary>The cryptography one protected mail cannot avoid, with its sizes read from a real protect.</summary>
    private sealed class Floor
    {
        private readonly RSA _signer;
        private readonly RSA[] _recipients;
        private readonly byte[] _content;
        private readonly byte[] _plaintext;
        private readonly byte[] _ciphertext;
        private readonly byte[] _key = new byte[32];
        private readonly byte[] _iv = new byte[16];

        public Floor(BenchmarkKeys keys, ProtectEmail mail)
        {
            _signer = keys.SignerIdentity.Certificate.GetRSAPrivateKey() ?? throw new InvalidOperationException("The bench signer has no RSA key.");
            _recipients = [keys.RecipientCertificate.GetRSAPublicKey()!, keys.SignerIdentity.Certificate.GetRSAPublicKey()!];
            using var composed = MimeComposer.Compose(mail);
            using var canonical = new PooledMemoryStream(64 * 1024);
            MimeCanonicalizer.WriteCanonical(composed.Body!, canonical);
            _content = canonical.ToArray();
            using var signerKey = new CmsSignerKey(keys.SignerIdentity);
            // The signed entity is at least the content and its base64 signature; erring low keeps the floor a floor.
            _plaintext = new byte[_content.Length + (CmsSignedDataWriter.WriteDetached(_content, signerKey, DateTimeOffset.UtcNow).Length * 4 / 3)];
            _ciphertext = new byte[_plaintext.Length + 16];
        }

        public void Run()
        {
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(_content, digest);
            _signer.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            RandomNumberGenerator.Fill(_key);
            RandomNumberGenerator.Fill(_iv);
            using var aes = Aes.Create();
            aes.Key = _key;
            aes.EncryptCbc(_plaintext, _iv, _ciphertext, PaddingMode.PKCS7);
            foreach (var recipient in _recipients)
            {
                recipient.Encrypt(_key, RSAEncryptionPadding.Pkcs1);
            }
        }
    }
}
