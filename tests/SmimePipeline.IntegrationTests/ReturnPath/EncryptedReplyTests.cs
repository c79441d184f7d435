using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Testing.SparkPost;

namespace SmimePipeline.IntegrationTests.ReturnPath;

/// <summary>
/// Replies signed and then encrypted by OpenSSL to our signer certificate, DKIM-signed by python3-dkim with its key
/// in a real DNS server (dnsmasq), posted as a SparkPost relay batch to a webhooks worker process: the signer worker
/// process decrypts them with the signer's key from its store and harvests the inner signature.
/// </summary>
public sealed class EncryptedReplyTests : BrokerTest
{
    private const string RelayToken = "relay-token-encrypted-0123456789";
    private const string Intake = "certificates@inbound." + DemoPki.Domain;
    private const string Secret = "The private words of reply 4711.";

    [Fact]
    public async Task A_reply_encrypted_to_our_signer_is_decrypted_and_harvested_and_others_are_refused_with_their_cause()
    {
        var dave = "dave@" + DemoPki.Domain;
        var erin = "erin@" + DemoPki.Domain;
        var frank = "frank@" + DemoPki.Domain;
        var daveCertificate = Path.Combine(Temp.Path, "dave.crt.pem");
        var daveKey = Path.Combine(Temp.Path, "dave.key.pem");
        var erinCertificate = Path.Combine(Temp.Path, "erin.crt.pem");
        var erinKey = Path.Combine(Temp.Path, "erin.key.pem");
        using (var authority = Pki.LoadAuthority())
        {
            using var daveIdentity = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(dave));
            DemoPki.WritePem(daveIdentity, daveCertificate, daveKey);
            using var erinIdentity = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(erin));
            DemoPki.WritePem(erinIdentity, erinCertificate, erinKey);
        }

        var dkimKey = await DkimKey.CreateAsync(Temp.Path, DemoPki.Domain, "sel");
        await using var dns = await DnsmasqServer.StartAsync([(dkimKey.RecordName, dkimKey.TxtRecord)]);

        // Our signer's certificate is the one a correspondent has from our signed mail; alice's is not ours.
        var ours = Pki.CertificatePath(Pki.SenderAddress);
        var notOurs = Pki.CertificatePath(Pki.RecipientAddresses[0]);
        byte[] good = await dkimKey.SignAsync(await EncryptAsync(await SmimeSignAsync(daveCertificate, daveKey), dave, ours));
        byte[] elsewhere = await dkimKey.SignAsync(await EncryptAsync(await SmimeSignAsync(erinCertificate, erinKey), erin, notOurs));
        byte[] unsigned = await dkimKey.SignAsync(await EncryptAsync(
            Encoding.ASCII.GetBytes($"Content-Type: text/plain; charset=us-ascii\r\n\r\n{Secret}\r\n"), frank, ours));

        var store = Path.Combine(Temp.Path, "store");
        DirectoryCopy.Copy(Pki.StorePath, store);
        var directoryPath = Path.Combine(Temp.Path, "directory.sqlite");
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var signer = await WorkerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Signer,Sender",
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = VirtualHost.AmqpUri.ToString(),
            ["SmimePipeline:Signer:StorePath"] = store,
            ["SmimePipeline:Signer:Concurrency"] = "1",
            ["SmimePipeline:Directory:SqlitePath"] = directoryPath,
            ["SmimePipeline:Harvest:DnsServer"] = dns.Endpoint,
            ["SmimePipeline:Delivery:Provider"] = "pickup",
            ["SmimePipeline:Delivery:Pickup:Directory"] = outbox,
            ["SmimePipeline:Delivery:Ledger:SqlitePath"] = Path.Combine(Temp.Path, "ledger.db"),
        }, Temp.Path);

        var tokenFile = Path.Combine(Temp.Path, "relay-token");
        await File.WriteAllTextAsync(tokenFile, RelayToken + "\n");
        await using var webhooks = await WorkerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Webhooks",
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = VirtualHost.AmqpUri.ToString(),
            ["SmimePipeline:Webhooks:RelayTokenFile"] = tokenFile,
        }, Temp.Path);

        using var http = new HttpClient { BaseAddress = webhooks.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        var batch = RelayBatch.Create(
            new RelayBatch.Message(good, dave, Intake),
            new RelayBatch.Message(elsewhere, erin, Intake),
            new RelayBatch.Message(unsigned, frank, Intake));
        using (var request = new HttpRequestMessage(HttpMethod.Post, "webhooks/sparkpost/relay") { Content = new StringContent(batch, Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("X-MessageSystems-Webhook-Token", RelayToken);
            using var accepted = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Equal("{\"accepted\":3,\"dropped\":0}", await accepted.Content.ReadAsStringAsync());
        }

        using var directory = new SqliteRecipientDirectory(directoryPath);
        await Eventually.HoldsAsync(
            async () => directory.Find(dave).Count == 1
                && await VirtualHost.CountMessagesAsync($"{QueueNames.Harvest}_error") == 2,
            TimeSpan.FromSeconds(120),
            () => $"directory: {string.Join(", ", directory.List().Select(e => e.Address))}; signer output:\n{signer.Output}");
        Assert.Equal([dave], directory.List().Select(e => e.Address).Distinct().ToArray());

        // Each refusal names its cause in the error queue, the metric and the log; the content is never told.
        using var alice = X509CertificateLoader.LoadCertificateFromFile(notOurs);
        var faults = (await VirtualHost.PeekAsync($"{QueueNames.Harvest}_error", 10))
            .Select(m => m.GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString() ?? "")
            .ToList();
        Assert.Contains(faults, f => f.Contains("not addressed to any of our certificates", StringComparison.Ordinal)
            && f.Contains(erin, StringComparison.Ordinal)
            && f.Contains("serial " + alice.SerialNumber.TrimStart('0').ToLowerInvariant(), StringComparison.Ordinal));
        Assert.Contains(faults, f => f.Contains("not S/MIME signed inside its encryption", StringComparison.Ordinal) && f.Contains(frank, StringComparison.Ordinal));
        foreach (var (outcome, count) in new[] { ("harvested", 1), ("not-addressed-to-us", 1), ("not-signed", 1) })
        {
            Assert.Equal(count, await MetricsScrape.ReadAsync(signer.BaseAddress, "smime_harvests_total", "outcome", outcome));
        }

        Assert.Contains("decrypted the reply addressed to our certificate", signer.Output, StringComparison.Ordinal);
        Assert.Contains("not-addressed-to-us", signer.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, signer.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, string.Join("\n", faults), StringComparison.Ordinal);

        // dave is now encryptable: a mail to him decrypts with his key in OpenSSL and verifies.
        var mail = TestMails.Create(1, Pki.SenderAddress, Pki.EcdsaSenderAddress, [dave]);
        await PublishAsync(mail);

        var delivered = Path.Combine(outbox, $"{mail.MailId:N}.eml");
        await Eventually.HoldsAsync(() => Task.FromResult(File.Exists(delivered)), TimeSpan.FromSeconds(90), () => $"the mail to {dave} was not delivered:\n{signer.Output}");
        var inner = await OpenSslJudge.DecryptAndVerifyAsync(delivered, daveCertificate, daveKey, Pki.CaCertificatePath);
        Assert.Contains(TestMails.Marker(mail.MailId), inner, StringComparison.Ordinal);
    }

    /// <summary>The inner entity of a sign-then-encrypt reply: multipart/signed by OpenSSL, no envelope headers.</summary>
    private async Task<byte[]> SmimeSignAsync(string certificate, string key)
    {
        var body = Path.Combine(Temp.Path, $"body-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(body, Secret + "\n");
        var signed = await ExternalTool.RunAsync("openssl", ["cms", "-sign", "-in", body, "-text", "-signer", certificate, "-inkey", key]);
        Assert.True(signed.ExitCode == 0, signed.Stderr);
        return signed.Stdout;
    }

    /// <summary>OpenSSL encrypts <paramref name="entity"/> (AES-256-CBC, RSA PKCS#1 v1.5) to <paramref name="recipient"/> as a mail from <paramref name="from"/>.</summary>
    private async Task<byte[]> EncryptAsync(byte[] entity, string from, string recipient)
    {
        var input = Path.Combine(Temp.Path, $"inner-{Guid.NewGuid():N}.eml");
        await File.WriteAllBytesAsync(input, entity);
        var encrypted = await ExternalTool.RunAsync("openssl", [
            "cms", "-encrypt", "-binary", "-aes256", "-in", input,
            "-from", from, "-to", Intake, "-subject", "My certificate", recipient]);
        Assert.True(encrypted.ExitCode == 0, encrypted.Stderr);
        return encrypted.Stdout;
    }
}
