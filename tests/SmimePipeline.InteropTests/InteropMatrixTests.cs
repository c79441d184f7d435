using System.Text;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Tests.Algorithms;
using Xunit.Abstractions;

namespace SmimePipeline.InteropTests;

/// <summary>
/// The interoperability matrix: each generated message decrypted and verified by OpenSSL 3, NSS cmsutil and
/// gpgsm 2.2. An engine may fail only where it is known not to implement the algorithm at all (asserted
/// explicitly, so a change on either side shows up); OpenSSL must always decrypt, and must verify except
/// Ed25519, which OpenSSL 3.0 cannot verify and BouncyCastle's CMS verifier checks instead.
/// The markdown table is written to the test output and to <c>interop-matrix.md</c> next to the test assembly.
/// </summary>
public sealed class InteropMatrixTests(AlgorithmPki pki, ITestOutputHelper output) : IClassFixture<AlgorithmPki>
{
    [Fact]
    public void Three_engines_read_every_combination_except_their_known_limitations()
    {
        string directory = Path.Combine(pki.Directory, "interop");
        Directory.CreateDirectory(directory);
        string[] recipients = [AlgorithmPki.RsaRecipient, AlgorithmPki.EcRecipient];
        using var gpgsm = new GpgsmEngine(pki, directory, recipients);
        IInteropEngine[] engines = [new OpenSslEngine(pki, directory), new NssEngine(pki, directory, recipients), gpgsm];

        var table = new StringBuilder()
            .AppendLine("| signature | key management | cipher | signing | header protection | " + string.Join(" | ", engines.Select(e => e.Name)) + " |")
            .AppendLine("|---|---|---|---|---|" + string.Concat(engines.Select(_ => "---|")));
        var mismatches = new List<string>();
        foreach (var testCase in InteropCase.Matrix)
        {
            var protector = pki.CreateProtector(testCase.Options);
            var policy = new SecurityPolicy
            {
                Encrypt = testCase.Encrypted,
                Cipher = testCase.Encrypted ? testCase.Cipher : null,
                Opaque = testCase.Opaque,
                HeaderProtection = testCase.HeaderProtection,
            };
            var mail = protector.Protect(ProtectedBytes.Mail(testCase.Sender, "Interop " + testCase.Row, testCase.Recipient), policy);

            var cells = new List<string>();
            foreach (var engine in engines)
            {
                var verdict = engine.Read(mail.Content, testCase.Encrypted, testCase.Recipient);
                var limitation = KnownLimitations.Find(engine.Name, testCase);
                cells.Add(verdict.Accepted ? "reads" : limitation is null ? $"**FAILS**: {verdict.Detail}" : $"fails ({limitation.Reason})");
                if (limitation is null && !verdict.Accepted)
                {
                    mismatches.Add($"{engine.Name} rejected {testCase.Row}: {verdict.Cell}");
                }
                else if (limitation is not null && (limitation.AtDecryption ? verdict.Decrypted : verdict.Accepted))
                {
                    mismatches.Add($"{engine.Name} was expected to fail ({limitation.Reason}) on {testCase.Row} but {(verdict.Accepted ? "read it" : "decrypted it")}: update the known limitations");
                }
            }

            if (testCase.Signature == "ed25519")
            {
                // OpenSSL 3.0 cannot verify Ed25519 SignedData at all; BouncyCastle's verifier is the judge of the signature.
                byte[] signed = mail.Content;
                if (testCase.Encrypted)
                {
                    var decrypted = new OpenSslCms(pki, directory).Decrypt(mail.Content, testCase.Recipient);
                    Assert.True(decrypted.Ok, decrypted.Error);
                    signed = decrypted.Output;
                }

                Assert.True(BouncyCastleCmsVerifier.Verify(signed).Ok, $"BouncyCastle did not verify the Ed25519 signature of {testCase.Row}");
            }

            table.AppendLine(testCase.Row + " " + string.Join(" | ", cells) + " |");
        }

        string markdown = table.ToString();
        output.WriteLine(markdown);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "interop-matrix.md"), markdown);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }
}
