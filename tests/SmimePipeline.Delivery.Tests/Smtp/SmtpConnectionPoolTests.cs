using Microsoft.Extensions.Options;
using SmimePipeline.Delivery.Smtp;
using SmimePipeline.Testing;

namespace SmimePipeline.Delivery.Tests.Smtp;

/// <summary>The SMTP connection pool against the real smtp-sink.</summary>
public sealed class SmtpConnectionPoolTests
{
    private static SmtpTransport CreateTransport(string host, int port, int maxMessagesPerConnection, int maxConnections = 10) => new(Options.Create(new SmtpOptions
    {
        Host = host,
        Port = port,
        Security = SmtpSecurity.None,
        Timeout = TimeSpan.FromSeconds(10),
        MaxMessagesPerConnection = maxMessagesPerConnection,
        MaxConnections = maxConnections,
    }));

    [Fact]
    public async Task A_connection_carries_at_most_the_configured_number_of_mails()
    {
        var mailbox = SmtpSinkMailbox.ForTestServices();
        using var transport = CreateTransport(TestServices.SmtpHost, TestServices.SmtpPort, maxMessagesPerConnection: 2);
        var recipients = Enumerable.Range(0, 5).Select(i => TestMails.UniqueAddress($"pool{i}")).ToList();

        foreach (var recipient in recipients)
        {
            var receipt = await transport.SendAsync(TestMails.Signed("bounces@bank.example", recipient), CancellationToken.None);
            // Results are per mail even on a reused connection.
            Assert.Equal([recipient], receipt.AcceptedRecipients);
        }

        foreach (var recipient in recipients)
        {
            await mailbox.WaitForMessageToAsync(recipient);
        }

        Assert.Equal(3, transport.ConnectionsOpened);
    }

    [Fact]
    public async Task Concurrent_mails_share_at_most_MaxConnections_connections()
    {
        var mailbox = SmtpSinkMailbox.ForTestServices();
        using var transport = CreateTransport(TestServices.SmtpHost, TestServices.SmtpPort, maxMessagesPerConnection: 100, maxConnections: 3);
        var recipients = Enumerable.Range(0, 12).Select(i => TestMails.UniqueAddress($"conc{i}")).ToList();

        await Task.WhenAll(recipients.Select(r => transport.SendAsync(TestMails.Signed("bounces@bank.example", r), CancellationToken.None)));

        foreach (var recipient in recipients)
        {
            await mailbox.WaitForMessageToAsync(recipient);
        }

        Assert.InRange(transport.ConnectionsOpened, 1, 3);
    }

    [Fact]
    public async Task A_connection_that_failed_is_not_reused()
    {
        await using var sink = await SmtpSinkServer.StartAsync("-f", "RCPT");
        using var transport = CreateTransport(SmtpSinkServer.Host, sink.Port, maxMessagesPerConnection: 100);

        for (var i = 0; i < 2; i++)
        {
            var failure = await Assert.ThrowsAsync<DeliveryException>(() => transport.SendAsync(TestMails.Signed("b@bank.example", "a@example.org"), CancellationToken.None));
            Assert.Equal(DeliveryFailureKind.Permanent, failure.Kind);
        }

        Assert.Equal(2, transport.ConnectionsOpened);
    }

    [Fact]
    public async Task A_4xx_then_an_accepting_server_delivers_on_the_next_attempt_over_a_fresh_connection()
    {
        await using var refusing = await SmtpSinkServer.StartAsync("-r", "RCPT");
        await using var accepting = await SmtpSinkServer.StartAsync();
        await using var forwarder = new SwitchableTcpForwarder(refusing.Port);
        using var transport = CreateTransport(SmtpSinkServer.Host, forwarder.Port, maxMessagesPerConnection: 100);
        var mail = TestMails.Signed("b@bank.example", "a@example.org");

        var failure = await Assert.ThrowsAsync<DeliveryException>(() => transport.SendAsync(mail, CancellationToken.None));
        Assert.Equal(DeliveryFailureKind.Transient, failure.Kind);
        Assert.StartsWith("a@example.org: 4", failure.ProviderResponse, StringComparison.Ordinal);

        forwarder.TargetPort = accepting.Port;
        var receipt = await transport.SendAsync(mail, CancellationToken.None);

        Assert.Equal(["a@example.org"], receipt.AcceptedRecipients);
        Assert.Equal(2, transport.ConnectionsOpened);
    }
}
