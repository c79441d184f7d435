using System.Text;
using MimeKit;
using MimeKit.Utils;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Buffers;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>
/// <see cref="OuterHeaderWriter"/> writes the outer headers without cloning them into a second <see cref="HeaderList"/>:
/// its bytes must equal what the clone-and-<see cref="HeaderList.WriteTo(FormatOptions, Stream, CancellationToken)"/>
/// path wrote (Bcc and Content-* left out, an obscured Subject in place, Date / Message-ID / MIME-Version added when
/// missing, CRLF line ends, no blank line), for composed mails, parsed mails with LF and CRLF folds, and RFC 2047 words.
/// </summary>
public sealed class OuterHeaderWriterTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 4, 30, 0, TimeSpan.Zero);

    public static TheoryData<string> ParsedMessages => new()
    {
        "From: Alice <alice@example.com>\nTo: bob@example.com\nBcc: hidden@example.com\nSubject: folded\n over two lines\nContent-Type: text/plain\nX-Custom : spaced name\n\nbody\n",
        "From: alice@example.com\r\nTo: bob@example.com,\r\n\tcarol@example.com\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <x@example.com>\r\nMIME-Version: 1.0\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Transfer-Encoding: 7bit\r\n\r\nbody\r\n",
        "From: alice@example.com\nTo: bob@example.com\nSubject: no final newline\n\n",
        "From: alice@example.com\nBCC: upper@example.com\ncontent-type: text/plain\nSubject: lower-case content header\n\nx\n",
    };

    [Theory]
    [MemberData(nameof(ParsedMessages))]
    public void A_parsed_message_gives_the_bytes_of_the_cloned_header_list(string raw)
    {
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw)));

        foreach (var outerSubject in new string?[] { null, "[...]" })
        {
            Assert.Equal(Reference(message.Headers, outerSubject), Written(message.Headers, outerSubject));
        }
    }

    [Fact]
    public void A_composed_mail_gives_the_bytes_of_the_cloned_header_list()
    {
        var mail = new ProtectEmail
        {
            MailId = Guid.NewGuid(),
            From = new MailAddress("alice@example.com", "Älice Ümlaut, Bank"),
            To = [new MailAddress("bob@example.com", "Bob"), new MailAddress("carol@example.com")],
            Cc = [new MailAddress("dave@example.com")],
            Bcc = [new MailAddress("erin@example.com")],
            Subject = "Ihre Kontoauszüge — " + new string('x', 120),
            TextBody = "Hello",
            Headers = new Dictionary<string, string> { ["X-Statement-Id"] = "2026-12/4711" },
        };
        using var composed = MimeComposer.ComposeForProtection(mail);

        foreach (var outerSubject in new string?[] { null, "[...]", "Vertraulich — Nachricht für " + new string('y', 100) })
        {
            var written = Written(composed.Headers, outerSubject);
            Assert.Equal(Reference(composed.Headers, outerSubject), written);
            Assert.DoesNotContain("erin@example.com", Encoding.ASCII.GetString(written), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Missing_date_message_id_and_mime_version_are_added_at_the_end()
    {
        var headers = new HeaderList { { HeaderId.From, "alice@example.com" }, { HeaderId.To, "bob@example.com" } };

        var text = Encoding.ASCII.GetString(Written(headers, null));

        Assert.Equal(Encoding.ASCII.GetString(Reference(headers, null)), text);
        Assert.EndsWith("@example.com>\r\nMIME-Version: 1.0\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Date: " + DateUtils.FormatDate(Now) + "\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\n\r\n", text, StringComparison.Ordinal);
    }

    private static byte[] Written(HeaderList headers, string? outerSubject)
    {
        using var output = new PooledMemoryStream(1024);
        OuterHeaderWriter.Write(headers, outerSubject, Now, "alice@example.com", FixedMessageId, output);
        return output.ToArray();
    }

    /// <summary>The path the writer replaced: clone every copied header into a new list and let MimeKit write it.</summary>
    private static byte[] Reference(HeaderList source, string? outerSubject)
    {
        var headers = new HeaderList();
        bool hasMimeVersion = false, hasDate = false, hasMessageId = false;
        foreach (var header in source)
        {
            if (string.Equals(header.Field, "Bcc", StringComparison.OrdinalIgnoreCase) || header.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (outerSubject is not null && header.Id == HeaderId.Subject)
            {
                headers.Add(HeaderId.Subject, outerSubject);
                continue;
            }

            hasMimeVersion |= header.Id == HeaderId.MimeVersion;
            hasDate |= header.Id == HeaderId.Date;
            hasMessageId |= header.Id == HeaderId.MessageId;
            headers.Add(header.Clone());
        }

        if (!hasDate)
        {
            headers.Add(HeaderId.Date, DateUtils.FormatDate(Now));
        }

        if (!hasMessageId)
        {
            headers.Add(HeaderId.MessageId, $"<{FixedMessageId("alice@example.com")}>");
        }

        if (!hasMimeVersion)
        {
            headers.Add(HeaderId.MimeVersion, "1.0");
        }

        using var output = new PooledMemoryStream(1024);
        headers.WriteTo(MimeCanonicalizer.CanonicalFormat, output);
        if (output.WrittenSpan.EndsWith("\r\n\r\n"u8))
        {
            output.Truncate((int)output.Length - 2);
        }

        return output.ToArray();
    }

    private static string FixedMessageId(string sender) => "0123456789abcdef@" + sender[(sender.IndexOf('@', StringComparison.Ordinal) + 1)..];
}
