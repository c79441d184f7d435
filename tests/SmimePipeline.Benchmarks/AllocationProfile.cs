using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Buffers;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Cms;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// <c>alloc-profile [standard|small]</c>: what one protected mail allocates, exactly, whatever the machine's load. The
/// bytes per mail of the compose step (<see cref="MimeComposer.ComposeForProtection(ProtectEmail)"/>) and of
/// <see cref="SmimeProtector.Protect"/> (<see cref="GC.GetAllocatedBytesForCurrentThread"/>, mean of 200 mails after
/// 2,000 of warm-up), then each step of the protect run on its own (header rules, certificate checks, canonical body,
/// SignedData, multipart/signed, EnvelopedData, outer headers, final MIME). The runtime's allocation sampling
/// (<c>GCAllocationTick</c>) is no help here: it names the object that crosses each 100 KB mark, which is nearly always
/// the 78 KB output.
/// </summary>
internal static class AllocationProfile
{
    public static void Run(string[] args)
    {
        string message = args.Length > 1 ? args[1] : "standard";
        using var keys = new BenchmarkKeys();
        var worker = new WorkerProtect(keys, BenchmarkMail.Named(message));
        var mail = worker.Mail;
        for (int i = 0; i < 2_000; i++)
        {
            worker.Run();
        }

        long compose = 0, protect = 0, output = 0;
        const int Exact = 200;
        for (int i = 0; i < Exact; i++)
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            using var composed = MimeComposer.ComposeForProtection(mail);
            long composedAt = GC.GetAllocatedBytesForCurrentThread();
            var protectedMail = worker.Protector.Protect(composed, SecurityPolicy.SignAndEncrypt);
            long end = GC.GetAllocatedBytesForCurrentThread();
            compose += composedAt - start;
            protect += end - composedAt;
            output += protectedMail.Content.Length;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{message}: per mail (exact, mean of {Exact}): compose {compose / Exact:N0} B, protect {protect / Exact:N0} B, total {(compose + protect) / Exact:N0} B; output {output / Exact:N0} B"));

        Steps(keys, mail);
    }

    /// <summary>The protect's steps one by one, as <see cref="SmimeProtector.Protect"/> runs them, each's exact bytes per mail.</summary>
    private static void Steps(BenchmarkKeys keys, ProtectEmail mail)
    {
        using var signerKey = new CmsSignerKey(keys.SignerIdentity);
        var now = DateTimeOffset.UtcNow;
        X509Certificate2[] recipients = [keys.RecipientCertificate, keys.SignerIdentity.Certificate];
        var steps = new (string Name, long Bytes)[]
        {
            ("header rules", 0), ("certificate checks", 0), ("canonical body", 0), ("SignedData (detached)", 0),
            ("multipart/signed entity", 0), ("EnvelopedData (pooled)", 0), ("outer headers", 0), ("final MIME (output)", 0),
        };
        const int Rounds = 200;
        for (int round = 0; round < Rounds + 50; round++)
        {
            using var composed = MimeComposer.ComposeForProtection(mail);
            using var canonical = new PooledMemoryStream(64 * 1024);
            using var signed = new PooledMemoryStream(128 * 1024);
            using var enveloped = new PooledMemoryStream(128 * 1024, holdsPlaintext: false);
            using var outer = new PooledMemoryStream(4 * 1024);
            byte[] signature = [];
            int i = 0;
            void Step(Action action)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                action();
                if (round >= 50)
                {
                    steps[i].Bytes += GC.GetAllocatedBytesForCurrentThread() - before;
                }

                i++;
            }

            Step(() => HeaderRules.Check(composed.Headers, 64 * 1024));
            Step(() =>
            {
                CertificateRules.CheckSigner(BenchmarkKeys.Sender, keys.FindSigner(BenchmarkKeys.Sender)!.Certificate, now);
                _ = CertificateRules.FindRecipientProblem(BenchmarkKeys.Recipient, keys.FindRecipientCertificate(BenchmarkKeys.Recipient)!, now);
                _ = CertificateRules.FindRecipientProblem(BenchmarkKeys.Sender, keys.SignerIdentity.Certificate, now);
            });
            Step(() => MimeCanonicalizer.WriteCanonical(composed.Body!, canonical));
            Step(() => signature = CmsSignedDataWriter.WriteDetached(canonical.WrittenSpan, signerKey, now));
            Step(() => SmimeEntityWriter.WriteMultipartSigned(signed, canonical.WrittenSpan, signature, signerKey.Digest.MicAlg));
            Step(() => CmsEnvelopedDataWriter.Write(signed.WrittenSpan, recipients, ContentEncryptionAlgorithm.Aes256Cbc, KeyTransport.RsaPkcs1, enveloped));
            Step(() => OuterHeaderWriter.Write(composed.Headers, null, now, BenchmarkKeys.Sender, _ => "x@example.com", outer));
            Step(() => SmimeEntityWriter.CreatePkcs7MimeMessage(outer.WrittenSpan, enveloped.WrittenSpan, Pkcs7MimeType.EnvelopedData));
        }

        Console.WriteLine("by step (exact, B per mail; the protector's own glue is the rest of its figure above):");
        foreach (var (name, bytes) in steps)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes / Rounds,9:N0}  {name}"));
        }
    }
}
