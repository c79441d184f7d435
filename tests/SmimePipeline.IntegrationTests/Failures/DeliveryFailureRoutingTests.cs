using System.Text;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Delivery;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Issue 14, item 4 and "anything thrown in a consumer", on the real broker with a real sender process: an ESP
/// answer of a shape SparkPost never documented, and a failure outside the ESP call, both end in
/// <c>smime-deliver-dead</c> with a reason, an <see cref="EmailDeliveryFailed"/> event, the metric, and a line in
/// <c>smime dlq list</c>; nothing lands in MassTransit's <c>smime-deliver_error</c>.
/// </summary>
public sealed class DeliveryFailureRoutingTests : IAsyncLifetime
{
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task A_SparkPost_400_whose_message_is_a_number_is_dead_lettered_with_its_reason_not_lost_in_the_error_queue()
    {
        await using var sender = await WorkerProcess.StartAsync(_rig.SenderSettings(), AppContext.BaseDirectory);
        await _rig.StartProducerAsync();
        var odd = DeliveryRig.Mail();
        _rig.Fake.AnswerNext(400, Encoding.UTF8.GetBytes("{\"errors\":[{\"message\":5}]}"));

        await _rig.SendAsync([odd]);

        await Eventually.HoldsAsync(
            async () => await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue) == 1 && _rig.FailedEvents.Any(e => e.MailId == odd.MailId),
            TimeSpan.FromSeconds(60),
            () => $"the mail was not dead-lettered with an event:\n{sender.Output}");
        var headers = Assert.Single(await _rig.PeekHeadersAsync(RetryLadderTopology.DeadLetterQueue, 10));
        Assert.Equal(odd.MailId.ToString("D"), headers[SenderHeaders.MailId]);
        Assert.Equal("esp-rejected", headers[SenderHeaders.ReasonCode]);
        Assert.Equal("HTTP 400: 5", headers[SenderHeaders.EspAnswer]);
        var failed = Assert.Single(_rig.FailedEvents, e => e.MailId == odd.MailId);
        Assert.Equal((FailureStage.Deliver, "esp-rejected"), (failed.Stage, failed.ReasonCode));
        Assert.Equal(1, await MetricsScrape.SumAsync(sender, "smime_dead_letters_total", "stage=\"deliver\"", "reason=\"esp-rejected\""));
        await AssertOneDeadLetteredLineAsync(sender, odd.MailId);

        var list = await SmimeCli.RunAsync(["dlq", "list", "--rabbitmq", _rig.VirtualHost.AmqpUri.ToString()]);
        Assert.True(list.ExitCode == 0, list.Describe());
        Assert.Contains(odd.MailId.ToString("D"), list.StdoutText, StringComparison.Ordinal);
        Assert.Contains("esp-rejected", list.StdoutText, StringComparison.Ordinal);
        Assert.Equal(0, await _rig.VirtualHost.CountMessagesAsync($"{QueueNames.Deliver}_error"));
    }

    [Fact]
    public async Task An_unreadable_success_answer_is_an_unknown_outcome_retried_through_the_ladder_not_an_escape()
    {
        await using var sender = await WorkerProcess.StartAsync(_rig.SenderSettings(), AppContext.BaseDirectory);
        await _rig.StartProducerAsync();
        var mail = DeliveryRig.Mail();
        _rig.Fake.AnswerNext(200, Encoding.UTF8.GetBytes("{\"results\":{\"id\":[],\"total_accepted_recipients\":\"many\"}}"));

        await _rig.SendAsync([mail]);

        // The next attempt (from the first rung) gets SparkPost's normal answer, the only one with a transmission id:
        // the scripted 200 of the first attempt counts as "accepted" in the fake too, so waiting for that raced the rung.
        await Eventually.HoldsAsync(
            () => Task.FromResult(_rig.Fake.Requests.Any(r => r.MailId == mail.MailId.ToString("D") && r.TransmissionId is not null)),
            TimeSpan.FromSeconds(60),
            () => $"the mail was not delivered after the unreadable answer:\n{sender.Output}");
        // The worker's log reaches us through its stdout pipe, a little after the fact.
        await Eventually.HoldsAsync(
            () => Task.FromResult(sender.Output.Contains($"Mail {mail.MailId:D}: attempt 1 at sparkpost ended without a readable answer", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30),
            () => $"the resend was not explained in the log:\n{sender.Output}");
        Assert.Equal(2, _rig.Fake.Requests.Count(r => r.MailId == mail.MailId.ToString("D")));
        Assert.Empty(_rig.FailedEvents);
        Assert.Equal(0, await _rig.VirtualHost.CountMessagesAsync($"{QueueNames.Deliver}_error"));
    }

    [Fact]
    public async Task A_failure_outside_the_ESP_call_is_retried_then_dead_lettered_with_a_reason_and_never_with_its_message()
    {
        var settings = _rig.SenderSettings(retrySchedule: "1s,1s");
        await using var sender = await WorkerProcess.StartAsync(settings, AppContext.BaseDirectory);
        await _rig.StartProducerAsync();
        // A claim check whose content is gone: loading it throws before the ESP is called.
        var orphan = DeliveryRig.Mail() with { Content = [], ContentAddress = new Uri($"urn:file:missing:{Guid.NewGuid():N}") };

        await _rig.SendAsync([orphan]);

        await Eventually.HoldsAsync(
            async () => await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue) == 1 && _rig.FailedEvents.Any(e => e.MailId == orphan.MailId),
            TimeSpan.FromSeconds(120),
            () => $"the mail was not dead-lettered:\n{sender.Output}");
        var headers = Assert.Single(await _rig.PeekHeadersAsync(RetryLadderTopology.DeadLetterQueue, 10));
        var failed = Assert.Single(_rig.FailedEvents, e => e.MailId == orphan.MailId);
        Assert.Equal(failed.ReasonCode, headers[SenderHeaders.ReasonCode]);
        Assert.False(string.IsNullOrWhiteSpace(failed.Reason));
        Assert.Equal(1, await MetricsScrape.SumAsync(sender, "smime_dead_letters_total", "stage=\"deliver\"", $"reason=\"{failed.ReasonCode}\""));
        await AssertOneDeadLetteredLineAsync(sender, orphan.MailId);
        Assert.Empty(_rig.Fake.Requests);
        Assert.Equal(0, await _rig.VirtualHost.CountMessagesAsync($"{QueueNames.Deliver}_error"));
    }

    private static async Task AssertOneDeadLetteredLineAsync(WorkerProcess worker, Guid mailId)
    {
        List<string> Lines() => worker.Output.Split('\n').Where(l => l.Contains($"Mail {mailId:D} dead-lettered at deliver", StringComparison.Ordinal)).ToList();
        // The worker's log reaches us through its stdout pipe, a little after the fact.
        await Eventually.HoldsAsync(() => Task.FromResult(Lines().Count > 0), TimeSpan.FromSeconds(30), () => $"no dead-letter line:\n{worker.Output}");
        Assert.Single(Lines());
    }
}
