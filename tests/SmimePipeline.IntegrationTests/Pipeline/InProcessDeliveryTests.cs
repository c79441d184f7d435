using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing.SparkPost;
using SmimePipeline.Worker.Sending;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.IntegrationTests.Pipeline;

/// <summary>
/// Issue 17, session 12: a worker that runs both roles makes a mail's first delivery attempt in the signer's process
/// (<c>Signer:DeliverInProcess</c>), through the sender's own handler, ledger and ladder, on the real broker with the
/// SparkPost fake as the ESP (it counts every transmission per mail id). Each test says which path a mail took by the
/// worker's count of in-process attempts, and that it reached the ESP exactly once.
/// </summary>
public sealed class InProcessDeliveryTests : BrokerTest, IAsyncLifetime
{
    private SparkPostFake _esp = null!;
    private IBusControl? _events;
    private readonly ConcurrentBag<EmailProtected> _protected = [];
    private readonly ConcurrentBag<EmailDelivered> _delivered = [];
    private readonly ConcurrentBag<EmailDeliveryFailed> _failed = [];

    [Fact]
    public async Task A_mail_delivered_in_the_signers_process_reaches_the_esp_once_with_both_events_in_one_trace()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is SmimeTelemetry.Name or "MassTransit",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var worker = await StartWorkerAsync("WaitForPlace");
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        await AssertDeliveredOnceAsync(worker, mail, inProcessAttempts: 1);
        Assert.Single(_esp.Requests);
        await Eventually.HoldsAsync(() => Task.FromResult(_protected.Any(e => e.MailId == mail.MailId)), TimeSpan.FromSeconds(30), () => "no EmailProtected event");
        Assert.Empty(_failed);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(QueueNames.Deliver));

        var protect = Assert.Single(spans, s => s.OperationName == "smime protect" && Equals(s.GetTagItem("smime.mail_id"), mail.MailId));
        var deliver = Assert.Single(spans, s => s.OperationName == "smime deliver" && Equals(s.GetTagItem("smime.mail_id"), mail.MailId));
        Assert.Equal(protect.TraceId, deliver.TraceId);
        Assert.DoesNotContain(spans, s => s.TraceId == protect.TraceId && Equals(s.GetTagItem("messaging.destination.name"), QueueNames.Deliver));
    }

    [Fact]
    public async Task A_protect_command_that_comes_again_after_the_esp_accepted_its_mail_in_process_is_not_sent_twice()
    {
        await using var worker = await StartWorkerAsync("WaitForPlace");
        var mail = OneRecipientMail();
        await PublishAsync(mail);
        await WaitForDeliveredEventsAsync(mail.MailId, 1);

        // The same command again, as the broker redelivers it when the signer died between the ESP's answer and its ack.
        await PublishAsync(mail);

        await WaitForDeliveredEventsAsync(mail.MailId, 2);
        Assert.Equal(2, worker.Telemetry.InProcessDeliveryAttemptsTotal);
        Assert.Equal(1, _esp.AcceptedByMailId[mail.MailId.ToString("D")]);
        Assert.Single(_esp.Requests);
        Assert.Empty(_failed);
    }

    [Fact]
    public async Task A_transient_esp_failure_of_the_in_process_attempt_goes_onto_the_retry_ladder_and_is_delivered_from_there()
    {
        await using var worker = await StartWorkerAsync("WaitForPlace");
        _esp.FailNext(1, 503);
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        await AssertDeliveredOnceAsync(worker, mail, inProcessAttempts: 1);
        Assert.Equal([503, 200], _esp.Requests.Select(r => r.Status));
        Assert.Empty(_failed);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue));
    }

    [Fact]
    public async Task While_the_esp_breaker_is_open_a_mail_goes_through_smime_deliver_and_is_delivered_once_when_the_esp_is_back()
    {
        await using var worker = await StartWorkerAsync("WaitForPlace", ("SmimePipeline:Sender:BreakerFailureThreshold", "1"), ("SmimePipeline:Sender:BreakerOpenDuration", "00:00:15"));
        _esp.FailNext(1, 503);
        var first = OneRecipientMail();
        await PublishAsync(first);
        var breaker = worker.Services.GetRequiredService<EspCircuitBreaker>();
        await Eventually.HoldsAsync(() => Task.FromResult(breaker.IsOpen), TimeSpan.FromSeconds(30), () => "the breaker did not open after the ESP's 503");

        var second = OneRecipientMail();
        await PublishAsync(second);

        await WaitForDeliveredEventsAsync(first.MailId, 1, TimeSpan.FromSeconds(90));
        await WaitForDeliveredEventsAsync(second.MailId, 1, TimeSpan.FromSeconds(90));
        Assert.Equal(1, worker.Telemetry.InProcessDeliveryAttemptsTotal);
        Assert.Equal(1, _esp.AcceptedByMailId[first.MailId.ToString("D")]);
        Assert.Equal(1, _esp.AcceptedByMailId[second.MailId.ToString("D")]);
        Assert.Empty(_failed);
    }

    [Fact]
    public async Task With_free_place_and_every_delivery_place_taken_the_mail_goes_through_smime_deliver()
    {
        var (worker, taken, mail) = await PublishWithTheOnlyPlaceTakenAsync("FreePlace");
        await using var _ = worker;
        taken.Dispose();

        await AssertDeliveredOnceAsync(worker, mail, inProcessAttempts: 0);
    }

    [Fact]
    public async Task With_wait_for_place_the_mail_waits_for_the_taken_place_and_is_delivered_in_process()
    {
        var (worker, taken, mail) = await PublishWithTheOnlyPlaceTakenAsync("WaitForPlace");
        await using var _ = worker;
        Assert.Empty(_esp.Requests);
        taken.Dispose();

        await AssertDeliveredOnceAsync(worker, mail, inProcessAttempts: 1);
    }

    [Fact]
    public async Task With_wait_for_place_a_mail_beyond_the_signers_cap_waits_for_one_to_leave_and_is_delivered_in_process()
    {
        // A window of 3 with 2 protect slots lets one of the signer's mails wait for a place or deliver at a time
        // (InProcessDelivery.MaxInside); the only place is taken. Session 13 sent the second mail to smime-deliver here.
        await using var worker = await StartWorkerAsync(
            "WaitForPlace", ("SmimePipeline:Signer:InFlight", "3"), ("SmimePipeline:Sender:Concurrency", "1"));
        var taken = worker.Services.GetRequiredService<DeliverySlots>().TryEnter(large: false);
        Assert.NotNull(taken);
        var first = OneRecipientMail();
        var second = OneRecipientMail();
        await PublishAsync(first);
        await PublishAsync(second);
        await Eventually.HoldsAsync(
            () => Task.FromResult(_protected.Any(e => e.MailId == first.MailId) && _protected.Any(e => e.MailId == second.MailId)),
            TimeSpan.FromSeconds(60),
            () => "the two mails were not both protected");
        Assert.Empty(_esp.Requests);
        taken.Dispose();

        await WaitForDeliveredEventsAsync(first.MailId, 1);
        await WaitForDeliveredEventsAsync(second.MailId, 1);
        Assert.Equal(2, worker.Telemetry.InProcessDeliveryAttemptsTotal);
        Assert.Equal(1, _esp.AcceptedByMailId[first.MailId.ToString("D")]);
        Assert.Equal(1, _esp.AcceptedByMailId[second.MailId.ToString("D")]);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(QueueNames.Deliver));
        Assert.Empty(_failed);
    }

    [Fact]
    public async Task While_a_large_mail_waits_for_a_place_a_small_mail_waits_in_process_and_the_large_one_gets_its_kept_place_first()
    {
        // Two places, one of which large mails may hold; both taken by small mails, and a large mail from smime-deliver
        // waiting (the test holds and asks for the places itself). Session 12 sent the small mail to smime-deliver here.
        await using var worker = await StartWorkerAsync(
            "WaitForPlace", ("SmimePipeline:Sender:Concurrency", "2"), ("SmimePipeline:Sender:LargeMailPlaces", "1"));
        var places = worker.Services.GetRequiredService<DeliverySlots>();
        var first = places.TryEnter(large: false);
        var second = places.TryEnter(large: false);
        Assert.NotNull(first);
        Assert.NotNull(second);
        var large = places.EnterAsync(large: true, CancellationToken.None);
        Assert.Equal(1, places.LargeWaiting);

        var mail = OneRecipientMail();
        await PublishAsync(mail);
        await Eventually.HoldsAsync(() => Task.FromResult(_protected.Any(e => e.MailId == mail.MailId)), TimeSpan.FromSeconds(60), () => "the mail was not protected");

        // The first place given back is the large mail's, although the small one asked for a place after it was kept.
        first.Dispose();
        using (await large.WaitAsync(TimeSpan.FromSeconds(60)))
        {
            Assert.Equal(1, places.LargeHeld);
            Assert.Empty(_esp.Requests);

            // The next one is the small mail's, in this process.
            second.Dispose();
            await AssertDeliveredOnceAsync(worker, mail, inProcessAttempts: 1);
        }
    }

    [Fact]
    public async Task Large_mail_is_delivered_in_process_without_a_claim_file()
    {
        // Session 14: a mail above the claim-check threshold is delivered where it was protected, in a large mail's place.
        await using var worker = await StartWorkerAsync("WaitForPlace", ("SmimePipeline:ClaimCheck:ThresholdBytes", "4096"));
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        await AssertDeliveredOnceAsync(worker, mail, inProcessAttempts: 1);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(QueueNames.Deliver));
        Assert.Empty(ClaimFiles());
    }

    [Fact]
    public async Task A_transient_esp_failure_of_a_large_mail_in_process_sends_its_ladder_copy_by_claim_check()
    {
        // The ladder's copy must not carry the protected bytes inline into a quorum queue: it is checked in first, and the
        // sender that delivers it from smime-deliver releases the claim.
        await using var worker = await StartWorkerAsync(
            "WaitForPlace", ("SmimePipeline:ClaimCheck:ThresholdBytes", "4096"), ("SmimePipeline:Sender:RetrySchedule", "4s"));
        _esp.FailNext(1, 503);
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        await Eventually.HoldsAsync(() => Task.FromResult(ClaimFiles().Length == 1), TimeSpan.FromSeconds(60), () => $"{ClaimFiles().Length} claim files while the mail waits on the ladder");
        await AssertDeliveredOnceAsync(worker, mail, inProcessAttempts: 1);
        Assert.Equal([503, 200], _esp.Requests.Select(r => r.Status));
        await Eventually.HoldsAsync(() => Task.FromResult(ClaimFiles().Length == 0), TimeSpan.FromSeconds(30), () => "the ladder copy's claim was not released after its delivery");
        Assert.Empty(_failed);
    }

    [Fact]
    public async Task Large_mail_beyond_two_per_large_place_goes_through_smime_deliver_by_claim_check()
    {
        // One place large mails may hold, taken by the test: two large mails may wait for it in process, a third goes to the
        // queue (MaxLargeInside), and all three are delivered once when the place is given back.
        await using var worker = await StartWorkerAsync(
            "WaitForPlace", ("SmimePipeline:ClaimCheck:ThresholdBytes", "4096"), ("SmimePipeline:Sender:LargeMailPlaces", "1"));
        var places = worker.Services.GetRequiredService<DeliverySlots>();
        var taken = places.TryEnter(large: true);
        Assert.NotNull(taken);
        ProtectEmail[] mails = [OneRecipientMail(), OneRecipientMail(), OneRecipientMail()];

        foreach (var mail in mails)
        {
            await PublishAsync(mail);
        }

        await Eventually.HoldsAsync(() => Task.FromResult(mails.All(m => _protected.Any(e => e.MailId == m.MailId))), TimeSpan.FromSeconds(60), () => "not every mail was protected");
        await Eventually.HoldsAsync(() => Task.FromResult(places.LargeWaiting == 3), TimeSpan.FromSeconds(30), () => $"{places.LargeWaiting} large mails wait for the place, not 2 in process and 1 from smime-deliver");
        Assert.Empty(_esp.Requests);
        taken.Dispose();

        foreach (var mail in mails)
        {
            await WaitForDeliveredEventsAsync(mail.MailId, 1);
            Assert.Equal(1, _esp.AcceptedByMailId[mail.MailId.ToString("D")]);
        }

        Assert.Equal(2, worker.Telemetry.InProcessDeliveryAttemptsTotal);
        await Eventually.HoldsAsync(() => Task.FromResult(ClaimFiles().Length == 0), TimeSpan.FromSeconds(30), () => "the queue's large mail left its claim");
    }

    [Fact]
    public async Task Off_registers_no_in_process_delivery_and_every_mail_goes_through_smime_deliver()
    {
        await using var worker = await StartWorkerAsync("Off");
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        await AssertDeliveredOnceAsync(worker, mail, inProcessAttempts: 0);
        Assert.Null(worker.Services.GetService<InProcessDelivery>());
    }

    [Fact]
    public async Task A_signer_alone_never_delivers_whatever_the_setting_says()
    {
        await using var signer = await WorkerHost.StartAsync(Settings("WaitForPlace", ("SmimePipeline:Roles", "Signer")));

        Assert.Null(signer.Services.GetService<InProcessDelivery>());
    }

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        _esp = await SparkPostFake.StartAsync();
        _events = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(VirtualHost.AmqpUri);
            cfg.ReceiveEndpoint("test-in-process-protected", e => e.Handler<EmailProtected>(c => Record(_protected, c.Message)));
            cfg.ReceiveEndpoint("test-in-process-delivered", e => e.Handler<EmailDelivered>(c => Record(_delivered, c.Message)));
            cfg.ReceiveEndpoint("test-in-process-failed", e => e.Handler<EmailDeliveryFailed>(c => Record(_failed, c.Message)));
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _events.StartAsync(timeout.Token);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_events is not null)
        {
            await _events.StopAsync();
        }

        await _esp.DisposeAsync();
        await DisposeAsync();
    }

    private static Task Record<T>(ConcurrentBag<T> bag, T message)
    {
        bag.Add(message);
        return Task.CompletedTask;
    }

    private Task<WorkerHost> StartWorkerAsync(string mode, params (string Key, string? Value)[] more) => WorkerHost.StartAsync(Settings(mode, more));

    // Both roles in one process, SparkPost (the fake) as the ESP, no in-process retries, a short ladder.
    private Dictionary<string, string?> Settings(string mode, params (string Key, string? Value)[] more) =>
        WorkerSettings(
            "Signer",
            Path.Combine(Temp.Path, "outbox"),
            [
                ("SmimePipeline:Roles", "Signer,Sender"),
                ("SmimePipeline:Signer:DeliverInProcess", mode),
                ("SmimePipeline:Signer:Concurrency", "2"),
                ("SmimePipeline:ClaimCheck:Directory", Path.Combine(Temp.Path, "claims")),
                ("SmimePipeline:Delivery:Provider", "sparkpost"),
                ("SmimePipeline:Delivery:SparkPost:BaseUrl", _esp.BaseUrl.ToString()),
                ("SmimePipeline:Delivery:SparkPost:ApiKey", _esp.ApiKey),
                ("SmimePipeline:Delivery:SparkPost:Timeout", SparkPostFake.ClientTimeout.ToString()),
                ("SmimePipeline:Delivery:Ledger:SqlitePath", Path.Combine(Temp.Path, "ledger.db")),
                ("SmimePipeline:Sender:ImmediateRetries", ""),
                ("SmimePipeline:Sender:RetrySchedule", "1s,2s,3s"),
                .. more,
            ]);

    private string[] ClaimFiles()
    {
        var directory = Path.Combine(Temp.Path, "claims");
        return Directory.Exists(directory) ? Directory.GetFiles(directory) : [];
    }

    // A worker with one delivery place, taken by the test, and a mail published and protected meanwhile; the caller gives
    // the place back (disposes it) and disposes the worker.
    private async Task<(WorkerHost Worker, IDisposable Place, ProtectEmail Mail)> PublishWithTheOnlyPlaceTakenAsync(string mode)
    {
        var worker = await StartWorkerAsync(mode, ("SmimePipeline:Sender:Concurrency", "1"));
        var taken = worker.Services.GetRequiredService<DeliverySlots>().TryEnter(large: false);
        Assert.NotNull(taken);
        var mail = OneRecipientMail();
        await PublishAsync(mail);
        await Eventually.HoldsAsync(() => Task.FromResult(_protected.Any(e => e.MailId == mail.MailId)), TimeSpan.FromSeconds(60), () => "the mail was not protected");
        return (worker, taken, mail);
    }

    // The mail's EmailDelivered event came, the ESP accepted it exactly once, and the worker made this many attempts in process.
    private async Task AssertDeliveredOnceAsync(WorkerHost worker, ProtectEmail mail, int inProcessAttempts)
    {
        await WaitForDeliveredEventsAsync(mail.MailId, 1);
        Assert.Equal(inProcessAttempts, worker.Telemetry.InProcessDeliveryAttemptsTotal);
        Assert.Equal(1, _esp.AcceptedByMailId[mail.MailId.ToString("D")]);
    }

    private Task WaitForDeliveredEventsAsync(Guid mailId, int count, TimeSpan? within = null) =>
        Eventually.HoldsAsync(
            () => Task.FromResult(_delivered.Count(e => e.MailId == mailId) >= count),
            within ?? TimeSpan.FromSeconds(60),
            () => $"{_delivered.Count(e => e.MailId == mailId)} of {count} EmailDelivered events for mail {mailId}; ESP requests: {_esp.Requests.Count}, failures: {_failed.Count}");
}
