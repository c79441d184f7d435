using System.Security.Cryptography;
using System.Text;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.ClaimCheck;

/// <summary>
/// A 9 MB attachment through the real RabbitMQ: signer and sender as separate hosts sharing only the
/// claim-check directory (as pods share a volume); the protected mail (≈17 MB, under the 20 MB limit) travels
/// from signer to sender as a claim, and OpenSSL decrypts and verifies what reached the pickup directory. The
/// claim is deleted once the mail is delivered.
/// </summary>
public sealed class LargeMailClaimCheckTests : BrokerTest
{
    [Fact]
    public async Task A_9_MB_attachment_goes_end_to_end_through_the_claim_check_and_decrypts_and_verifies_with_openssl()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        var claims = Path.Combine(Temp.Path, "claims");
        await using var signer = await WorkerHost.StartAsync(Settings("Signer", outbox, claims));
        await using var sender = await WorkerHost.StartAsync(Settings("Sender", outbox, claims));

        var attachment = new byte[9 * 1024 * 1024];
        new Random(15).NextBytes(attachment);
        var recipient = Pki.RecipientAddresses[0];
        var mail = new ProtectEmail
        {
            MailId = Guid.NewGuid(),
            From = new MailAddress(Pki.SenderAddress),
            To = [new MailAddress(recipient)],
            Subject = "Large statement",
            TextBody = $"The archive is attached. {TestMails.Marker(Guid.Empty)}",
            Attachments = [new MailAttachment("archive.bin", "application/octet-stream", attachment)],
        };

        await PublishAsync(mail);

        var file = Path.Combine(outbox, $"{mail.MailId:N}.eml");
        await Eventually.HoldsAsync(
            () => Task.FromResult(File.Exists(file)),
            TimeSpan.FromMinutes(2),
            () => "the large mail did not reach the pickup directory within 2 minutes");

        // The protected mail went through the claim check (far larger than the 256 KB threshold), and its claim is
        // deleted once delivered.
        Assert.True(new FileInfo(file).Length > 15 * 1024 * 1024, $"the protected mail is only {new FileInfo(file).Length} bytes");
        await Eventually.HoldsAsync(
            () => Task.FromResult(Directory.GetFiles(claims, "*", SearchOption.AllDirectories).Length == 0),
            TimeSpan.FromSeconds(30),
            () => $"claim files left behind: {string.Join(", ", Directory.GetFiles(claims))}");

        var content = await OpenSslJudge.DecryptAndVerifyAsync(file, Pki.CertificatePath(recipient), Pki.KeyPath(recipient), Pki.CaCertificatePath);
        using var entity = MimeEntity.Load(new MemoryStream(Encoding.UTF8.GetBytes(content)));
        var part = Assert.Single(entity is Multipart multipart ? multipart.OfType<MimePart>().Where(p => p.IsAttachment) : []);
        using var decoded = new MemoryStream();
        Assert.NotNull(part.Content);
        part.Content.DecodeTo(decoded);
        Assert.Equal(SHA256.HashData(attachment), SHA256.HashData(decoded.ToArray()));
        Assert.Equal(0, await VirtualHost.CountMessagesAsync("smime-protect_error"));
        Assert.Equal(0, await VirtualHost.CountMessagesAsync("smime-deliver_error"));
    }

    private Dictionary<string, string?> Settings(string role, string outbox, string claims) =>
        WorkerSettings(role, outbox, ("SmimePipeline:ClaimCheck:Directory", claims));
}
