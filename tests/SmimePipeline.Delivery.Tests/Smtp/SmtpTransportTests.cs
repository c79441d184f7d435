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
    public async Task Sent_mail_arrives_byte_identical_with_the_envelope_from_the_mail_not_the_headers()
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
        // The signature covers these bytes: any change by MimeKit/MailKit would break it.
        BytesAssert.Identical(mail.Content, received.Content);
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
        var transport = CreateTransport("127.0.0.1", SmtpSinkServer.FreeLoopbackPort());

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
}
