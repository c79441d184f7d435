using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>
/// Copies of one mail in the sender at the same time (a redelivery while the first hand-over is still running), and a
/// copy after the ESP accepted it: the ESP sees the mail once, and every copy is acknowledged with an
/// <see cref="EmailDelivered"/>. This is the ledger's claim on the real broker: one claim wins, the others read the
/// holder's entry from the claim itself, wait, and find the acceptance.
/// </summary>
public sealed class ConcurrentHandOverTests : IAsyncLifetime
{
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Copies_of_one_mail_in_flight_together_and_after_acceptance_reach_the_ESP_once()
    {
        // Slow answers keep the first hand-over open while the other copies are consumed next to it.
        _rig.Fake.AnswerDelay = TimeSpan.FromSeconds(2);
        var settings = _rig.SenderSettings();
        settings["SmimePipeline:Sender:Concurrency"] = "4";
        await using var sender = await WorkerHost.StartAsync(settings);
        await _rig.StartProducerAsync();
        var mail = DeliveryRig.Mail();
        var id = mail.MailId.ToString("D");

        await _rig.SendAsync([mail, mail, mail]);
        await Eventually.HoldsAsync(
            () => Task.FromResult(_rig.DeliveredEvents.Count(e => e.MailId == mail.MailId) >= 3),
            TimeSpan.FromSeconds(120),
            () => $"{_rig.DeliveredEvents.Count(e => e.MailId == mail.MailId)} of 3 EmailDelivered events; {_rig.Fake.Requests.Count} ESP request(s)");

        Assert.Single(_rig.Fake.Requests, r => r.MailId == id);
        Assert.Equal(1, _rig.Fake.AcceptedByMailId[id]);
        Assert.Equal(1, sender.Telemetry.DeliveredTotal);

        // A copy long after: acknowledged from the ledger, not sent.
        _rig.Fake.AnswerDelay = TimeSpan.Zero;
        await _rig.SendAsync([mail]);
        await Eventually.HoldsAsync(
            () => Task.FromResult(_rig.DeliveredEvents.Count(e => e.MailId == mail.MailId) >= 4),
            TimeSpan.FromSeconds(120),
            () => $"{_rig.DeliveredEvents.Count(e => e.MailId == mail.MailId)} of 4 EmailDelivered events");

        Assert.Single(_rig.Fake.Requests, r => r.MailId == id);
        Assert.Empty(_rig.FailedEvents);
        var providerIds = _rig.DeliveredEvents.Where(e => e.MailId == mail.MailId).Select(e => e.ProviderMessageId).Distinct().ToList();
        Assert.Single(providerIds);
        Assert.NotNull(providerIds[0]);
    }
}
