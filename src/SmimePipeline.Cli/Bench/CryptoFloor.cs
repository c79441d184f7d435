using System.Diagnostics;
using MimeKit;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Buffers;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The cryptographic work that one protected message cannot avoid, timed in this process on this thread
/// through the same OpenSSL-backed .NET types the protector uses: the digest of the signed content, one
/// signature with the signer's key, a fresh content key and IV, the content encryption of the signed
/// entity, and one RSA key transport per RecipientInfo. The sizes and the recipient count come from a
/// real protected output of the same message, so the floor follows what the protector actually did.
/// Every approximation errs low (the content digest leaves out the inner protected headers; each key
/// transport is timed with the recipient's key), so the floor is a lower bound: a message can never
/// take less, and <c>1 / floor</c> is the highest rate any implementation could reach on this core.
/// </summary>
internal static class CryptoFloor
{
    /// <summary>What one protected message needs.</summary>
    /// <param name="ContentBytes">Bytes digested for the signature (the canonical body).</param>
    /// <param name="PlaintextBytes">Bytes encrypted (the signed entity, read back from the EnvelopedData).</param>
    /// <param name="KeyTransports">RSA key transports (KeyTransRecipientInfos in the output).</param>
    public sealed record Shape(int ContentBytes, int PlaintextBytes, int KeyTransports);

    /// <summary>Reads the shape of <paramref name="mail"/> as <paramref name="protectedMail"/> shows it.</summary>
    /// <exception cref="InvalidOperationException">The output is not enveloped, or uses key agreement (not modelled).</exception>
    public static Shape Describe(ProtectEmail mail, ReadOnlySpan<byte> protectedMail)
    {
        int contentBytes;
        using (var message = MimeComposer.Compose(mail))
        using (var canonical = new PooledMemoryStream(64 * 1024))
        {
            MimeCanonicalizer.WriteCanonical(message.Body ?? throw new InvalidOperationException("The bench mail has no body."), canonical);
            contentBytes = (int)canonical.Length;
        }

        using var input = new MemoryStream(protectedMail.ToArray(), writable: false);
        using var parsed = MimeMessage.Load(input);
        if (parsed.Body is not MimePart { Content: not null } pkcs7)
        {
            throw new InvalidOperationException("The protected mail has no application/pkcs7-mime body.");
        }

        using var der = new MemoryStream();
        pkcs7.Content.DecodeTo(der);
        var contentInfo = ContentInfo.GetInstance(Asn1Object.FromByteArray(der.ToArray()));
        Asn1Set recipientInfos;
        int plaintextBytes;
        if (contentInfo.ContentType.Equals(CmsObjectIdentifiers.EnvelopedData))
        {
            var enveloped = EnvelopedData.GetInstance(contentInfo.Content);
            recipientInfos = enveloped.RecipientInfos;
            // PKCS#7 padding adds 1 to 16 bytes; counting the full block as padding keeps the floor low.
            plaintextBytes = enveloped.EncryptedContentInfo.EncryptedContent.GetOctets().Length - 16;
        }
        else if (contentInfo.ContentType.Equals(CmsObjectIdentifiers.AuthEnvelopedData))
        {
            var enveloped = AuthEnvelopedData.GetInstance(contentInfo.Content);
            recipientInfos = enveloped.RecipientInfos;
            plaintextBytes = enveloped.AuthEncryptedContentInfo.EncryptedContent.GetOctets().Length;
        }
        else
        {
            throw new InvalidOperationException($"The protected mail carries {contentInfo.ContentType}, not EnvelopedData or AuthEnvelopedData.");
        }

        int keyTransports = 0;
        foreach (var element in recipientInfos)
        {
            if (RecipientInfo.GetInstance(element).Info is not KeyTransRecipientInfo)
            {
                throw new InvalidOperationException("The crypto floor models RSA key transport only; this output has another kind of RecipientInfo.");
            }

            keyTransports++;
        }

        return new Shape(contentBytes, plaintextBytes, keyTransports);
    }

    /// <summary>Measures the floor of <paramref name="shape"/> for <paramref name="duration"/> after a warm-up.</summary>
    public static CryptoFloorResult Measure(BenchCertificateStore store, Shape shape, string cipher, TimeSpan warmup, TimeSpan duration) =>
        new(Math.Round(MeasureMicroseconds(store, shape, cipher, warmup, duration), 1), shape.ContentBytes, shape.PlaintextBytes, shape.KeyTransports);

    /// <summary>
    /// The floor of <paramref name="shape"/> on <paramref name="threads"/> threads at once, each with its own key handles
    /// (<see cref="CryptoFloorWorker"/>), timed as the protect stage is (<see cref="ThroughputHarness"/>): how the machine
    /// scales the cryptography alone, the ceiling of the protect stage's own scaling over threads.
    /// </summary>
    public static ThroughputHarness.Measurement MeasureThreads(BenchCertificateStore store, Shape shape, string cipher, int threads, TimeSpan warmup, TimeSpan duration)
    {
        var workers = new List<CryptoFloorWorker>(threads);
        try
        {
            return ThroughputHarness.Run(threads, warmup, duration, _ =>
            {
                var worker = new CryptoFloorWorker(store, shape, cipher);
                workers.Add(worker);
                return worker.RunOne;
            }, largeObjectHeap: false);
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }
    }

    /// <summary>Microseconds of cryptography per message of <paramref name="shape"/>, measured for <paramref name="duration"/> after a warm-up.</summary>
    private static double MeasureMicroseconds(BenchCertificateStore store, Shape shape, string cipher, TimeSpan warmup, TimeSpan duration)
    {
        using var worker = new CryptoFloorWorker(store, shape, cipher);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < warmup)
        {
            worker.RunOne();
        }

        long done = 0;
        clock.Restart();
        while (clock.Elapsed < duration)
        {
            worker.RunOne();
            done++;
        }

        return clock.Elapsed.TotalMicroseconds / Math.Max(done, 1);
    }
}
