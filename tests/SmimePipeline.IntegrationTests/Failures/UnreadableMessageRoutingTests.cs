using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Issue 14's last gap, on the real broker with a real signer process: a body that MassTransit itself cannot read
/// (a required field missing, a field of the wrong type, not JSON at all) never reaches our consumer, yet it is
/// reported like every other failure: <c>smime-protect_error</c>, an <see cref="EmailDeliveryFailed"/> event (with
/// the mail id when the body names one), one log line, <c>smime_dead_letters_total</c>, and <c>smime dlq</c> lists it.
/// </summary>
public sealed class UnreadableMessageRoutingTests : BrokerTest
{
    private const string ErrorQueue = "smime-protect_error";
    private const string ContentType = "application/vnd.masstransit+json";
    private const string Secret = "secret-body-text-0815";

    [Fact]
    public async Task A_body_masstransit_cannot_read_is_dead_lettered_with_a_reason_an_event_a_log_line_and_the_metric()
    {
        await using var signer = await StartSignerProcessAsync();
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-unreadable-events");
        var failed = events.Failed;

        var missingFrom = Guid.NewGuid();
        var wrongType = Guid.NewGuid();
        var bodies = new (string What, string Body, Guid MailId, string Expected)[]
        {
            ("required field missing", Envelope(missingFrom, $$"""{"to":[{"address":"a@example.com"}],"subject":"{{Secret}}","textBody":"{{Secret}}"}"""), missingFrom, "a required field is missing (from)"),
            ("field of the wrong type", Envelope(wrongType, $$"""{"from":{"address":"a@example.com"},"to":"{{Secret}}","subject":"x"}"""), wrongType, "the value at $.to is not of the contract's type"),
            ("not JSON", $"<{Secret}>", Guid.Empty, "the body is not JSON of the contract's shape"),
        };
        foreach (var (_, body, _, _) in bodies)
        {
            await VirtualHost.PublishRawAsync(QueueNames.Protect, body, ContentType);
        }

        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync(ErrorQueue) == bodies.Length && failed.Count == bodies.Length,
            TimeSpan.FromSeconds(90),
            () => $"{failed.Count} of {bodies.Length} failures reported:\n{signer.Output}");

        foreach (var (what, _, mailId, expected) in bodies)
        {
            var reported = Assert.Single(failed, f => f.MailId == mailId);
            Assert.Equal(FailureStage.Protect, reported.Stage);
            Assert.Equal("unreadable-message", reported.ReasonCode);
            Assert.True(reported.Reason.Contains(expected, StringComparison.Ordinal), $"{what}: \"{reported.Reason}\" does not say \"{expected}\"");
            Assert.DoesNotContain(Secret, reported.Reason, StringComparison.Ordinal);
            var line = $"Mail {mailId:D} dead-lettered at protect: unreadable-message: {reported.Reason}";
            await DeadLetterLog.AssertOneLineAsync(() => signer.Output, line, what);
        }

        Assert.DoesNotContain(Secret, signer.Output, StringComparison.Ordinal);
        Assert.Equal(bodies.Length, await MetricsScrape.SumAsync(signer, "smime_dead_letters_total", "reason=\"unreadable-message\""));

        var list = await SmimeCli.RunAsync(["dlq", "list", "--queue", ErrorQueue, "--rabbitmq", VirtualHost.AmqpUri.ToString()]);
        Assert.True(list.ExitCode == 0, list.Describe());
        Assert.Contains(list.StdoutText.Split('\n'), l => l.StartsWith(missingFrom.ToString("D"), StringComparison.Ordinal));
        Assert.Contains(list.StdoutText.Split('\n'), l => l.StartsWith(wrongType.ToString("D"), StringComparison.Ordinal));
    }

    /// <summary>A MassTransit envelope of a <c>ProtectEmail</c> whose message is <paramref name="message"/> plus the mail id.</summary>
    internal static string Envelope(Guid mailId, string message) =>
        $$"""{"messageId":"{{Guid.NewGuid():D}}","messageType":["urn:message:SmimePipeline.Contracts:ProtectEmail"],"message":{"mailId":"{{mailId:D}}",{{message[1..]}}}""";
}
