using System.Text;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

/// <summary>
/// RFC 9788 §4.5.3 legacy display element: the element itself (text and HTML, escaping, decoded Subject), and what
/// the protector puts into the payload, read back after OpenSSL decrypted and verified it.
/// </summary>
public sealed class LegacyDisplayTests(AlgorithmPki pki) : IClassFixture<AlgorithmPki>
{
    private const string Subject = "Your statement for November";

    [Fact]
    public void The_text_form_is_one_line_per_field_and_a_blank_line()
    {
        var fields = new[] { KeyValuePair.Create("Subject", "Dinner plans"), KeyValuePair.Create("Cc", "Carol <carol@example.net>") };

        Assert.Equal("Subject: Dinner plans\r\nCc: Carol <carol@example.net>\r\n\r\n", LegacyDisplay.FormatText(fields));
        Assert.Equal("Subject: Dinner plans\nCc: Carol <carol@example.net>\n\n", LegacyDisplay.FormatText(fields, "\n"));
        Assert.Equal("", LegacyDisplay.FormatText([]));
    }

    [Fact]
    public void The_html_form_is_a_div_of_pre_elements_with_markup_escaped()
    {
        var fields = new[] { KeyValuePair.Create("Subject", "Q&A: <script>alert(\"x\")</script> — fees") };

        string html = LegacyDisplay.FormatHtml(fields);

        Assert.Equal(
            "<div class=\"header-protection-legacy-display\">\r\n<pre>Subject: Q&amp;A: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; — fees</pre>\r\n</div>\r\n",
            html);
        Assert.Contains("&#8212;", LegacyDisplay.FormatHtml(fields, asciiOnly: true), StringComparison.Ordinal);
        Assert.Equal("", LegacyDisplay.FormatHtml([]));
    }

    [Fact]
    public void A_folded_and_encoded_Subject_is_shown_decoded_on_one_line()
    {
        var message = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(
            "From: a@example.net\r\nTo: b@example.net\r\n" +
            "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_zum?=\r\n =?utf-8?q?_Quartal?= and\r\n\tmore\r\n" +
            "\r\nbody\r\n")));

        var fields = LegacyDisplay.ObscuredFields(message, "[...]");

        Assert.Equal([KeyValuePair.Create("Subject", "Grüße zum Quartal and more")], fields);
        Assert.Empty(LegacyDisplay.ObscuredFields(message, obscuredSubject: null));
    }

    [Fact]
    public void An_encrypted_mail_with_header_protection_begins_with_the_real_Subject()
    {
        var protector = pki.CreateProtector(new ProtectionOptions { HeaderProtection = true });
        var mail = ProtectedBytes.Mail(AlgorithmPki.RsaSender, Subject, AlgorithmPki.RsaRecipient);
        string original = ((TextPart)mail.Body!).Text;

        var inner = DecryptAndVerify(protector.Protect(mail, new SecurityPolicy()).Content);

        var text = Assert.IsType<TextPart>(inner);
        Assert.Equal("1", text.ContentType.Parameters[LegacyDisplay.Parameter]);
        Assert.Equal("Subject: " + Subject + "\n\n" + original.ReplaceLineEndings("\n"), text.Text.ReplaceLineEndings("\n"));

        // The caller's message object is given back as it was: a retried protect does not stack a second element.
        Assert.Equal(original, ((TextPart)mail.Body!).Text);
        Assert.False(mail.Body!.ContentType.Parameters.Contains(LegacyDisplay.Parameter));
        var again = Assert.IsType<TextPart>(DecryptAndVerify(protector.Protect(mail, new SecurityPolicy()).Content));
        Assert.Equal(text.Text, again.Text);
    }

    [Fact]
    public void Text_and_html_alternatives_both_get_their_form_and_attachments_get_none()
    {
        var protector = pki.CreateProtector(new ProtectionOptions { HeaderProtection = true });
        var mail = ProtectedBytes.Mail(AlgorithmPki.RsaSender, "Fees <b>&</b> charges", AlgorithmPki.RsaRecipient);
        var attachment = new TextPart("plain") { Text = "attached notes\n", FileName = "notes.txt" };
        mail.Body = new Multipart("mixed")
        {
            new MultipartAlternative
            {
                new TextPart("plain") { Text = "Plain text.\n" },
                new TextPart("html") { Text = "<html><head><title>t</title></head><BODY class=\"x\">\n<p>Hello</p>\n</BODY></html>\n" },
            },
            attachment,
        };

        var inner = Assert.IsType<Multipart>(DecryptAndVerify(protector.Protect(mail, new SecurityPolicy()).Content));
        var alternative = Assert.IsType<MultipartAlternative>(inner[0]);
        var plain = Assert.IsType<TextPart>(alternative[0]);
        var html = Assert.IsType<TextPart>(alternative[1]);

        Assert.Equal("1", plain.ContentType.Parameters[LegacyDisplay.Parameter]);
        Assert.StartsWith("Subject: Fees <b>&</b> charges\n\nPlain text.", plain.Text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal("1", html.ContentType.Parameters[LegacyDisplay.Parameter]);
        Assert.Equal(
            "<html><head><title>t</title></head><BODY class=\"x\"><div class=\"header-protection-legacy-display\">\n<pre>Subject: Fees &lt;b&gt;&amp;&lt;/b&gt; charges</pre>\n</div>\n\n<p>Hello</p>\n</BODY></html>\n",
            html.Text.ReplaceLineEndings("\n"));

        var notes = Assert.IsType<TextPart>(inner[1]);
        Assert.False(notes.ContentType.Parameters.Contains(LegacyDisplay.Parameter));
        Assert.Equal("attached notes\n", notes.Text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_parsed_latin1_base64_part_is_shown_in_utf8_with_its_text_intact()
    {
        // The ProtectMimeMessage path: a raw message, its Subject RFC 2047-encoded and folded, its text base64 in ISO-8859-1.
        byte[] latin1 = Encoding.Latin1.GetBytes("Sehr geehrte Kundin, Ihre Gebühren.\r\n");
        string raw =
            $"From: {AlgorithmPki.RsaSender}\r\nTo: {AlgorithmPki.RsaRecipient}\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <latin1@interop.smime.test>\r\n" +
            "Subject: =?iso-8859-1?q?Geb=FChren_f=FCr?=\r\n =?iso-8859-1?q?_November?=\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Convert.ToBase64String(latin1) + "\r\n";
        var mail = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(raw)));
        var protector = pki.CreateProtector(new ProtectionOptions { HeaderProtection = true });

        var text = Assert.IsType<TextPart>(DecryptAndVerify(protector.Protect(mail, new SecurityPolicy()).Content));

        Assert.Equal("utf-8", text.ContentType.Charset);
        Assert.Equal("Subject: Gebühren für November\n\nSehr geehrte Kundin, Ihre Gebühren.\n", text.Text.ReplaceLineEndings("\n"));
        Assert.Equal("iso-8859-1", mail.Body!.ContentType.Charset);
    }

    public static TheoryData<string, bool, bool, bool> NoElement => new()
    {
        // why, header protection, legacy display option, encrypt
        { "option off", true, false, true },
        { "header protection off", false, true, true },
        { "signed only: nothing is obscured", true, true, false },
    };

    [Theory]
    [MemberData(nameof(NoElement))]
    public void No_element_when_nothing_is_obscured_or_it_is_turned_off(string why, bool headerProtection, bool legacyDisplay, bool encrypt)
    {
        var protector = pki.CreateProtector(new ProtectionOptions { HeaderProtection = headerProtection, LegacyDisplay = legacyDisplay });
        var mail = ProtectedBytes.Mail(AlgorithmPki.RsaSender, Subject, AlgorithmPki.RsaRecipient);
        string original = ((TextPart)mail.Body!).Text;

        var result = protector.Protect(mail, new SecurityPolicy { Encrypt = encrypt });

        var text = Assert.IsType<TextPart>(encrypt ? DecryptAndVerify(result.Content) : Verify(result.Content));
        Assert.False(text.ContentType.Parameters.Contains(LegacyDisplay.Parameter), why);
        Assert.Equal(original.ReplaceLineEndings("\n"), text.Text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void No_element_with_an_empty_obscured_Subject_nor_in_a_mail_without_a_text_part()
    {
        var keepSubject = pki.CreateProtector(new ProtectionOptions { HeaderProtection = true, ObscuredSubject = "" });
        var text = Assert.IsType<TextPart>(DecryptAndVerify(keepSubject.Protect(ProtectedBytes.Mail(AlgorithmPki.RsaSender, Subject, AlgorithmPki.RsaRecipient), new SecurityPolicy()).Content));
        Assert.False(text.ContentType.Parameters.Contains(LegacyDisplay.Parameter));

        var protector = pki.CreateProtector(new ProtectionOptions { HeaderProtection = true });
        var pdfOnly = ProtectedBytes.Mail(AlgorithmPki.RsaSender, Subject, AlgorithmPki.RsaRecipient);
        pdfOnly.Body = new MimePart("application", "pdf") { Content = new MimeContent(new MemoryStream("%PDF-1.7 statement"u8.ToArray())), FileName = "statement.pdf" };
        var part = Assert.IsType<MimePart>(DecryptAndVerify(protector.Protect(pdfOnly, new SecurityPolicy()).Content));
        Assert.False(part.ContentType.Parameters.Contains(LegacyDisplay.Parameter));
        Assert.Equal("%PDF-1.7 statement"u8.ToArray(), SmimeReader.DecodedBody(part));
    }

    private MimeEntity DecryptAndVerify(byte[] protectedMail)
    {
        var decrypted = new OpenSslCms(pki, pki.Directory).Decrypt(protectedMail, AlgorithmPki.RsaRecipient);
        Assert.True(decrypted.Ok, decrypted.Error);
        return Verify(decrypted.Output);
    }

    private MimeEntity Verify(byte[] signed)
    {
        var verified = new OpenSslCms(pki, pki.Directory).Verify(signed);
        Assert.True(verified.Ok, verified.Error);
        return MimeEntity.Load(new MemoryStream(verified.Content));
    }
}
