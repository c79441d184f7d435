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

        await PublishAsync(mail);

        await AssertProtectedOnceAndReportedSentOnAsync(worker, failed, mail, where);
    }

    /// <summary>
    /// Session 18: the same refusal, by closing the channel (write permission on the event's exchange withheld:
    /// <c>ACCESS_REFUSED</c>). Before, the event went out on the channel the consume shares, so the refusal took the command's
    /// unacknowledged delivery with it: the command came back, and each redelivery protected the mail and handed it over again
    /// until <c>RabbitMq:DeliveryLimit</c>, which reported it failed (<c>delivery-limit</c>, an <see cref="EmailDeliveryFailed"/>).
    /// Now the event goes out on the bus's own channel: the refusal closes that one, the command's delivery stays, and the mail
    /// ends as in the nack case, protected once. With write allowed again, <c>smime dlq requeue</c> publishes the event and the
    /// ESP sees no second request.
    /// </summary>
    [Theory]
    [InlineData("Off", "handed to the sender role on smime-deliver")]
    [InlineData("WaitForPlace", "its first delivery attempt made in the signer's process")]
    public async Task A_protected_mail_whose_EmailProtected_the_broker_refuses_by_closing_the_channel_is_protected_once_and_reported_sent_on(string inProcess, string where)
    {
        await using var failed = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, $"test-protected-closed-{inProcess}-failed");
        await using var announced = await EventCollector.StartAsync<EmailProtected>(VirtualHost.AmqpUri, $"test-protected-closed-{inProcess}-events");
        await using var worker = await WorkerHost.StartAsync(
            BothRolesOnSparkPost(
                ("SmimePipeline:Signer:DeliverInProcess", inProcess),
                ("SmimePipeline:RabbitMq:SendTimeout", "00:00:03"),
                ("SmimePipeline:RabbitMq:DeliveryLimit", "3")),
            builder => builder.Logging.AddProvider(_logs));
        await VirtualHost.WithholdWriteAsync(EventNacker.ExchangeOf<EmailProtected>());
        var mail = OneRecipientMail();
        var id = mail.MailId.ToString("D");

        await PublishAsync(mail);

        await AssertProtectedOnceAndReportedSentOnAsync(worker, failed, mail, where);
        Assert.Empty(announced.Received);

        // Nothing lost: with write allowed again, requeue protects it again and publishes the event; the sender's ledger
        // keeps the ESP from a second send.
        await VirtualHost.AllowWriteAsync();
        var requeue = await SmimeCli.RunAsync(["dlq", "requeue", id, "--queue", ErrorQueue, "--rabbitmq", VirtualHost.AmqpUri.ToString()]);
        Assert.True(requeue.ExitCode == 0, requeue.Describe());
        await Eventually.HoldsAsync(
            () => Task.FromResult(announced.Received.Any(e => e.MailId == mail.MailId)),
            TimeSpan.FromSeconds(90),
            () => $"no EmailProtected after requeue; ESP requests: {Requests(id)}\n{Output()}");
        Assert.Equal(1, Requests(id));
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(ErrorQueue));
        Assert.DoesNotContain(failed.Failed, f => f.MailId == mail.MailId);
    }

    // Waits until the mail is in smime-protect_error, reported as protected and sent on, and accepted by the ESP; then checks
    // that it was protected and sent to the ESP once, reported once as what happened (line 1021, the metric, the fault
    // header) and never as failed (no EmailDeliveryFailed, no "dead-lettered" line).
    private async Task AssertProtectedOnceAndReportedSentOnAsync(WorkerHost worker, FailureEventCollector failed, ProtectEmail mail, string where)
    {
        var id = mail.MailId.ToString("D");
        var line = $"Mail {id} was protected and sent on, but RabbitMQ did not take its EmailProtected event";
        var parked = 0;
        await Eventually.HoldsAsync(
            async () => (parked = await VirtualHost.CountMessagesNowAsync(ErrorQueue)) == 1
                && Output().Contains(line, StringComparison.Ordinal)
                && Esp.AcceptedByMailId.ContainsKey(id),
            TimeSpan.FromSeconds(120),
            () => $"{parked} in {ErrorQueue}, protected {worker.Telemetry.ProtectedTotal} times, ESP requests: {Requests(id)}, failure events: {failed.Failed.Count}\n{Output()}");

        Assert.True(worker.Telemetry.ProtectedTotal == 1, $"protected {worker.Telemetry.ProtectedTotal} times\n{Output()}");
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
