using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Buffers;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>
/// <see cref="MimeComposer.ComposeForProtection(ProtectEmail)"/> writes a <c>ProtectEmail</c>'s body straight into
/// canonical bytes; these hold those bytes equal to what the MimeKit tree of <see cref="MimeComposer.Compose(ProtectEmail)"/>
/// gives with the same boundaries, for every shape a command can have, and the protected result valid (OpenSSL).
/// </summary>
[Collection("demo-pki")]
public sealed class ProtectEmailBodyTests(DemoPkiFixture fixture)
{
    private static readonly byte[] Pdf = [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7))];

    public static TheoryData<string> Shapes => [.. ShapesByName.Keys];

    private static Dictionary<string, ProtectEmail> ShapesByName { get; } = CreateShapes();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Direct_bytes_equal_the_MimeKit_tree_with_the_same_boundaries(string shape)
    {
        var mail = ShapesByName[shape];
        using var direct = MimeComposer.ComposeForProtection(mail);
        var body = Assert.IsType<ProtectEmailBody>(direct.Body);
        using var tree = MimeComposer.Compose(mail);
        tree.Body = body.ToMimeEntity();

        byte[] fromTree = Canonical(tree.Body);
        byte[] fromDirect = Canonical(direct.Body!);

        Assert.Equal(System.Text.Encoding.Latin1.GetString(fromTree), System.Text.Encoding.Latin1.GetString(fromDirect));
        // The tree is what Compose builds: the same structure as an independent compose, boundaries aside.
        using var independent = MimeComposer.Compose(mail);
        Assert.Equal(Structure(independent.Body!), Structure(tree.Body));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WriteTo_gives_the_tree_s_bytes_in_any_format(string shape)
    {
        var mail = ShapesByName[shape];
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero));
        using var direct = MimeComposer.ComposeForProtection(mail, clock);
        var body = Assert.IsType<ProtectEmailBody>(direct.Body);
        using var tree = body.ToMimeEntity();
        foreach (var format in new[] { MimeCanonicalizer.CanonicalFormat, FormatOptions.Default })
        {
            using var fromTree = new MemoryStream();
            using var fromBody = new MemoryStream();
            tree.WriteTo(format, fromTree);
            body.WriteTo(format, fromBody);
            Assert.Equal(fromTree.ToArray(), fromBody.ToArray());
        }

        // MimeMessage.WriteTo writes the body's headers itself and then its content only: the whole message must be
        // the same as with the tree (it is how a composed message is saved or dead-lettered).
        using var withTree = MimeComposer.Compose(mail, clock);
        withTree.Body = body.ToMimeEntity();
        Assert.Equal(WholeMessage(withTree), WholeMessage(direct));
        var reparsed = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(WholeMessage(direct))));
        Assert.Equal(Types(withTree.Body), Types(reparsed.Body!));
    }

    private static string WholeMessage(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(MimeCanonicalizer.CanonicalFormat, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void A_mail_without_content_gets_MimeKit_s_empty_text_part()
    {
        var basic = ShapesByName["text only"] with { TextBody = null };
        foreach (var mail in new[] { basic, basic with { TextBody = "" }, basic with { HtmlBody = "" } })
        {
            using var direct = MimeComposer.ComposeForProtection(mail);
            var text = Assert.IsType<TextPart>(direct.Body);
            Assert.Equal(mail.HtmlBody is null ? "text/plain" : "text/html", text.ContentType.MimeType);
            Assert.Equal("", text.Text);
        }
    }

    [Fact]
    public void Headers_of_the_message_are_those_of_Compose()
    {
        var mail = ShapesByName["alternative and attachments"];
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero));
        using var direct = MimeComposer.ComposeForProtection(mail, clock);
        using var tree = MimeComposer.Compose(mail, clock);
        Assert.Equal(tree.Headers.Select(h => $"{h.Field}:{h.Value}"), direct.Headers.Select(h => $"{h.Field}:{h.Value}"));
    }

    [Theory]
    [InlineData("statement.pdf", "application/pdf", true)]
    [InlineData("Statement_2026-11.v2.PDF", "application/pdf", true)]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "application/pdf", true)]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "application/pdf", false)]
    [InlineData("report.bin", "application/vnd.example-spreadsheet.document+", true)]
    [InlineData("report.bin", "application/vnd.example-spreadsheet.document+z", false)]
    [InlineData("with space.pdf", "application/pdf", false)]
    [InlineData("quote'.pdf", "application/pdf", false)]
    [InlineData("star*.pdf", "application/pdf", false)]
    [InlineData("Grüße.pdf", "application/pdf", false)]
    [InlineData("", "application/pdf", false)]
    [InlineData("a.pdf", "Application/PDF", false)]
    [InlineData("a.pdf", "application/pdf; name=b.pdf", false)]
    [InlineData("a.pdf", "application/", false)]
    [InlineData("a.pdf", "/pdf", false)]
    [InlineData("a.pdf", "applicationpdf", false)]
    public void Simple_attachment_headers_apply_only_to_plain_types_and_short_plain_names(string fileName, string contentType, bool simple)
    {
        Assert.Equal(simple, SimpleAttachmentHeaders.Applies(new MailAttachment(fileName, contentType, [1])));
    }

    [Fact]
    public void Simple_attachment_headers_under_a_tiny_header_limit_are_refused_as_the_MimeKit_part_s()
    {
        // The options allow no limit below 4 KiB, but a protector built with one still judges the real headers.
        var mail = ShapesByName["text and attachment"];
        using var direct = MimeComposer.ComposeForProtection(mail);
        var body = Assert.IsType<ProtectEmailBody>(direct.Body);
        body.CheckHeaders(4096);
        var refusal = Assert.Throws<ProtectionRefusedException>(() => body.CheckHeaders(40));
        Assert.Equal(ProtectionRefusal.InvalidHeader, refusal.Refusal);
    }

    [Fact]
    public void An_attachment_with_an_unparsable_content_type_is_refused_as_by_Compose()
    {
        var mail = ShapesByName["text and attachment"] with { Attachments = [new MailAttachment("x.bin", "not a type", [1])] };
        var fromTree = Assert.Throws<ProtectionRefusedException>(() => MimeComposer.Compose(mail));
        var fromDirect = Assert.Throws<ProtectionRefusedException>(() => MimeComposer.ComposeForProtection(mail));
        Assert.Equal(fromTree.ReasonCode, fromDirect.ReasonCode);
        Assert.Equal(fromTree.Message, fromDirect.Message);
    }

    [Theory]
    [InlineData("line\r\nbreak.pdf")]
    [InlineData("nul\0.pdf")]
    [InlineData("tab\tand \"quotes\".pdf")]
    public void A_file_name_with_control_characters_ends_as_the_tree_path_ends(string fileName)
    {
        var pki = fixture.Pki;
        var protector = new SmimeProtector(fixture.Store);
        var mail = TestMails.Create(pki.SenderAddress, pki.RecipientAddresses[0]) with { Attachments = [new MailAttachment(fileName, "application/pdf", [1, 2, 3])] };
        var treeOutcome = Outcome(() => protector.Protect(MimeComposer.Compose(mail), SecurityPolicy.SignAndEncrypt));
        var directOutcome = Outcome(() => protector.Protect(MimeComposer.ComposeForProtection(mail), SecurityPolicy.SignAndEncrypt));
        Assert.Equal(treeOutcome, directOutcome);
    }

    [Theory]
    [InlineData("sender@demo.smime.test", false)]
    [InlineData("ecdsa-sender@demo.smime.test", false)]
    [InlineData("sender@demo.smime.test", true)]
    public void OpenSsl_decrypts_and_verifies_the_directly_written_mail_and_reads_the_same_entity(string sender, bool headerProtection)
    {
        var pki = fixture.Pki;
        string bob = pki.RecipientAddresses[1];
        var mail = TestMails.Create(sender, bob);
        var protector = new SmimeProtector(fixture.Store, new ProtectionOptions { ObscuredSubject = "[...]" });
        using var message = MimeComposer.ComposeForProtection(mail);
        var policy = SecurityPolicy.SignAndEncrypt with { HeaderProtection = headerProtection };
        var result = protector.Protect(message, policy);
        var opened = OpenSslTool.DecryptAndVerify(result.Content, pki.CertificatePath(bob), pki.KeyPath(bob), pki.CaCertificatePath, fixture.NewDirectory("direct-body"));

        var entity = MimeEntity.Load(new MemoryStream(opened.Verified));
        var text = Assert.IsType<Multipart>(entity).Flatten().OfType<TextPart>().First(p => p.IsPlain);
        var attachment = Assert.IsType<Multipart>(entity).Flatten().OfType<MimePart>().Single(p => p.IsAttachment);
        using var decoded = new MemoryStream();
        attachment.Content!.DecodeTo(decoded);
        Assert.Equal(TestMails.Attachment, decoded.ToArray());
        if (headerProtection)
        {
            // RFC 9788: the real Subject inside, the obscured one outside, and the legacy display element in the text.
            Assert.Equal("cipher", entity.ContentType.Parameters["hp"]);
            Assert.Equal(mail.Subject, entity.Headers[HeaderId.Subject]);
            Assert.Equal("[...]", SmimeReader.Parse(result.Content).Subject);
            Assert.StartsWith("Subject: " + mail.Subject, text.Text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(mail.TextBody, TestMails.NormalizeNewLines(text.Text));
            Assert.False(entity.ContentType.Parameters.Contains("hp"));
        }
    }

    private static string Outcome(Func<ProtectedMail> protect)
    {
        try
        {
            protect();
            return "protected";
        }
        catch (ProtectionRefusedException refused)
        {
            return refused.ReasonCode + ": " + refused.Message;
        }
    }

    private static byte[] Canonical(MimeEntity body)
    {
        using var canonical = new PooledMemoryStream(64 * 1024);
        MimeCanonicalizer.WriteCanonical(body, canonical);
        return canonical.ToArray();
    }

    private static string Structure(MimeEntity entity) => entity switch
    {
        Multipart multipart => $"{multipart.ContentType.MimeType}({string.Join(",", multipart.Select(Structure))})",
        MimePart part => $"{part.ContentType.MimeType};{part.FileName};{part.ContentTransferEncoding}",
        _ => entity.ContentType.MimeType,
    };

    private static string Types(MimeEntity entity) => entity is Multipart multipart
        ? $"{multipart.ContentType.MimeType}({string.Join(",", multipart.Select(Types))})"
        : entity.ContentType.MimeType;

    private static Dictionary<string, ProtectEmail> CreateShapes()
    {
        var basic = new ProtectEmail
        {
            MailId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
            From = new MailAddress("noreply@bank.example", "Bank"),
            To = [new MailAddress("alice@example.org", "Alice")],
            Subject = "Statement",
        };
        var attachment = new MailAttachment("statement.pdf", "application/pdf", Pdf);
        return new Dictionary<string, ProtectEmail>
        {
            ["text only"] = basic with { TextBody = TestMails.Text },
            ["html only"] = basic with { HtmlBody = TestMails.Html },
            ["alternative"] = basic with { TextBody = TestMails.Text, HtmlBody = TestMails.Html },
            ["text and attachment"] = basic with { TextBody = "Hello\r\n", Attachments = [attachment] },
            ["html and attachment"] = basic with { HtmlBody = "<p>Hi</p>", Attachments = [attachment] },
            ["alternative and attachments"] = basic with { TextBody = TestMails.Text, HtmlBody = TestMails.Html, Attachments = [attachment, attachment with { FileName = "copy.pdf" }] },
            ["attachments only"] = basic with { Attachments = [attachment, new MailAttachment("empty.bin", "application/octet-stream", [])] },
            ["From lines, trailing spaces, a long line"] = basic with { TextBody = "From the start\r\nspaces   \r\nFrom again\n" + new string('y', 2000) + "\rlone CR", HtmlBody = "From <b>x</b>  " },
            ["text that is one character per line"] = basic with { TextBody = "a\nb\r\n\r\n=\n.\n", Attachments = [attachment] },
            ["unusual content types"] = basic with
            {
                TextBody = "t",
                Attachments =
                [
                    new MailAttachment("doc.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=other.docx", [1, 2]),
                    new MailAttachment("data.csv", "text/csv; charset=iso-8859-1", "a;b\r\n1;2\r\n"u8.ToArray()),
                    new MailAttachment("mail.eml", "message/rfc822", "Subject: x\r\n\r\nbody\r\n"u8.ToArray()),
                    new MailAttachment("weird.bin", "Application/X-Custom+Type; foo=\"bar baz\"; q=1", [9]),
                ],
            },
            ["unusual file names"] = basic with
            {
                HtmlBody = "<p>x</p>",
                Attachments =
                [
                    new MailAttachment("Grüße und ein sehr langer Dateiname mit Umlauten äöü für den Test der Faltung von Parametern.pdf", "application/pdf", [1]),
                    new MailAttachment("名前.pdf", "application/pdf", [2]),
                    new MailAttachment("with spaces; and=semicolons \"quoted\".txt", "text/plain", "x"u8.ToArray()),
                    new MailAttachment(new string('n', 300) + ".bin", "application/octet-stream", [3]),
                    new MailAttachment("=?utf-8?q?looks_encoded?=.pdf", "application/pdf", [4]),
                    new MailAttachment("", "application/pdf", [5]),
                ],
            },
            // SimpleAttachmentHeaders writes these by hand: names and types around its 76-character line limit (one
            // character past it falls back to MimeKit), every character it accepts, upper case in the name only.
            ["simple attachment headers at their limits"] = basic with
            {
                TextBody = "t",
                Attachments =
                [
                    new MailAttachment("a", "application/pdf", [1]),
                    new MailAttachment("Statement_2026-11.v2.PDF", "application/pdf", [2]),
                    new MailAttachment(new string('x', 30) + ".pdf", "application/pdf", [3]),
                    new MailAttachment(new string('x', 31) + ".pdf", "application/pdf", [4]),
                    new MailAttachment("r.bin", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", [5]),
                    new MailAttachment("report.bin", "application/vnd.example-spreadsheet.document+", [6]),
                    new MailAttachment("report.bin", "application/vnd.example-spreadsheet.document+z", [7]),
                    new MailAttachment("image.png", "image/png", [8]),
                    new MailAttachment("x", "a/b", [9]),
                ],
            },
            ["large attachment"] = basic with { TextBody = "see attached", Attachments = [new MailAttachment("large.bin", "application/octet-stream", [.. Enumerable.Range(0, 200_000).Select(i => (byte)(i * 31))])] },
        };
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
