using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Delivery;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.ClaimCheck;

/// <summary>
/// A sender that hands a claim-checked mail over, deletes its claim and stops before its ack leaves the broker a copy
/// of a mail whose claim is gone. That copy, redelivered, must be acknowledged as the duplicate it is (the ledger says
/// accepted), not dead-lettered as <c>claim-missing</c> with an <see cref="EmailDeliveryFailed"/> for a mail the ESP
/// has. Sending the same <see cref="DeliverEmail"/> again after delivery is that redelivery, on the real RabbitMQ.
/// </summary>
public sealed class ClaimCheckRedeliveryTests : ClaimCheckSenderTest
{
    [Fact]
    public async Task A_copy_of_a_delivered_claim_checked_mail_whose_claim_is_gone_is_acknowledged_as_a_duplicate_not_dead_lettered()
    {
        var claims = Claims;
        await using var sender = await StartSenderAsync();

        var id = await new FileClaimStore(claims).PutAsync(DeliveryRig.Mail().Content, CancellationToken.None);
        var mail = DeliveryRig.Mail() with { Content = [], ContentAddress = id.Address };
        // A claim that never existed, for the same sender: still dead-lettered as claim-missing.
        var neverStored = DeliveryRig.Mail() with { Content = [], ContentAddress = ClaimId.NewId().Address };

        await Rig.SendAsync([mail]);
        await Eventually.HoldsAsync(
            () => Task.FromResult(Rig.DeliveredEvents.Any(e => e.MailId == mail.MailId) && !File.Exists(Path.Combine(claims, id.FileName))),
            TimeSpan.FromSeconds(90),
            () => "the claim-checked mail was not delivered, or its claim not deleted");

        await Rig.SendAsync([mail, neverStored]);
        await Eventually.HoldsAsync(
            () => Task.FromResult(Rig.DeliveredEvents.Count(e => e.MailId == mail.MailId) == 2 && Rig.FailedEvents.Any(e => e.MailId == neverStored.MailId)),
            TimeSpan.FromSeconds(90),
            () => $"delivered events for the copy: {Rig.DeliveredEvents.Count(e => e.MailId == mail.MailId)} of 2; failed: {string.Join(", ", Rig.FailedEvents.Select(e => e.ReasonCode))}");

        Assert.DoesNotContain(Rig.FailedEvents, e => e.MailId == mail.MailId);
        Assert.Single(Rig.Fake.Requests, r => r.MailId == mail.MailId.ToString("D"));
        var dead = await Rig.PeekHeadersAsync(RetryLadderTopology.DeadLetterQueue, 10);
        Assert.Equal("claim-missing", Assert.Single(dead)[SenderHeaders.ReasonCode]);
        Assert.Equal(neverStored.MailId.ToString("D"), Assert.Single(dead)[SenderHeaders.MailId]);
    }
}
