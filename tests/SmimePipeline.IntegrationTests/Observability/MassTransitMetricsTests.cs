using System.Text.RegularExpressions;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Observability;

/// <summary>
/// <c>SmimePipeline:Telemetry:MassTransitMetrics</c> (session 21): a real worker process (signer and sender) on RabbitMQ
/// exports MassTransit's own metrics beside ours by default, and none of them when the setting is false, while our own
/// (<c>smime_*</c>) count the same mails either way.
/// </summary>
public sealed partial class MassTransitMetricsTests : BrokerTest
{
    [Theory]
    [InlineData(null)]
    [InlineData("false")]
    public async Task MassTransit_metrics_are_exported_by_default_and_none_when_switched_off_while_ours_count_every_mail(string? setting)
    {
        const int mails = 5;
        var outbox = Path.Combine(Temp.Path, "outbox");
        var settings = WorkerSettings("Signer,Sender", outbox, ("SmimePipeline:Telemetry:MassTransitMetrics", setting));
        settings["SmimePipeline:Signer:StorePath"] = Pki.StorePath;
        settings["SmimePipeline:Delivery:Ledger:SqlitePath"] = Path.Combine(Temp.Path, "delivery-ledger.db");
        await using var worker = await WorkerProcess.StartAsync(settings, Temp.Path);

        await PublishAsync(
            [.. Enumerable.Range(0, mails).Select(i => TestMails.Create(i, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses))],
            inFlight: 1);
        await Eventually.HoldsAsync(
            () => Task.FromResult(Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length == mails),
            TimeSpan.FromSeconds(90),
            () => $"the worker did not deliver {mails} mails\n{worker.Output}");

        var scrape = "";
        await Eventually.HoldsAsync(
            async () =>
            {
                scrape = await MetricsScrape.TextAsync(worker.BaseAddress);
                return MetricsScrape.Sum(scrape, "smime_mails_protected_total") == mails;
            },
            TimeSpan.FromSeconds(30),
            () => $"smime_mails_protected_total never reached {mails}");
        Assert.Equal(mails, MetricsScrape.Sum(scrape, "smime_mails_delivered_total"));

        var massTransit = MassTransitSeries().Matches(scrape).Select(m => m.Value).ToList();
        if (setting is null)
        {
            // Each mail consumed once by the signer's ProtectEmailConsumer on smime-protect (delivered in its process).
            // MassTransit names the counter messaging_masstransit_consume_total, or with the _ea infix in some versions.
            const string consumer = "consumer_type=\"ProtectEmailConsumer\"";
            var consumed = MetricsScrape.Sum(scrape, "messaging_masstransit_consume_total", consumer)
                + MetricsScrape.Sum(scrape, "messaging_masstransit_consume_ea_total", consumer);
            Assert.True(consumed == mails, $"MassTransit's consume counter of ProtectEmailConsumer is {consumed}, not {mails}:\n{string.Join('\n', massTransit)}");
        }
        else
        {
            Assert.True(massTransit.Count == 0, $"MassTransit's metrics exported though switched off:\n{string.Join('\n', massTransit)}");
        }
    }

    [GeneratedRegex(@"^messaging_masstransit_[a-z_]+", RegexOptions.Multiline)]
    private static partial Regex MassTransitSeries();
}
