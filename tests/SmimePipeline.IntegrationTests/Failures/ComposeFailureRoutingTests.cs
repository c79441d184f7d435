using System.Security.Cryptography;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Issue 14, item 3, on the real broker with a real signer process: a mail that cannot be composed (no From, an
/// invalid address, a bad header name, null fields, garbage MIME) is dead-lettered in <c>smime-protect_error</c>
/// with its reason (never its text), publishes <see cref="EmailDeliveryFailed"/>, logs one line, counts
/// <c>smime_dead_letters_total{stage="protect"}</c>, shows in <c>smime dlq list --queue smime-protect_error</c>, and
/// <c>smime dlq requeue</c> gives it back to the signers.
/// </summary>
public sealed class ComposeFailureRoutingTests : BrokerTest
{
    private const string ErrorQueue = "smime-protect_error";
    private const string Secret = "secret-statement-text-4711";

    [Fact]
    public async Task Mails_that_cannot_be_composed_are_dead_lettered_with_a_reason_an_event_a_log_line_and_the_metric()
    {
        await using var signer = await StartSignerProcessAsync();
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-compose-failed-events");
        var failed = events.Failed;

        var good = TestMails.Create(1, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses) with { TextBody = Secret };
        var bad = new List<(string What, object Message, Guid MailId)>
        {
            Bad("no From", good with { MailId = Guid.NewGuid(), From = new MailAddress(" ") }),
            Bad("invalid address", good with { MailId = Guid.NewGuid(), To = [new MailAddress("not an address @@")] }),
            Bad("bad header name", good with { MailId = Guid.NewGuid(), Headers = new Dictionary<string, string> { ["X Bad:Name"] = Secret } }),
            Bad("null fields", good with { MailId = Guid.NewGuid(), To = null!, Headers = null!, Attachments = null! }),
        };
        var garbage = new ProtectMimeMessage { MailId = Guid.NewGuid(), Message = [.. RandomNumberGenerator.GetBytes(2000), .. System.Text.Encoding.ASCII.GetBytes(Secret)] };
        bad.Add(("garbage MIME", garbage, garbage.MailId));

        var endpoint = await events.Bus.GetSendEndpoint(new Uri($"exchange:{QueueNames.Protect}"));
        foreach (var (_, message, _) in bad)
        {
            await endpoint.Send(message);
        }

        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync(ErrorQueue) == bad.Count && bad.All(b => failed.Any(f => f.MailId == b.MailId)),
            TimeSpan.FromSeconds(90),
            () => $"{failed.Count} of {bad.Count} failures reported:\n{signer.Output}");

        var dead = await VirtualHost.PeekAsync(ErrorQueue, 20);
        Assert.Equal(bad.Count, dead.Count);
        foreach (var (what, _, mailId) in bad)
        {
            var reported = Assert.Single(failed, f => f.MailId == mailId);
            Assert.Equal(FailureStage.Protect, reported.Stage);
            Assert.False(string.IsNullOrWhiteSpace(reported.ReasonCode), what);
            Assert.NotEqual("unexpected-error", reported.ReasonCode);
            Assert.DoesNotContain(Secret, reported.Reason, StringComparison.Ordinal);
            var line = $"Mail {mailId:D} dead-lettered at protect: {reported.ReasonCode}";
            await DeadLetterLog.AssertOneLineAsync(() => signer.Output, line, what);
        }

        foreach (var message in dead)
        {
            var fault = message.GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
            Assert.DoesNotContain(Secret, fault, StringComparison.Ordinal);
            Assert.Contains(failed, f => fault.StartsWith(f.ReasonCode + ": ", StringComparison.Ordinal));
        }

        Assert.DoesNotContain(Secret, signer.Output, StringComparison.Ordinal);
        Assert.Equal(bad.Count, await MetricsScrape.SumAsync(signer, "smime_dead_letters_total", "stage=\"protect\""));

        var broker = VirtualHost.AmqpUri.ToString();
        var list = await SmimeCli.RunAsync(["dlq", "list", "--queue", ErrorQueue, "--rabbitmq", broker]);
        Assert.True(list.ExitCode == 0, list.Describe());
        foreach (var (_, _, mailId) in bad)
        {
            var line = Assert.Single(list.StdoutText.Split('\n'), l => l.StartsWith(mailId.ToString("D"), StringComparison.Ordinal));
            Assert.Contains(Assert.Single(failed, f => f.MailId == mailId).ReasonCode, line, StringComparison.Ordinal);
        }

        // Requeue gives it back to the signers: composed again, refused again, reported again.
        var again = bad[0].MailId;
        var requeue = await SmimeCli.RunAsync(["dlq", "requeue", again.ToString("D"), "--queue", ErrorQueue, "--rabbitmq", broker]);
        Assert.True(requeue.ExitCode == 0, requeue.Describe());
        Assert.Contains($"to {QueueNames.Protect}", requeue.Stderr, StringComparison.Ordinal);
        await Eventually.HoldsAsync(
            () => Task.FromResult(failed.Count(f => f.MailId == again) == 2),
            TimeSpan.FromSeconds(60),
            () => $"the requeued mail did not reach a signer again:\n{signer.Output}");
        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync(ErrorQueue) == bad.Count,
            TimeSpan.FromSeconds(30),
            () => "the requeued mail did not come back to the error queue");
    }

    private static (string What, object Message, Guid MailId) Bad(string what, ProtectEmail mail) => (what, mail, mail.MailId);
}
