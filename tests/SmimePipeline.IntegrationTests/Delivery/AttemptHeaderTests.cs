using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>
/// The bus is not a trust boundary: the <c>smime-attempt</c> header of a <see cref="SmimePipeline.Contracts.DeliverEmail"/>
/// in the JSON format is read as the mail's count of failed attempts (before its body's <c>Attempt</c>, which the
/// validator bounds to 0-1,000), so it is bounded the same way. Before session 16 it was not: a count of -3 or
/// 2,147,483,647 reached the ESP, and on a transient failure the handler indexed the retry schedule with it
/// (<c>Schedule[attempts - 1]</c>), threw, and called the ESP again on each of MassTransit's retries. Real RabbitMQ.
/// </summary>
public sealed class AttemptHeaderTests : IAsyncLifetime
{
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task A_smime_attempt_header_outside_0_to_1000_or_not_a_number_is_refused_before_the_esp_and_a_valid_one_delivers()
    {
        using var workingDirectory = new TempDirectory();
        await using var sender = await WorkerProcess.StartAsync(_rig.SenderSettings(), workingDirectory.Path);
        await _rig.StartProducerAsync();
        object[] hostile = [-3, int.MaxValue, 1_001, "three"];
        var refused = new List<(Guid MailId, object Header)>();
        foreach (var value in hostile)
        {
            var mail = DeliveryRig.Mail();
            refused.Add((mail.MailId, value));
            await _rig.SendAsync([mail], send => send.Headers.Set(SenderHeaders.Attempt, value));
        }

        var valid = DeliveryRig.Mail();
        await _rig.SendAsync([valid], send => send.Headers.Set(SenderHeaders.Attempt, 2));

        await Eventually.HoldsAsync(
            async () => _rig.FailedEvents.Count >= hostile.Length
                && await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue) >= hostile.Length
                && _rig.Fake.AcceptedByMailId.ContainsKey(valid.MailId.ToString("D")),
            TimeSpan.FromSeconds(60),
            () => $"{_rig.FailedEvents.Count} of {hostile.Length} refusals reported; ESP requests for {string.Join(", ", _rig.Fake.Requests.Select(r => r.MailId))}");

        var dead = await _rig.PeekHeadersAsync(RetryLadderTopology.DeadLetterQueue, 10);
        foreach (var (mailId, header) in refused)
        {
            Assert.DoesNotContain(_rig.Fake.Requests, r => r.MailId == mailId.ToString("D"));
            var failed = Assert.Single(_rig.FailedEvents, e => e.MailId == mailId);
            Assert.Equal("invalid-message", failed.ReasonCode);
            Assert.True(failed.Reason.Contains(SenderHeaders.Attempt, StringComparison.Ordinal), $"{header}: {failed.Reason}");
            var copy = Assert.Single(dead, h => h[SenderHeaders.MailId] == mailId.ToString("D"));
            Assert.Equal("invalid-message", copy[SenderHeaders.ReasonCode]);
            // The dead copy counts the attempts its body says (none), not the refused header's.
            Assert.Equal("0", copy[SenderHeaders.Attempt]);
            await DeadLetterLog.AssertOneLineAsync(() => sender.Output, $"Mail {mailId:D} dead-lettered at deliver: invalid-message: ", header.ToString()!);
        }

        Assert.Single(_rig.Fake.Requests, r => r.MailId == valid.MailId.ToString("D"));
        Assert.DoesNotContain(_rig.FailedEvents, e => e.MailId == valid.MailId);
        Assert.Equal(hostile.Length, await MetricsScrape.SumAsync(sender, "smime_dead_letters_total", "reason=\"invalid-message\""));
    }
}
