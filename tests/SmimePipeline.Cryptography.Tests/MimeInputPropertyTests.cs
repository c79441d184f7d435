using System.Collections.Concurrent;
using System.Text;
using CsCheck;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>
/// Issue 13: property-based tests over the MIME input of protect. Generated messages (random structure, transfer
/// encodings, 8-bit bytes, long lines, odd headers) and byte mutations of real mails either protect to something
/// OpenSSL verifies (checked on a sample) or are refused with a <see cref="ProtectionRefusedException"/> and a
/// reason code; never another exception, never a hang (each case is bounded by a timeout).
/// </summary>
[Collection("demo-pki")]
public sealed class MimeInputPropertyTests(DemoPkiFixture fixture)
{
    private const int VerifiedSample = 6;
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(60);
    private readonly SmimeProtector _protector = new(fixture.Store);

    [Fact]
    public async Task Generated_messages_protect_to_what_openssl_verifies_or_are_refused_with_a_reason()
    {
        var outcomes = new ConcurrentBag<string>();
        var verified = new ConcurrentBag<byte[]>();
        await GeneratedMessage(fixture.Pki.SenderAddress, fixture.Pki.RecipientAddresses).SampleAsync(
            async raw => outcomes.Add(await ProtectWithinTimeout(raw, verified)),
            iter: 250,
            threads: 1);

        Assert.Contains("protected", outcomes);
        VerifyWithOpenSsl(verified);
    }

    [Fact]
    public async Task Mutated_real_mails_protect_or_are_refused_with_a_reason()
    {
        var seeds = RealMails();
        var outcomes = new ConcurrentBag<string>();
        var verified = new ConcurrentBag<byte[]>();
        var mutated = Gen.Select(Gen.Int[0, seeds.Count - 1], Mutation.Array[1, 8], (seed, mutations) => Mutate(seeds[seed], mutations));
        await mutated.SampleAsync(
            async raw => outcomes.Add(await ProtectWithinTimeout(raw, verified)),
            iter: 300,
            threads: 1);

        Assert.Contains("protected", outcomes);
        Assert.Contains(outcomes, o => o.StartsWith("refused:", StringComparison.Ordinal));
        VerifyWithOpenSsl(verified);
    }

    /// <summary>One byte-level edit: flip, insert, delete, duplicate a slice, or splice in a token mail parsers care about.</summary>
    private static readonly Gen<(int Kind, int Position, int Length, byte Value)> Mutation =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, int.MaxValue], Gen.Int[1, 64], Gen.Byte);

    private static readonly string[] Tokens =
    [
        "\r\n", "\n", "\r", "\0", ":", "--", "\r\n\r\n", "=?utf-8?b?", "?=", "=\r\n", "boundary=\"", "Content-Type: multipart/mixed; boundary=x\r\n",
        "Content-Transfer-Encoding: base64\r\n", "Content-Transfer-Encoding: 8bit\r\n", "From ", " \r\n", "\u00e4", "multipart/signed",
    ];

    private static byte[] Mutate(byte[] seed, (int Kind, int Position, int Length, byte Value)[] mutations)
    {
        var bytes = new List<byte>(seed);
        foreach (var (kind, position, length, value) in mutations)
        {
            int at = bytes.Count == 0 ? 0 : position % bytes.Count;
            int count = Math.Min(length, bytes.Count - at);
            switch (kind)
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(value | 1);
                    break;
                case 1:
                    bytes.Insert(at, value);
                    break;
                case 2 when count > 0:
                    bytes.RemoveRange(at, count);
                    break;
                case 3 when count > 0:
                    bytes.InsertRange(at, bytes.GetRange(at, count));
                    break;
                default:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[value % Tokens.Length]));
                    break;
            }
        }

        return [.. bytes];
    }

    private static Gen<byte[]> GeneratedMessage(string sender, IReadOnlyList<string> recipients)
    {
        var text = Gen.Frequency(
            (6, Gen.String[Gen.Char['\u0020', '\u007e'], 0, 200]),
            (2, Gen.String[Gen.Char, 0, 120]),
            (1, Gen.Int[900, 1500].Select(n => new string('L', n))),
            (1, Gen.Const("From the bank\r\ntrailing   \r\n.\r\n")));
        var encoding = Gen.Int[0, 5].Select(i => new[] { "7bit", "8bit", "binary", "quoted-printable", "base64", "x-bogus" }[i]);
        var type = Gen.Int[0, 4].Select(i => new[] { "text/plain; charset=utf-8", "text/html", "application/octet-stream", "image/png; name=a.png", "text/plain; charset=x-unknown" }[i]);
        var leaf = Gen.Select(type, encoding, text, (t, e, body) => $"Content-Type: {t}\r\nContent-Transfer-Encoding: {e}\r\n\r\n{body}\r\n");
        var entity = Gen.Recursive<string>((depth, self) => depth >= 3
            ? leaf
            : Gen.Frequency(
                (3, leaf),
                (1, Gen.Select(Gen.Int[0, 2], self.Array[1, 4], (sub, parts) => Multipart(new[] { "mixed", "alternative", "related" }[sub], depth, parts)))));
        var headerValue = Gen.Frequency(
            (8, Gen.String[Gen.Char['\u0020', '\u007e'], 0, 80]),
            (1, Gen.String[Gen.Char, 0, 40]),
            (1, Gen.Int[990, 1100].Select(n => new string('h', n))));
        var extraHeader = Gen.Select(Gen.String[Gen.Char['!', '~'], 1, 20], headerValue, (n, v) => $"{n.Replace(":", "", StringComparison.Ordinal)}: {v}\r\n");
        return Gen.Select(extraHeader.Array[0, 4], Gen.Int[1, recipients.Count], headerValue, entity, (extras, to, subject, body) =>
            Encoding.UTF8.GetBytes(
                $"From: {sender}\r\nTo: {string.Join(", ", recipients.Take(to))}\r\nSubject: {subject}\r\n{string.Concat(extras)}MIME-Version: 1.0\r\n{body}"));
    }

    private static string Multipart(string subtype, int depth, string[] parts)
    {
        string boundary = $"b{depth}-{parts.Length}";
        var builder = new StringBuilder($"Content-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\n");
        foreach (var part in parts)
        {
            builder.Append("--").Append(boundary).Append("\r\n").Append(part);
        }

        return builder.Append("--").Append(boundary).Append("--\r\n").ToString();
    }

    private List<byte[]> RealMails()
    {
        var pki = fixture.Pki;
        var mails = new List<byte[]>();
        foreach (var mail in new[]
        {
            TestMails.Create(pki.SenderAddress, pki.RecipientAddresses[0]),
            TestMails.Create(pki.SenderAddress, pki.RecipientAddresses[1], pki.RecipientAddresses[2]) with { HtmlBody = null, Attachments = [] },
        })
        {
            using var message = MimeComposer.Compose(mail);
            using var buffer = new MemoryStream();
            message.WriteTo(FormatOptions.Default, buffer);
            mails.Add(buffer.ToArray());
        }

        mails.Add(Encoding.UTF8.GetBytes($"From: {pki.SenderAddress}\nTo: {pki.RecipientAddresses[0]}\nSubject: unix\n\nline\nFrom here\n"));
        return mails;
    }

    /// <summary>Protects sign-only or sign-and-encrypt (by the input's length), bounded by a timeout; returns the outcome.</summary>
    private async Task<string> ProtectWithinTimeout(byte[] raw, ConcurrentBag<byte[]> verified)
    {
        bool signOnly = raw.Length % 2 == 1;
        var run = Task.Run(() =>
        {
            try
            {
                using var message = MimeMessageReader.Read(raw, "generated mail");
                var result = _protector.Protect(message, signOnly ? SecurityPolicy.SignOnly : SecurityPolicy.SignAndEncrypt);
                Assert.NotEmpty(result.Content);
                if (signOnly && verified.Count < VerifiedSample)
                {
                    verified.Add(result.Content);
                }

                return "protected";
            }
            catch (ProtectionRefusedException refusal)
            {
                Assert.False(string.IsNullOrWhiteSpace(refusal.Message));
                Assert.DoesNotContain('\n', refusal.ReasonCode);
                return "refused:" + refusal.ReasonCode;
            }
        });
        try
        {
            return await run.WaitAsync(CaseTimeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"protect did not finish within {CaseTimeout.TotalSeconds} s on a {raw.Length}-byte input (a hang)");
            throw;
        }
    }

    private void VerifyWithOpenSsl(ConcurrentBag<byte[]> sample)
    {
        Assert.NotEmpty(sample);
        string directory = fixture.NewDirectory("property");
        int i = 0;
        foreach (var content in sample)
        {
            string file = Path.Combine(directory, $"signed-{i++}.eml");
            File.WriteAllBytes(file, content);
            var verify = OpenSslTool.Run("cms", "-verify", "-CAfile", fixture.Pki.CaCertificatePath, "-in", file, "-out", file + ".out");
            Assert.True(verify.ExitCode == 0, $"OpenSSL does not verify a protected generated mail ({file}): {verify.StandardError}");
        }
    }
}
