using MimeKit;
using SmimePipeline.Cryptography.Tests.Algorithms;

namespace SmimePipeline.InteropTests;

/// <summary>
/// The three independent judges on one encrypted mail: OpenSSL 3, NSS cmsutil and gpgsm 2.2 each decrypt it with the
/// recipient's key and verify its signature in a fresh directory under the PKI's; a judge that refuses it, or gives no
/// content, fails the test naming the engine and its verdict.
/// </summary>
internal static class ThreeEngines
{
    /// <summary>The decrypted payload each engine read, with the engine's name, in the order OpenSSL, NSS, gpgsm.</summary>
    /// <param name="pki">The PKI whose keys and CA the engines use.</param>
    /// <param name="label">Names the scratch directory (a random suffix keeps runs apart).</param>
    /// <param name="protectedMail">The signed and encrypted RFC 5322 message.</param>
    /// <param name="recipient">The recipient whose key decrypts it (an RSA recipient: NSS and gpgsm read key transport only).</param>
    public static IReadOnlyList<(string Engine, MimeEntity Payload)> DecryptAndVerify(AlgorithmPki pki, string label, byte[] protectedMail, string recipient)
    {
        string directory = Path.Combine(pki.Directory, label + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        string[] recipients = [recipient];
        using var gpgsm = new GpgsmEngine(pki, directory, recipients);
        IInteropEngine[] engines = [new OpenSslEngine(pki, directory), new NssEngine(pki, directory, recipients), gpgsm];

        var payloads = new List<(string Engine, MimeEntity Payload)>(engines.Length);
        foreach (var engine in engines)
        {
            var verdict = engine.Read(protectedMail, encrypted: true, recipient);
            Assert.True(verdict.Accepted, $"{engine.Name}: {verdict.Cell}");
            Assert.True(verdict.Content is not null, $"{engine.Name} gave no decrypted content");
            payloads.Add((engine.Name, MimeEntity.Load(new MemoryStream(verdict.Content))));
        }

        return payloads;
    }
}
