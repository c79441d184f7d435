using Microsoft.Extensions.Options;
using SmimePipeline.Delivery.Smtp;
using SmimePipeline.Testing;

namespace SmimePipeline.Delivery.Tests.Smtp;

/// <summary>Against the real smtp-sink started by scripts/test.sh, and private ones for refusals.</summary>
public sealed class SmtpTransportTests
{
    private static SmtpTransport CreateTransport(string host, int port) => new(Options.Create(new SmtpOptions
    {
        Host = host,
        Port = port,
        Security = SmtpSecurity.None,
        Timeout = TimeSpan.FromSeconds(10),
    }));

    [Fact]
    public async Task Sent_mail_arrives_byte_identical_after_the_mail_id_header_with_the_envelope_from_the_mail_not_the_headers()
    {
        var mailbox = SmtpSinkMailbox.ForTestServices();
        var transport = CreateTransport(TestServices.SmtpHost, TestServices.SmtpPort);
        var first = TestMails.UniqueAddress("first");
        var second = TestMails.UniqueAddress("second");
        var bounce = TestMails.UniqueAddress("bounces");
        var mail = TestMails.Signed(bounce, first, second);

        var receipt = await transport.SendAsync(mail, CancellationToken.None);

        var received = await mailbox.WaitForMessageToAsync(first);
        Assert.Equal(bounce, received.EnvelopeFrom);
        Assert.Equal(new[] { first, second }, received.EnvelopeTo);
        // The signature covers these bytes: any change by MimeKit/MailKit would break it. Only the outer
        // mail-id header, which no signature covers, comes before them.
        byte[] header = System.Text.Encoding.ASCII.GetBytes($"{SmtpTransport.MailIdHeader}: {mail.MailId:N}\r\n");
        Assert.True(received.Content.AsSpan().StartsWith(header), "the mail-id header must come first");
        BytesAssert.Identical(mail.Content, received.Content.AsSpan(header.Length));
        Assert.Equal("smtp", receipt.Provider);
        Assert.Equal(new[] { first, second }, receipt.AcceptedRecipients);
        Assert.Empty(receipt.Rejected);
        Assert.False(string.IsNullOrWhiteSpace(receipt.ProviderMessageId));
    }

    [Fact]
    public async Task Recipients_refused_with_5xx_fail_the_mail_as_permanent()
    {
        await using var sink = await SmtpSinkServer.StartAsync("-f", "RCPT");
        var transport = CreateTransport(SmtpSinkServer.Host, sink.Port);
        var recipient = TestMails.UniqueAddress("refused");

        var error = await Assert.ThrowsAsync<DeliveryException>(
            () => transport.SendAsync(TestMails.Signed("bounces@bank.example", recipient), CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Permanent, error.Kind);
        Assert.Equal("smtp", error.Provider);
        Assert.Contains(recipient, error.ProviderResponse, StringComparison.Ordinal);
        Assert.Contains("500", error.ProviderResponse, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recipients_refused_with_4xx_fail_the_mail_as_transient()
    {
        await using var sink = await SmtpSinkServer.StartAsync("-r", "RCPT");
        var transport = CreateTransport(SmtpSinkServer.Host, sink.Port);

        var error = await Assert.ThrowsAsync<DeliveryException>(
            () => transport.SendAsync(TestMails.Signed("bounces@bank.example", "a@example.org", "b@example.org"), CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Transient, error.Kind);
        Assert.Contains("450", error.ProviderResponse, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_refused_with_5xx_is_permanent()
    {
        await using var sink = await SmtpSinkServer.StartAsync("-f", ".");
        var transport = CreateTransport(SmtpSinkServer.Host, sink.Port);

        var error = await Assert.ThrowsAsync<DeliveryException>(
            () => transport.SendAsync(TestMails.Signed("bounces@bank.example", "a@example.org"), CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Permanent, error.Kind);
        Assert.StartsWith("500", error.ProviderResponse, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_closing_with_421_is_transient()
    {
        await using var sink = await SmtpSinkServer.StartAsync("-Q", "MAIL");
        var transport = CreateTransport(SmtpSinkServer.Host, sink.Port);

        var error = await Assert.ThrowsAsync<DeliveryException>(
            () => transport.SendAsync(TestMails.Signed("bounces@bank.example", "a@example.org"), CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Transient, error.Kind);
    }

    [Fact]
    public async Task Nothing_listening_on_the_port_is_transient()
    {
        using var closed = new RefusedTcpPort();
        var transport = CreateTransport("127.0.0.1", closed.Port);

        var error = await Assert.ThrowsAsync<DeliveryException>(
            () => transport.SendAsync(TestMails.Signed("bounces@bank.example", "a@example.org"), CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Transient, error.Kind);
        Assert.Null(error.ProviderResponse);
    }

    [Fact]
    public async Task Requiring_starttls_from_a_server_without_it_is_a_configuration_error()
    {
        var transport = new SmtpTransport(Options.Create(new SmtpOptions
        {
            Host = TestServices.SmtpHost,
            Port = TestServices.SmtpPort,
            Security = SmtpSecurity.StartTls,
        }));

        var error = await Assert.ThrowsAsync<DeliveryException>(
            () => transport.SendAsync(TestMails.Signed("bounces@bank.example", "a@example.org"), CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Configuration, error.Kind);
    }

    [Fact]
    public async Task Delivery_errors_never_contain_the_message_content()
    {
        await using var sink = await SmtpSinkServer.StartAsync("-f", "RCPT");
        var transport = CreateTransport(SmtpSinkServer.Host, sink.Port);
        var mail = TestMails.Signed("bounces@bank.example", "a@example.org");
        var bodyLine = System.Text.Encoding.ASCII.GetString(mail.Content.Span).Split("\r\n")[16];

        var error = await Assert.ThrowsAsync<DeliveryException>(() => transport.SendAsync(mail, CancellationToken.None));

        Assert.Equal(76, bodyLine.Length);
        Assert.DoesNotContain(bodyLine, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(bodyLine, error.ProviderResponse ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_offering_DSN_gets_the_mail_id_as_ENVID_headers_only_returned_and_notify_on_failure_and_delay()
    {
        var mailbox = SmtpSinkMailbox.ForTestServices();
        var transport = CreateTransport(TestServices.SmtpHost, TestServices.SmtpPort);
        var first = TestMails.UniqueAddress("dsn-first");
        var second = TestMails.UniqueAddress("dsn-second");
        var signed = TestMails.Signed("bounces@bank.example", first, second);
        // A producer's own copy of the header (here another mail's id) must not go out.
        var mail = signed with { Content = (byte[])[.. "X-Smime-Mail-Id: 00000000000000000000000000000bad\r\n"u8, .. signed.Content.Span] };

        await transport.SendAsync(mail, CancellationToken.None);

        // smtp-sink (which announces DSN) dumps the MAIL and RCPT parameters it received as X-Mail-Args/X-Rcpt-Args.
        var received = await mailbox.WaitForMessageToAsync(first);
        var dump = (await File.ReadAllLinesAsync(Path.Combine(mailbox.Directory, received.FileName))).TakeWhile(l => !l.StartsWith("Received:", StringComparison.Ordinal)).ToList();
        var mailArgs = Assert.Single(dump, l => l.StartsWith("X-Mail-Args:", StringComparison.Ordinal));
        Assert.Contains($"ENVID={mail.MailId:N}", mailArgs, StringComparison.Ordinal);
        Assert.Contains("RET=HDRS", mailArgs, StringComparison.Ordinal);
        var rcptArgs = dump.Where(l => l.StartsWith("X-Rcpt-Args:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rcptArgs.Count);
        Assert.All(rcptArgs, l => Assert.Contains("NOTIFY=FAILURE,DELAY", l, StringComparison.Ordinal));
        // A producer's own copy of the header is replaced, never forwarded: exactly one, ours.
        var headers = System.Text.Encoding.ASCII.GetString(received.Content).Split("\r\n\r\n")[0];
        var idHeader = Assert.Single(headers.Split("\r\n"), h => h.StartsWith(SmtpTransport.MailIdHeader + ":", StringComparison.OrdinalIgnoreCase));
        Assert.Equal($"{SmtpTransport.MailIdHeader}: {mail.MailId:N}", idHeader);
    }

    [Fact]
    public async Task Notify_never_is_sent_as_configured()
    {
        var mailbox = SmtpSinkMailbox.ForTestServices();
        var transport = new SmtpTransport(Options.Create(new SmtpOptions
        {
            Host = TestServices.SmtpHost,
            Port = TestServices.SmtpPort,
            Security = SmtpSecurity.None,
            Timeout = TimeSpan.FromSeconds(10),
            Notify = MailKit.DeliveryStatusNotification.Never,
        }));
        var to = TestMails.UniqueAddress("dsn-never");

        await transport.SendAsync(TestMails.Signed("bounces@bank.example", to), CancellationToken.None);

        var received = await mailbox.WaitForMessageToAsync(to);
        var dump = await File.ReadAllLinesAsync(Path.Combine(mailbox.Directory, received.FileName));
        Assert.Contains(dump, l => l.StartsWith("X-Rcpt-Args:", StringComparison.Ordinal) && l.Contains("NOTIFY=NEVER", StringComparison.Ordinal));
    }
}
