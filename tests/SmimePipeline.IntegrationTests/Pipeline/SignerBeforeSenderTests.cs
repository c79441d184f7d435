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
        var recipient = mail.To[0].Address;

        await PublishAsync(mail);

        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync(QueueNames.Deliver) == 1,
            TimeSpan.FromSeconds(60),
            () => "the protected mail is not waiting in smime-deliver");

        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        var file = Path.Combine(outbox, $"{mail.MailId:N}.eml");
        await Eventually.HoldsAsync(
            () => Task.FromResult(File.Exists(file)),
            TimeSpan.FromSeconds(60),
            () => "the mail was not delivered once a sender started");
        Assert.Contains(
            TestMails.Marker(mail.MailId),
            await OpenSslJudge.DecryptAndVerifyAsync(file, Pki.CertificatePath(recipient), Pki.KeyPath(recipient), Pki.CaCertificatePath),
            StringComparison.Ordinal);
    }
}
