using System.Text;
using SmimePipeline.Delivery.Dsn;

namespace SmimePipeline.Delivery.Tests.Dsn;

/// <summary>Delivery status notifications in RFC 3464's shape, as Postfix writes them (RET=HDRS: text/rfc822-headers).</summary>
public sealed class DeliveryStatusReportReaderTests
{
    private static readonly Guid MailId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Fact]
    public void A_bounce_names_its_mail_by_envelope_id_and_each_recipient_with_action_status_and_diagnostic()
    {
        var report = DeliveryStatusReportReader.Read(Dsn($"Original-Envelope-Id: {MailId:N}", $"X-Smime-Mail-Id: {MailId:N}", Block("bob@customer.example", "failed", "5.1.1", "smtp; 550 5.1.1 User unknown"), Block("carol@customer.example", "delayed", "4.4.1", null)));

        Assert.Equal(MailId, report.MailId);
        Assert.Equal("dns; relay.bank.example", report.ReportingMta);
        Assert.Equal(
            [("bob@customer.example", "failed", "5.1.1", "smtp; 550 5.1.1 User unknown"), ("carol@customer.example", "delayed", "4.4.1", null)],
            report.Recipients.Select(r => (r.Recipient, r.Action, r.Status, r.DiagnosticCode)).ToArray());
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), report.Recipients[0].LastAttempt);
    }

    [Fact]
    public void Without_an_envelope_id_the_returned_mail_id_header_names_the_mail()
    {
        var report = DeliveryStatusReportReader.Read(Dsn(null, $"X-Smime-Mail-Id: {MailId:N}", Block("bob@customer.example", "failed", "5.7.1", null)));

        Assert.Equal(MailId, report.MailId);
        Assert.True(DeliveryStatusReportReader.IsReport(Dsn(null, "Subject: x", Block("bob@customer.example", "failed", "5.7.1", null))));
    }

    [Fact]
    public void A_report_naming_nothing_of_ours_has_no_mail_id()
    {
        var report = DeliveryStatusReportReader.Read(Dsn("Original-Envelope-Id: ABC+2Bxyz", "Subject: not ours", Block("bob@customer.example", "failed", "5.1.1", null)));

        Assert.Null(report.MailId);
    }

    [Fact]
    public void Contradicting_ids_an_undefined_action_and_a_plain_mail_are_refused_with_their_cause()
    {
        var contradiction = Assert.Throws<DeliveryStatusReportException>(() => DeliveryStatusReportReader.Read(
            Dsn($"Original-Envelope-Id: {MailId:N}", $"X-Smime-Mail-Id: {Guid.NewGuid():N}", Block("bob@customer.example", "failed", "5.1.1", null))));
        Assert.Contains("name different mails", contradiction.Message, StringComparison.Ordinal);

        var action = Assert.Throws<DeliveryStatusReportException>(() => DeliveryStatusReportReader.Read(
            Dsn($"Original-Envelope-Id: {MailId:N}", "Subject: x", Block("bob@customer.example", "vanished", "5.1.1", null))));
        Assert.Contains("'vanished'", action.Message, StringComparison.Ordinal);
        Assert.Contains("bob@customer.example", action.Message, StringComparison.Ordinal);

        var plain = Encoding.ASCII.GetBytes("From: a@b.example\r\nSubject: hello\r\n\r\nJust text.\r\n");
        Assert.False(DeliveryStatusReportReader.IsReport(plain));
        Assert.Contains("not a multipart/report", Assert.Throws<DeliveryStatusReportException>(() => DeliveryStatusReportReader.Read(plain)).Message, StringComparison.Ordinal);
    }

    private static string Block(string recipient, string action, string status, string? diagnostic) =>
        $"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        + (diagnostic is null ? "" : $"Diagnostic-Code: {diagnostic}\r\n")
        + "Last-Attempt-Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n";

    private static byte[] Dsn(string? envelopeId, string returnedHeaders, params string[] blocks)
    {
        var text = new StringBuilder()
            .Append("From: MAILER-DAEMON@relay.bank.example\r\nTo: bounces@bank.example\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\n")
            .Append("Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n")
            .Append("--b1\r\nContent-Type: text/plain\r\n\r\nYour mail could not be delivered.\r\n")
            .Append("--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.bank.example\r\n");
        if (envelopeId is not null)
        {
            text.Append(envelopeId).Append("\r\n");
        }

        foreach (var block in blocks)
        {
            text.Append("\r\n").Append(block);
        }

        text.Append("\r\n--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n").Append(returnedHeaders).Append("\r\nFrom: statements@bank.example\r\n")
            .Append("\r\n--b1--\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
