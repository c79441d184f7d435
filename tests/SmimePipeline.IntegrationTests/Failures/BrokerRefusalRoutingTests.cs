using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Delivery;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// The broker refusing a worker's own sends (session 12, audit rows of "Every failure is seen"), provoked for real: the
/// test's virtual host lets the worker's user publish to every exchange but one (<see cref="RabbitMqVirtualHost.RefuseWritesToAsync"/>),
/// so RabbitMQ answers that publish with <c>ACCESS_REFUSED</c>. The signer's own report of a refused mail whose event
/// cannot be published is reported once, not again by the endpoint's filter; a sender whose retry ladder cannot be
/// written to ends the mail in <c>smime-deliver_error</c>, reported by the filter.
/// </summary>
public sealed class BrokerRefusalRoutingTests : BrokerTest
{
    private const string FailedExchange = "SmimePipeline.Contracts:EmailDeliveryFailed";

    [Fact]
    public async Task A_refused_mail_whose_event_the_broker_refuses_is_logged_and_counted_once_and_dead_lettered_with_its_own_reason()
    {
        await VirtualHost.RefuseWritesToAsync(FailedExchange);
        var logs = new RecordingLoggerProvider();
        await using var signer = await WorkerHost.StartAsync(WorkerSettings("Signer", Path.Combine(Temp.Path, "outbox")), builder => builder.Logging.AddProvider(logs));
        string Output() => string.Join('\n', logs.Lines);
        // No certificate for this recipient: the handler reports the mail itself (policy "fail"), then publishes the event.
        var mail = OneRecipientMail() with { To = [new MailAddress("nobody@" + DemoPki.Domain)] };

        await PublishAsync(mail);

        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync("smime-protect_error") == 1,
            TimeSpan.FromSeconds(120),
            () => $"the mail did not reach smime-protect_error:\n{Output()}");
        var fault = Assert.Single(await VirtualHost.PeekAsync("smime-protect_error", 5)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
        Assert.StartsWith("recipient-certificate-missing: ", fault, StringComparison.Ordinal);
        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mail.MailId:D} dead-lettered at protect: ", "the mail whose event was refused");
        Assert.Contains($"Mail {mail.MailId:D} dead-lettered at protect: recipient-certificate-missing: ", Output(), StringComparison.Ordinal);
        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mail.MailId:D} dead-lettered at protect as recipient-certificate-missing (reported above), but its EmailDeliveryFailed event could not be published", "the refused event");
        Assert.Equal(1, signer.Telemetry.FailedTotal);
    }

    [Fact]
    public async Task A_sender_whose_retry_ladder_the_broker_refuses_ends_the_mail_in_the_error_queue_reported_once_by_the_filter()
    {
        await using var rig = await DeliveryRig.CreateAsync();
        await rig.VirtualHost.RefuseWritesToAsync(RetryLadderTopology.RungName(1));
        await using var sender = await WorkerProcess.StartAsync(rig.SenderSettings(breakerThreshold: 100), AppContext.BaseDirectory);
        await rig.StartProducerAsync();
        var mail = DeliveryRig.Mail();
        // Transient for every try (the first and MassTransit's three short retries): each wants the first rung.
        rig.Fake.FailNext(10, 503);

        await rig.SendAsync([mail]);

        const string ErrorQueue = QueueNames.Deliver + "_error";
        await Eventually.HoldsAsync(
            async () => await rig.VirtualHost.CountMessagesAsync(ErrorQueue) == 1 && rig.FailedEvents.Any(e => e.MailId == mail.MailId),
            TimeSpan.FromSeconds(120),
            () => $"the mail did not reach {ErrorQueue} with its event:\n{sender.Output}");
        var failed = Assert.Single(rig.FailedEvents, e => e.MailId == mail.MailId);
        Assert.Equal((FailureStage.Deliver, Worker.Failures.FailureReason.UnexpectedError), (failed.Stage, failed.ReasonCode));
        var fault = Assert.Single(await rig.VirtualHost.PeekAsync(ErrorQueue, 5)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
        Assert.StartsWith(Worker.Failures.FailureReason.UnexpectedError + ": ", fault, StringComparison.Ordinal);
        Assert.Equal(1, await MetricsScrape.SumAsync(sender, "smime_dead_letters_total", "stage=\"deliver\"", $"reason=\"{Worker.Failures.FailureReason.UnexpectedError}\""));
        List<string> Lines() => [.. sender.Output.Split('\n').Where(l => l.Contains($"Mail {mail.MailId:D} dead-lettered at deliver", StringComparison.Ordinal))];
        await Eventually.HoldsAsync(() => Task.FromResult(Lines().Count > 0), TimeSpan.FromSeconds(30), () => $"no dead-letter line:\n{sender.Output}");
        Assert.Single(Lines());
        Assert.Equal(0, await rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue));
    }
}
