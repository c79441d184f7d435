using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Pipeline;

/// <summary>
/// Nothing is lost when the roles start in the "wrong" order on a broker without the deployed definitions: a signer
/// started before any sender declares <c>smime-deliver</c> itself, so the protected mail waits there (RabbitMQ used to
/// confirm and drop a publish to an exchange with no queue) and is delivered once a sender starts.
/// </summary>
public sealed class SignerBeforeSenderTests : BrokerTest
{
    [Fact]
    public async Task A_mail_protected_before_any_sender_started_waits_in_smime_deliver_and_is_delivered_later()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var signer = await WorkerHost.StartAsync(WorkerSettings("Signer", outbox));
        var mail = OneRecipientMail();
        await PublishAsync(mail);

        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync(QueueNames.Deliver) == 1,
            TimeSpan.FromSeconds(60),
            () => "the protected mail is not waiting in smime-deliver");

        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        await AssertDeliveredAndReadableAsync(outbox, mail, TimeSpan.FromSeconds(60), "the mail was not delivered once a sender started");
    }
}
