using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Signing;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Session 17 (left open by session 16's audit): the signer protected a mail and sent it on (its <c>DeliverEmail</c>
/// confirmed on <c>smime-deliver</c>, or delivered by its attempt in the signer's process), and the broker refuses its
/// <see cref="EmailProtected"/> (a queue bound to the event's exchange full: nacks). Before, the handler's short retries
/// protected the mail and handed it over again, and the last one reported it <em>failed</em> at protect
/// (<c>broker-refused</c>, an <see cref="EmailDeliveryFailed"/>) although the ESP had it; a user reading that would send it
/// again. Now it is reported as what happened: protected and sent on, only its event missing (<c>protected-event-refused</c>,
/// line 1021, the metric, <c>smime-protect_error</c>), no <see cref="EmailDeliveryFailed"/>, no "dead-lettered" line, one ESP
/// request. Real RabbitMQ 3.10 (quorum queues), the SparkPost fake; both hand-overs (queue, and in process).
/// </summary>
public sealed class ProtectedEventRefusedTests : SparkPostBrokerTest
{
    private const string ErrorQueue = QueueNames.Protect + "_error";

    private readonly RecordingLoggerProvider _logs = new();

    [Theory]
    [InlineData("Off", "handed to the sender role on smime-deliver")]
    [InlineData("WaitForPlace", "its first delivery attempt made in the signer's process")]
    public async Task A_protected_mail_whose_EmailProtected_the_broker_refuses_is_delivered_once_and_reported_sent_on_not_failed(string inProcess, string where)
    {
        await using var failed = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, $"test-protected-{inProcess}-failed");
        await using var worker = await WorkerHost.StartAsync(
            BothRolesOnSparkPost(
                ("SmimePipeline:Signer:DeliverInProcess", inProcess),
                ("SmimePipeline:RabbitMq:SendTimeout", "00:00:03")),
            builder => builder.Logging.AddProvider(_logs));
        await using var protectedEvents = await EventNacker.BindAsync<EmailProtected>(VirtualHost.AmqpUri, $"test-protected-{inProcess}-full");
        var mail = OneRecipientMail();
        var id = mail.MailId.ToString("D");

        await PublishAsync(mail);

        var line = $"Mail {id} was protected and sent on, but RabbitMQ did not take its EmailProtected event";
        var parked = 0;
        await Eventually.HoldsAsync(
            async () => (parked = await VirtualHost.CountMessagesNowAsync(ErrorQueue)) == 1
                && Output().Contains(line, StringComparison.Ordinal)
                && Esp.AcceptedByMailId.ContainsKey(id),
            TimeSpan.FromSeconds(120),
            () => $"{parked} in {ErrorQueue}, ESP requests: {Requests(id)}, failure events: {failed.Failed.Count}\n{Output()}");

        Assert.True(Requests(id) == 1 && Esp.AcceptedByMailId[id] == 1, $"ESP requests: {Requests(id)}\n{Output()}");
        Assert.DoesNotContain(failed.Failed, f => f.MailId == mail.MailId);
        Assert.DoesNotContain(_logs.Lines, l => l.Contains($"Mail {id} dead-lettered", StringComparison.Ordinal));
        var reportLine = Assert.Single(_logs.Lines, l => l.Contains(line, StringComparison.Ordinal));
        Assert.Contains($"{ProtectedEventRefused.ReasonCode}: Protected and {where}", reportLine, StringComparison.Ordinal);
        Assert.Contains("only its EmailProtected event is missing: RabbitMQ", reportLine, StringComparison.Ordinal);
        Assert.Contains("Do not send it again", reportLine, StringComparison.Ordinal);
        Assert.Equal(1, worker.Telemetry.FailedTotal);
        var fault = Assert.Single(await VirtualHost.PeekAsync(ErrorQueue, 5)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
        Assert.StartsWith($"{ProtectedEventRefused.ReasonCode}: Protected and {where}", fault, StringComparison.Ordinal);
    }

    private int Requests(string id) => Esp.Requests.Count(r => r.MailId == id);

    private string Output() => string.Join('\n', _logs.Lines);
}
