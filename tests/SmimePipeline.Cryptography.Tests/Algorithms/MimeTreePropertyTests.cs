using System.Text;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

/// <summary>
/// Property: for generated MIME trees (nested multiparts, 8-bit text, long lines, trailing spaces, <c>From </c>
/// lines, binary attachments), protect → OpenSSL decrypts → OpenSSL verifies → every leaf decodes to what went
/// in, and every transmitted line is 7-bit and at most 998 octets. A seeded generator keeps failures reproducible.
/// </summary>
public sealed class MimeTreePropertyTests(AlgorithmPki pki) : IClassFixture<AlgorithmPki>
{
    private static readonly string[] Ciphers = ["aes128-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm"];
    private static readonly string[] Senders = [AlgorithmPki.RsaSender, AlgorithmPki.P256Sender, AlgorithmPki.P384Sender];

    public static TheoryData<int> Seeds => new(Enumerable.Range(1, 24));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Generated_trees_survive_protect_decrypt_verify_unchanged(int seed)
    {
        var random = new Random(seed);
        var body = GenerateEntity(random, depth: 0);
        var expected = Leaves(body).Select(Snapshot).ToList();
        var mainParts = new HashSet<MimeEntity>(ReferenceEqualityComparer.Instance);
        MainTextParts(body, mainParts);
        var shownFirst = Leaves(body).Select(mainParts.Contains).ToList();
        string sender = Senders[random.Next(Senders.Length)];
        string recipient = random.Next(2) == 0 ? AlgorithmPki.RsaRecipient : AlgorithmPki.EcRecipient;
        var message = ProtectedBytes.Mail(sender, "property " + seed, recipient);
        message.Body = body;
        var options = new ProtectionOptions
        {
            Signature = random.Next(2) == 0 ? SignatureScheme.RsaPss : SignatureScheme.RsaPkcs1,
            KeyTransport = random.Next(2) == 0 ? KeyTransport.RsaOaep : KeyTransport.RsaPkcs1,
        };
        var policy = new SecurityPolicy { Cipher = Ciphers[random.Next(Ciphers.Length)], Opaque = random.Next(2) == 0, HeaderProtection = random.Next(2) == 0 };

        var result = pki.CreateProtector(options).Protect(message, policy);
        AssertTransportSafe(result.Content);

        var openssl = new OpenSslCms(pki, pki.Directory);
        var decrypted = openssl.Decrypt(result.Content, recipient);
        Assert.True(decrypted.Ok, $"seed {seed}: {decrypted.Error}");
        AssertTransportSafe(decrypted.Output);
        var verified = openssl.Verify(decrypted.Output);
        Assert.True(verified.Ok, $"seed {seed}: {verified.Error}");

        var actual = Leaves(MimeEntity.Load(new MemoryStream(verified.Content))).Select(Snapshot).ToList();
        Assert.Equal(expected.Count, actual.Count);
        var actualLeaves = Leaves(MimeEntity.Load(new MemoryStream(verified.Content))).ToList();
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Type, actual[i].Type);
            // With header protection the Subject is obscured outside, so the main text parts begin with the RFC 9788
            // legacy display element (none of the generated HTML has a <body> tag: it goes first); the rest is unchanged.
            bool legacyDisplay = policy.HeaderProtection == true && shownFirst[i];
            Assert.Equal(legacyDisplay, actualLeaves[i].ContentType.Parameters.Contains(LegacyDisplay.Parameter));
            byte[] element = !legacyDisplay ? [] : Encoding.UTF8.GetBytes(expected[i].Type == "text/html"
                ? LegacyDisplay.FormatHtml([KeyValuePair.Create("Subject", "property " + seed)], "\n")
                : LegacyDisplay.FormatText([KeyValuePair.Create("Subject", "property " + seed)], "\n"));
            Assert.True(element.Concat(expected[i].Content).SequenceEqual(actual[i].Content), $"seed {seed}: leaf {i} ({expected[i].Type}) changed");
        }
    }

    /// <summary>RFC 9788's main body parts, written out independently of the engine: each alternative, else the first part.</summary>
    private static void MainTextParts(MimeEntity entity, HashSet<MimeEntity> parts)
    {
        if (entity is Multipart multipart)
        {
            foreach (var child in multipart.ContentType.IsMimeType("multipart", "alternative") ? multipart : multipart.Take(1))
            {
                MainTextParts(child, parts);
            }
        }
        else if (entity is TextPart { IsAttachment: false } text && (text.IsPlain || text.IsHtml))
        {
            parts.Add(text);
        }
    }

    private static void AssertTransportSafe(byte[] content)
    {
        int lineLength = 0;
        foreach (byte b in content)
        {
            Assert.True(b < 0x80, "an 8-bit octet would be transmitted");
            lineLength = b == (byte)'\n' ? 0 : lineLength + 1;
            Assert.True(lineLength <= 998, "a line longer than 998 octets would be transmitted");
        }

        Assert.DoesNotContain("\nFrom ", Encoding.ASCII.GetString(content), StringComparison.Ordinal);
    }

    private static MimeEntity GenerateEntity(Random random, int depth)
    {
        if (depth < 3 && random.Next(3) == 0 || depth == 0 && random.Next(2) == 0)
        {
            var multipart = new Multipart(random.Next(2) == 0 ? "mixed" : "alternative");
            int children = random.Next(1, 4);
            for (int i = 0; i < children; i++)
            {
                multipart.Add(GenerateEntity(random, depth + 1));
            }

            return multipart;
        }

        if (random.Next(4) == 0)
        {
            byte[] bytes = new byte[random.Next(0, 5000)];
            random.NextBytes(bytes);
            return new MimePart("application", "octet-stream")
            {
                Content = new MimeContent(new MemoryStream(bytes)),
                FileName = $"blob{random.Next(100)}.bin",
                ContentTransferEncoding = random.Next(2) == 0 ? ContentEncoding.Binary : ContentEncoding.Default,
            };
        }

        var text = new TextPart(random.Next(3) == 0 ? "html" : "plain")
        {
            ContentTransferEncoding = random.Next(3) switch { 0 => ContentEncoding.EightBit, 1 => ContentEncoding.SevenBit, _ => ContentEncoding.Default },
        };
        text.SetText(Encoding.UTF8, GenerateText(random));
        return text;
    }

    private static string GenerateText(Random random)
    {
        string[] pieces = ["From the desk of the bank", "Grüße aus Zürich – café", "trailing spaces   ", "tab at end\t", "€ 1.234,56", ".", "a line", "日本語のテキスト", "From ", "-- ", ""];
        var builder = new StringBuilder();
        int lines = random.Next(1, 30);
        for (int i = 0; i < lines; i++)
        {
            builder.Append(random.Next(8) == 0 ? new string('x', random.Next(900, 2500)) : pieces[random.Next(pieces.Length)]).Append('\n');
        }

        return builder.ToString();
    }

    private static IEnumerable<MimeEntity> Leaves(MimeEntity entity) =>
        entity is Multipart multipart ? multipart.SelectMany(Leaves) : [entity];

    private static (string Type, byte[] Content) Snapshot(MimeEntity entity)
    {
        var part = Assert.IsAssignableFrom<MimePart>(entity);
        if (part is TextPart text)
        {
            // Line ends are canonicalised to CRLF for transport (RFC 8551 §3.1.1); the text is otherwise identical.
            return (part.ContentType.MimeType, Encoding.UTF8.GetBytes(text.Text.Replace("\r\n", "\n", StringComparison.Ordinal)));
        }

        using var stream = new MemoryStream();
        part.Content!.DecodeTo(stream);
        return (part.ContentType.MimeType, stream.ToArray());
    }
}
