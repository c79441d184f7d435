using System.Text;
using Microsoft.Extensions.Logging;
using SmimePipeline.CertificateDirectory.Dkim;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// A harvest request whose DKIM key cannot be fetched because no DNS server answers (a loopback port nobody listens on,
/// real RabbitMQ, python3-dkim's signature): after its two retries it ends in <c>smime-harvest_error</c> as
/// <c>dkim-dns-unavailable</c> (session 12; before, <c>unexpected-error</c>) with one log line and the metric, reported by
/// the endpoint's filter; no event, as there is no mail.
/// </summary>
public sealed class HarvestFailureRoutingTests : BrokerTest
{
    [Fact]
    public async Task A_harvest_whose_DNS_does_not_answer_is_dead_lettered_as_dkim_dns_unavailable_with_one_log_line_and_the_metric()
    {
        var key = await DkimKey.CreateAsync(Temp.Path, DemoPki.Domain, "sel");
        var signed = await key.SignAsync(Encoding.ASCII.GetBytes($"From: {Pki.RecipientAddresses[0]}\r\nTo: certificates@{DemoPki.Domain}\r\nSubject: my certificate\r\n\r\nHello.\r\n"));
        var logs = new RecordingLoggerProvider();
        await using var signer = await WorkerHost.StartAsync(
            WorkerSettings(
                "Signer",
                Path.Combine(Temp.Path, "outbox"),
                ("SmimePipeline:Directory:SqlitePath", Path.Combine(Temp.Path, "directory.sqlite")),
                ("SmimePipeline:Harvest:DnsServer", $"127.0.0.1:{UnusedUdpPort()}"),
                ("SmimePipeline:Harvest:DnsTimeout", "00:00:01")),
            builder => builder.Logging.AddProvider(logs));
        string Output() => string.Join('\n', logs.Lines);
        var request = new HarvestCertificate { RequestId = Guid.NewGuid(), Mail = signed, Source = "test" };

        await SendAsync(QueueNames.Harvest, request);

        const string ErrorQueue = QueueNames.Harvest + "_error";
        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync(ErrorQueue) == 1,
            TimeSpan.FromSeconds(120),
            () => $"the request did not reach {ErrorQueue}:\n{Output()}");
        var fault = Assert.Single(await VirtualHost.PeekAsync(ErrorQueue, 5)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
        Assert.True(fault.StartsWith(DkimKeyUnavailableException.DnsUnavailable + ": DNS did not answer the DKIM key query for ", StringComparison.Ordinal), $"{fault}\n{Output()}");
        Assert.Contains("sel._domainkey.", fault, StringComparison.Ordinal);
        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {request.RequestId:D} dead-lettered at harvest: {DkimKeyUnavailableException.DnsUnavailable}: ", "the harvest without DNS");
        Assert.Equal(1, signer.Telemetry.FailedTotal);
    }

    /// <summary>
    /// A UDP port on loopback that nothing listens on: queries to it are refused. Outside the kernel's ephemeral range, so
    /// no other process's socket is given it while the test runs.
    /// </summary>
    private static int UnusedUdpPort() => LoopbackPorts.Unassigned();
}
