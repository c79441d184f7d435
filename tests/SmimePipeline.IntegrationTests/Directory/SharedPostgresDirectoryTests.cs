using Microsoft.Extensions.DependencyInjection;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.CertificateDirectory;

/// <summary>
/// Two signer workers share one PostgreSQL recipient directory (the real PostgreSQL and RabbitMQ started by
/// scripts/test.sh): a certificate filed once is used by both; a removal is seen by both within the cache lifetime.
/// </summary>
public sealed class SharedPostgresDirectoryTests : BrokerTest
{
    private readonly string _tablePrefix = "it" + Guid.NewGuid().ToString("N")[..10] + "_";

    [Fact]
    public async Task Two_signers_encrypt_to_a_certificate_that_only_the_shared_directory_holds_and_both_see_its_removal()
    {
        const int count = 40;
        const string dave = "dave@" + DemoPki.Domain;
        var daveCertificate = Path.Combine(Temp.Path, "dave.crt.pem");
        var daveKey = Path.Combine(Temp.Path, "dave.key.pem");
        using (var authority = Pki.LoadAuthority())
        using (var identity = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(dave)))
        using (var directory = new PostgresRecipientDirectory(TestServices.PostgresConnectionString, _tablePrefix))
        {
            DemoPki.WritePem(identity, daveCertificate, daveKey);
            directory.Add(authority, DirectoryEntryKind.Anchor);
            directory.Add(identity, DirectoryEntryKind.Recipient);
        }

        var outbox = System.IO.Directory.CreateDirectory(Path.Combine(Temp.Path, "outbox")).FullName;
        await using var signerA = await WorkerHost.StartAsync(Settings("Signer", outbox));
        await using var signerB = await WorkerHost.StartAsync(Settings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(Settings("Sender", outbox));
        var mails = Enumerable.Range(0, count).Select(i => Mail(dave, i)).ToList();
        var late = Mail(dave, count);
        await PublishAsync(mails, inFlight: count);
        await Eventually.HoldsAsync(
            () => Task.FromResult(System.IO.Directory.GetFiles(outbox, "*.eml").Length >= count),
            TimeSpan.FromMinutes(2),
            () => $"{System.IO.Directory.GetFiles(outbox, "*.eml").Length} of {count} mails delivered");

        Assert.Equal(count, signerA.Telemetry.ProtectedTotal + signerB.Telemetry.ProtectedTotal);
        Assert.True(signerA.Telemetry.ProtectedTotal > 0 && signerB.Telemetry.ProtectedTotal > 0, $"one signer did all the work ({signerA.Telemetry.ProtectedTotal}/{signerB.Telemetry.ProtectedTotal})");
        foreach (var mail in mails.Take(3))
        {
            var content = await OpenSslJudge.DecryptAndVerifyAsync(Path.Combine(outbox, $"{mail.MailId:N}.eml"), daveCertificate, daveKey, Pki.CaCertificatePath);
            Assert.Contains(mail.MailId.ToString("N"), content, StringComparison.Ordinal);
        }

        // A third process removes the certificate; both workers see it once their 1 s cache expires.
        using (var directory = new PostgresRecipientDirectory(TestServices.PostgresConnectionString, _tablePrefix))
        {
            Assert.Equal(1, directory.Remove(dave));
        }

        await Eventually.HoldsAsync(
            () => Task.FromResult(new[] { signerA, signerB }.All(s => s.Services.GetRequiredService<IRecipientDirectory>().Find(dave).Count == 0)),
            TimeSpan.FromSeconds(30),
            () => "a signer's directory still finds the removed certificate");
        await PublishAsync(late);
        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync("smime-protect_error") == 1,
            TimeSpan.FromSeconds(30),
            () => "the mail to a removed recipient is not in smime-protect_error");

        Assert.False(File.Exists(Path.Combine(outbox, $"{late.MailId:N}.eml")), "a mail to a recipient without a certificate went out");
    }

    private static ProtectEmail Mail(string to, int index)
    {
        var id = Guid.NewGuid();
        return new ProtectEmail
        {
            MailId = id,
            From = new MailAddress("sender@" + DemoPki.Domain),
            To = [new MailAddress(to)],
            Subject = $"Statement {index}",
            TextBody = $"Statement {index}, marker {id:N}.",
        };
    }

    private Dictionary<string, string?> Settings(string role, string outbox) => WorkerSettings(
        role,
        outbox,
        ("SmimePipeline:Signer:Concurrency", "2"),
        ("SmimePipeline:Directory:Provider", role == "Signer" ? "Postgres" : null),
        ("SmimePipeline:Directory:Postgres", role == "Signer" ? TestServices.PostgresConnectionString : null),
        ("SmimePipeline:Directory:TablePrefix", _tablePrefix),
        ("SmimePipeline:Directory:CacheLifetime", "00:00:01"));
}
