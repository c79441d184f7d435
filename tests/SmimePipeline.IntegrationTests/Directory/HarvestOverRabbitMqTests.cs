using System.Text;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.CertificateDirectory;

/// <summary>Automated intake: <see cref="HarvestCertificate"/> on the real RabbitMQ, consumed by a signer worker.</summary>
public sealed class HarvestOverRabbitMqTests : BrokerTest
{
    [Fact]
    public async Task A_signed_mail_is_filed_and_a_tampered_one_goes_to_the_error_queue()
    {
        var carol = Pki.RecipientAddresses[2];
        var body = Path.Combine(Temp.Path, "body.txt");
        await File.WriteAllTextAsync(body, "My certificate, reference 42.\n");
        var signed = Path.Combine(Temp.Path, "signed.eml");
        var sign = await ExternalTool.RunAsync("openssl", [
            "cms", "-sign", "-in", body, "-text", "-signer", Pki.CertificatePath(carol), "-inkey", Pki.KeyPath(carol),
            "-from", carol, "-to", "intake@" + DemoPki.Domain, "-subject", "My key", "-out", signed]);
        Assert.True(sign.ExitCode == 0, sign.Stderr);
        byte[] good = await File.ReadAllBytesAsync(signed);
        byte[] tampered = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(good).Replace("reference 42", "reference 43", StringComparison.Ordinal));

        var store = Path.Combine(Temp.Path, "store");
        DirectoryCopy.Copy(Pki.StorePath, store);
        await using var signer = await WorkerHost.StartAsync(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Signer",
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = VirtualHost.AmqpUri.ToString(),
            ["SmimePipeline:Signer:StorePath"] = store,
            ["SmimePipeline:Directory:SqlitePath"] = Path.Combine(Temp.Path, "directory.sqlite"),

            // This test is about the S/MIME checks; DKIM before harvest has its own (ReturnPath/InboundRelayTests).
            ["SmimePipeline:Harvest:Dkim"] = "Off",
        });
        await SendAsync(
            QueueNames.Harvest,
            new HarvestCertificate { RequestId = Guid.NewGuid(), Mail = tampered },
            new HarvestCertificate { RequestId = Guid.NewGuid(), Mail = good });

        using var directory = new SqliteRecipientDirectory(Path.Combine(Temp.Path, "directory.sqlite"));
        await Eventually.HoldsAsync(
            () => Task.FromResult(directory.Find(carol).Count == 1 && directory.List().Count == 1),
            TimeSpan.FromSeconds(60),
            () => $"{directory.List().Count} entries in the directory");
        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync($"{QueueNames.Harvest}_error") == 1,
            TimeSpan.FromSeconds(60),
            () => "the tampered mail is not in smime-harvest_error");
        Assert.NotNull(Assert.Single(directory.Find(carol)).SmimeCapabilities);
    }
}
