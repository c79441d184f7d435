using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Buffers;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>
/// The canonical writer encodes composed parts itself into pooled buffers; what it writes must be byte for
/// byte what MimeKit's own filters write for the same entity, and the message must be left as it was.
/// </summary>
public sealed class MimeCanonicalizerTests
{
    public static TheoryData<string, string?, int> Bodies => new()
    {
        { "Hello", null, 0 },
        { "Line one\r\nLine two with trailing space \r\nno final newline", "<p>Grüße — €</p>", 0 },
        { "Unix\nline ends\n", "<p>x</p>\n", 1 },
        { new string('a', 300) + "\r\n" + new string('=', 90) + "\r\n\ttab at start\r\n.\r\n", null, 57 },
        { "Text with an attachment", "<html><body>" + string.Concat(Enumerable.Repeat("<tr><td>Zeile äöü</td></tr>\r\n", 200)) + "</body></html>", 30 * 1024 + 1 },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void WriteCanonical_writes_what_MimeKit_writes_for_the_same_entity(string text, string? html, int attachmentSize)
    {
        var attachment = new byte[attachmentSize];
        new Random(attachmentSize).NextBytes(attachment);
        using var message = MimeComposer.Compose(new ProtectEmail
        {
            MailId = Guid.NewGuid(),
            From = new MailAddress("noreply@bank.example"),
            To = [new MailAddress("alice@example.org")],
            TextBody = text,
            HtmlBody = html,
            Attachments = attachmentSize == 0 ? [] : [new MailAttachment("statement.pdf", "application/pdf", attachment)],
        });

        var contents = message.BodyParts.OfType<MimePart>().Select(p => p.Content).ToList();
        using var ours = new PooledMemoryStream();
        MimeCanonicalizer.WriteCanonical(message.Body!, ours);

        // The same entity (same boundaries, same transfer encodings), written by MimeKit's filters.
        using var mimeKit = new MemoryStream();
        message.Body!.WriteTo(MimeCanonicalizer.CanonicalFormat, mimeKit);

        Assert.Equal(System.Text.Encoding.ASCII.GetString(mimeKit.ToArray()), System.Text.Encoding.ASCII.GetString(ours.WrittenSpan));
        // The lent, encoded content was taken back: the parts hold their original content again.
        Assert.Equal(contents, message.BodyParts.OfType<MimePart>().Select(p => p.Content));
    }
}
