using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Pipeline;

/// <summary>
/// Issue 17: the signer hands <c>DeliverEmail</c> to the sender as a binary body (the protected mail's bytes, its fields
/// in headers) by default, or as MassTransit's JSON when <c>Signer:DeliverEmailFormat=Json</c>; either way the sender
/// delivers a mail that OpenSSL decrypts and verifies. The message is caught on <c>smime-deliver</c> before any sender
/// runs, so the test sees what travelled.
/// </summary>
public sealed class BinaryDeliverEmailPipelineTests : BrokerTest
{
    [Theory]
    [InlineData(null, "application/vnd.smimepipeline.deliver-email; v=1")]
    [InlineData("Json", "application/vnd.masstransit+json")]
    public async Task The_signer_sends_deliver_email_in_the_configured_format_and_the_sender_delivers_it(string? format, string contentType)
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        var mail = OneRecipientMail();
        await using (var signer = await WorkerHost.StartAsync(WorkerSettings("Signer", outbox, ("SmimePipeline:Signer:DeliverEmailFormat", format))))
        {
            await PublishAsync(mail);
            await Eventually.HoldsAsync(
                async () => await VirtualHost.CountMessagesAsync(QueueNames.Deliver) == 1,
                TimeSpan.FromSeconds(90),
                () => "the protected mail is not waiting in smime-deliver");
        }

        var message = Assert.Single(await VirtualHost.PeekAsync(QueueNames.Deliver, 5));
        var properties = message.GetProperty("properties");
        Assert.Equal(contentType, properties.GetProperty("content_type").GetString());
        var payload = message.GetProperty("payload").GetString()!;
        if (format is null)
        {
            Assert.Equal(mail.MailId.ToString("D"), properties.GetProperty("headers").GetProperty(SenderHeaders.MailId).GetString());
            // The body is the mail itself: its MIME headers in the clear, no JSON, no base64 of the whole.
            Assert.Contains("Content-Type: application/pkcs7-mime", payload, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("\"message\"", payload, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("\"message\"", payload, StringComparison.Ordinal);
            Assert.DoesNotContain("Content-Type: application/pkcs7-mime", payload, StringComparison.OrdinalIgnoreCase);
        }

        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        await AssertDeliveredAndReadableAsync(outbox, mail, TimeSpan.FromSeconds(90), "the mail was not delivered");
    }
}
