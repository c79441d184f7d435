using System.Text;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Delivery;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.ClaimCheck;

/// <summary>
/// Issue 13 item 1, on the real RabbitMQ: a <see cref="DeliverEmail"/> published to <c>smime-deliver</c> by a stranger,
/// with an empty content and a content address pointing at the signer's private key, /etc/passwd, another scheme or a
/// symbolic link planted in the claim directory, is dead-lettered with its reason; no such file reaches the ESP (the
/// SparkPost fake), nor does plaintext. A genuine claim is delivered and then deleted.
/// </summary>
public sealed class ClaimCheckAttackTests : ClaimCheckSenderTest
{
    private const string KeyMaterial = "-----BEGIN PRIVATE KEY-----\nMIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQ-attack-marker\n-----END PRIVATE KEY-----\n";

    [Fact]
    public async Task No_file_outside_the_claim_directory_is_delivered_whatever_the_address_and_plaintext_never_reaches_the_ESP()
    {
        var claims = Claims;
        var keyDirectory = Temp.File("store/signers/sender@bank.example");
        Directory.CreateDirectory(keyDirectory);
        var keyFile = Path.Combine(keyDirectory, "0a1b.key.pem");
        File.WriteAllText(keyFile, KeyMaterial);
        await using var sender = await StartSenderAsync();

        // A symbolic link inside the claim directory, named like a real claim, pointing at the key.
        const string plantedId = "feedfacefeedfacefeedfacefeedface";
        File.CreateSymbolicLink(Path.Combine(claims, plantedId + ClaimId.FileExtension), keyFile);
        var relativeToClaims = Path.GetRelativePath(claims, keyFile).Replace('/', ':');
        var addresses = new[]
        {
            $"urn:file:{relativeToClaims}",
            "urn:file:..:..:..:..:..:..:..:etc:passwd",
            $"file://{keyFile}",
            keyFile,
            "../store/signers/sender@bank.example/0a1b.key.pem",
            "http://attacker.example/x",
            $"urn:smime-claim:../{relativeToClaims}",
            "urn:smime-claim:..%2F..%2F..%2Fetc%2Fpasswd",
            "urn:smime-claim:" + plantedId,
            "urn:smime-claim:" + plantedId.ToUpperInvariant(),
        };
        var attacks = addresses
            .Select(a => DeliveryRig.Mail() with { Content = [], ContentAddress = new Uri(a, UriKind.RelativeOrAbsolute) })
            .ToList();
        var plain = Encoding.ASCII.GetBytes("From: statements@bank.example\r\nTo: customer@example.org\r\nSubject: Statement\r\nContent-Type: text/plain\r\n\r\nBalance 1,000,000\r\n");
        var plaintext = new[]
        {
            DeliveryRig.Mail() with { Content = plain, Protection = null },
            DeliveryRig.Mail() with { Content = plain, Protection = AppliedProtection.SignatureAndEncryption },
        };

        // A genuine claim, as a signer would have checked it in.
        var genuineBody = DeliveryRig.Mail().Content;
        var genuineId = await new FileClaimStore(claims).PutAsync(genuineBody, CancellationToken.None);
        var genuine = DeliveryRig.Mail() with { Content = [], ContentAddress = genuineId.Address };

        await Rig.SendAsync([.. attacks, .. plaintext, genuine]);

        var refusedIds = attacks.Concat(plaintext).Select(m => m.MailId).ToHashSet();
        await Eventually.HoldsAsync(
            () => Task.FromResult(refusedIds.All(id => Rig.FailedEvents.Any(e => e.MailId == id)) && Rig.Fake.AcceptedByMailId.ContainsKey(genuine.MailId.ToString("D"))),
            TimeSpan.FromSeconds(90),
            () => $"{Rig.FailedEvents.Count} of {refusedIds.Count} refusals announced; genuine delivered: {Rig.Fake.AcceptedByMailId.ContainsKey(genuine.MailId.ToString("D"))}");

        // Nothing of the key, /etc/passwd or the plaintext reached the ESP; only the genuine mail did.
        var requests = Rig.Fake.Requests;
        Assert.DoesNotContain(requests, r => r.MailId is { } id && refusedIds.Contains(Guid.Parse(id)));
        Assert.DoesNotContain(requests, r => r.Body.Contains("attack-marker", StringComparison.Ordinal) || r.Body.Contains("root:x:0:0", StringComparison.Ordinal));
        Assert.DoesNotContain(requests, r => r.Body.Contains("Balance 1,000,000", StringComparison.Ordinal));
        Assert.Single(requests, r => r.MailId == genuine.MailId.ToString("D"));

        var dead = await Rig.PeekHeadersAsync(RetryLadderTopology.DeadLetterQueue, 50);
        foreach (var attack in attacks)
        {
            var headers = Assert.Single(dead, h => h[SenderHeaders.MailId] == attack.MailId.ToString("D"));
            Assert.Contains(headers[SenderHeaders.ReasonCode], new[] { "claim-refused", "claim-missing" });
            Assert.DoesNotContain("attack-marker", headers[SenderHeaders.Reason], StringComparison.Ordinal);
        }

        Assert.All(plaintext, p => Assert.Equal("not-protected", Assert.Single(dead, h => h[SenderHeaders.MailId] == p.MailId.ToString("D"))[SenderHeaders.ReasonCode]));
        Assert.All(Rig.FailedEvents.Where(e => refusedIds.Contains(e.MailId)), e => Assert.Equal(FailureStage.Deliver, e.Stage));

        // The key file is untouched, the planted link still points at it, the genuine claim is gone once delivered.
        Assert.Equal(KeyMaterial, File.ReadAllText(keyFile));
        await Eventually.HoldsAsync(
            () => Task.FromResult(!File.Exists(Path.Combine(claims, genuineId.FileName))),
            TimeSpan.FromSeconds(30),
            () => "the delivered mail's claim was not deleted");
        Assert.Equal(0, await Rig.VirtualHost.CountMessagesAsync("smime-deliver_error"));
    }
}
