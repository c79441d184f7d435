using System.Collections;
using System.Text;
using RabbitMQ.Client;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>The retry ladder on RabbitMQ honours the configured schedule (short rungs: 1 s, 4 s, 9 s).</summary>
public sealed class RetryScheduleTests : IAsyncLifetime
{
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Attempts_follow_the_rungs_and_the_last_rung_dead_letters_with_retries_exhausted()
    {
        // A high threshold keeps the breaker out of this test: one mail failing is not an outage.
        await using var sender = await WorkerHost.StartAsync(_rig.SenderSettings(retrySchedule: "1s,4s,9s", breakerThreshold: 100));
        await _rig.StartProducerAsync();
        await using var returns = await RungReturns.BindAsync(_rig.VirtualHost.AmqpUri);

        var recovering = DeliveryRig.Mail();
        _rig.Fake.FailNext(2, 503);
        await _rig.SendAsync([recovering]);
        await Eventually.HoldsAsync(() => Task.FromResult(_rig.Fake.AcceptedByMailId.ContainsKey(recovering.MailId.ToString("D"))), TimeSpan.FromSeconds(60), () => "not delivered after two failures");
        await AssertRungsAsync(returns, recovering.MailId, 2);

        var hopeless = DeliveryRig.Mail();
        _rig.Fake.FailNext(4, 500);
        await _rig.SendAsync([hopeless]);
        await Eventually.HoldsAsync(
            async () => await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue) >= 1,
            TimeSpan.FromSeconds(90),
            () => "not dead-lettered after the last rung");
        await AssertRungsAsync(returns, hopeless.MailId, 3);
        var headers = Assert.Single(await _rig.PeekHeadersAsync(RetryLadderTopology.DeadLetterQueue, 5));
        Assert.Equal("retries-exhausted", headers[SenderHeaders.ReasonCode]);
        Assert.Equal("4", headers[SenderHeaders.Attempt]);
        Assert.Equal(4, headers[SenderHeaders.FailedAt].Split(',').Length);
        Assert.StartsWith("HTTP 500", headers[SenderHeaders.EspAnswer], StringComparison.Ordinal);
        Assert.Single(_rig.FailedEvents, e => e.MailId == hopeless.MailId && e.ReasonCode == "retries-exhausted");
    }

    // Attempt k+1 came back from rung k: RabbitMQ's x-death header on the copy that returned to smime-deliver names rung k's
    // queue (expired), and the gap is not shorter than rung k's TTL. Before session 17 the gap was also bounded above by the
    // next rung (3–5 s of slack; before session 15, 1.5 s) to tell rung k from rung k+1 by the clock: a wall-clock ceiling that
    // a loaded 2-core machine (the TTL sweep, the consume round trip) could cross. The broker's record says which rung it was.
    private async Task AssertRungsAsync(RungReturns returns, Guid mailId, int gaps)
    {
        double[] rungs = [1, 4, 9];
        var times = _rig.Fake.Requests.Where(r => r.MailId == mailId.ToString("D")).Select(r => r.ReceivedAt).ToList();
        Assert.Equal(gaps + 1, times.Count);
        var expected = Enumerable.Range(1, gaps).Select(k => $"{RetryLadderTopology.RungName(k)} expired").ToList();
        List<string> seen = [];
        await Eventually.HoldsAsync(
            async () => (seen = await returns.OfAsync(mailId)).Count >= gaps,
            TimeSpan.FromSeconds(30),
            () => $"the mail came back to smime-deliver from: {string.Join(", ", seen)}; expected {string.Join(", ", expected)}");
        Assert.Equal(expected, seen);
        for (var i = 0; i < gaps; i++)
        {
            var gap = (times[i + 1] - times[i]).TotalSeconds;
            Assert.True(gap >= rungs[i] - 0.05, $"attempt {i + 2} came {gap:F2} s after attempt {i + 1}: sooner than rung {i + 1} ({rungs[i]} s)");
        }
    }

    /// <summary>
    /// A queue of the test bound to <c>smime-deliver</c>'s exchange (fanout): it gets a copy of every message that reaches
    /// <c>smime-deliver</c>, the rungs' dead letters among them. Each returned copy's <c>x-death</c> header (most recent
    /// death first) names the queue it expired from.
    /// </summary>
    private sealed class RungReturns : IAsyncDisposable
    {
        private const string Queue = "test-deliver-returns";
        private readonly IConnection _connection;
        private readonly IChannel _channel;
        private readonly List<(string MailId, string Death)> _returns = [];

        private RungReturns(IConnection connection, IChannel channel)
        {
            _connection = connection;
            _channel = channel;
        }

        public static async Task<RungReturns> BindAsync(Uri amqpUri)
        {
            var connection = await new ConnectionFactory { Uri = amqpUri }.CreateConnectionAsync();
            var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclareAsync(Queue, durable: false, exclusive: true, autoDelete: false);
            await channel.QueueBindAsync(Queue, QueueNames.Deliver, routingKey: string.Empty);
            return new RungReturns(connection, channel);
        }

        /// <summary>Where each copy of <paramref name="mailId"/> that came back so far expired ("queue reason"), in order.</summary>
        public async Task<List<string>> OfAsync(Guid mailId)
        {
            while (await _channel.BasicGetAsync(Queue, autoAck: true) is { } message)
            {
                var headers = message.BasicProperties.Headers;
                if (headers is not null
                    && headers.TryGetValue("x-death", out var death) && death is IList { Count: > 0 } deaths && deaths[0] is IDictionary last
                    && headers.TryGetValue(SenderHeaders.MailId, out var id))
                {
                    _returns.Add((Text(id), $"{Text(last["queue"])} {Text(last["reason"])}"));
                }
            }

            return [.. _returns.Where(r => r.MailId == mailId.ToString("D")).Select(r => r.Death)];
        }

        public async ValueTask DisposeAsync()
        {
            await _channel.DisposeAsync();
            await _connection.DisposeAsync();
        }

        private static string Text(object? value) => value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            null => "",
            _ => value.ToString() ?? "",
        };
    }
}
