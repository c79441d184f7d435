using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using SmimePipeline.Delivery;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Delivery.Pickup;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The consumer side of <c>smime bench guarantees</c>, one received mail at a time: take the command's bytes out of the
/// client's buffer, "protect" (copy the pre-made protected mail), publish <c>EmailProtected</c>, claim the hand-over in the
/// ledger, write the pickup file, record the acceptance, publish <c>EmailDelivered</c>, ack — each step only when its
/// guarantee is on (<see cref="GuaranteeSwitches"/>). A step that throws nacks the mail back into the queue and ends the
/// run with that exception.
/// </summary>
internal sealed class GuaranteesMailHandler(byte[] protectedMail, PickupDirectoryTransport pickup, SqliteDeliveryLedger? ledger, GuaranteeSwitches switches)
{
    /// <summary>A hand-over claim older than this may be taken over (the product's is the ESP's timeout plus a margin).</summary>
    private static readonly TimeSpan StaleClaim = TimeSpan.FromMinutes(5);

    private static readonly BasicProperties EventProperties = new() { Persistent = true, ContentType = "application/vnd.masstransit+json" };
    private readonly byte[][] _events = [.. GuaranteesBenchRunner.EventBodyBytes.Select(n => new byte[n])];
    private readonly string[] _eventExchanges = [.. GuaranteesBenchRunner.EventExchanges];
    private long _eventsConfirmed;

    /// <summary>The channel the events are published on (tracked confirms); set before the first mail.</summary>
    public IChannel? Events { get; set; }

    /// <summary>The batch whose mails are being handled.</summary>
    public GuaranteesPhase? Current { get; set; }

    /// <summary>Events the broker confirmed so far.</summary>
    public long EventsConfirmed => Interlocked.Read(ref _eventsConfirmed);

    /// <summary>Handles one delivery of the work queue on <paramref name="channel"/> and acks it once its hand-over is done.</summary>
    public async Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        var phase = Current;
        try
        {
            // The command leaves the client's buffer, as a deserialiser's copy would; nothing reads it further.
            byte[] command = delivery.Body.ToArray();
            var id = Guid.ParseExact(delivery.BasicProperties.MessageId ?? "", "N");
            using var span = GuaranteesBenchRunner.Source.StartActivity("guarantees consume", ActivityKind.Consumer, ParentOf(delivery.BasicProperties));
            // "Protection" without cryptography: a copy of a real protected mail of this size (the crypto floor is not here).
            byte[] protectedCopy = protectedMail.AsSpan().ToArray();
            GC.KeepAlive(command);
            await PublishEventAsync(0);
            var now = DateTimeOffset.UtcNow;
            if (ledger is not null)
            {
                var claim = await ledger.ClaimHandOverAsync(id, GuaranteesBenchRunner.Provider, now, now - StaleClaim, CancellationToken.None);
                if (!claim.Claimed)
                {
                    throw new InvalidOperationException($"Mail {id}: the ledger refused its hand-over ({claim.Previous?.State}): a second delivery of one mail.");
                }
            }

            string file = await WriteAsync(id, protectedCopy);
            if (ledger is not null)
            {
                await ledger.RecordAcceptedAsync(id, GuaranteesBenchRunner.Provider, file, DateTimeOffset.UtcNow, CancellationToken.None);
            }

            await PublishEventAsync(1);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
            phase?.Handled(id);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not lost: back into the queue; the run ends with the reason (a guarantees run has no failure path to measure).
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
            phase?.Fail(e);
        }
    }

    private static ActivityContext ParentOf(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue(GuaranteesBenchRunner.TraceHeader, out var value) == true && value is byte[] raw
        && ActivityContext.TryParse(Encoding.ASCII.GetString(raw), null, out var parent) ? parent : default;

    /// <summary>Writes the pickup file: durably through the product's transport, or (fsync off) written and renamed only; the file's name.</summary>
    private async Task<string> WriteAsync(Guid id, byte[] content)
    {
        string path = pickup.PathFor(id);
        if (switches.Fsync)
        {
            var receipt = await pickup.SendAsync(new OutgoingMail(id, BenchCertificateStore.SenderAddress, [BenchCertificateStore.RecipientAddress], content), CancellationToken.None);
            return receipt.ProviderMessageId ?? path;
        }

        string temp = path + ".tmp";
        await File.WriteAllBytesAsync(temp, content);
        File.Move(temp, path, overwrite: true);
        return Path.GetFileName(path);
    }

    private async Task PublishEventAsync(int which)
    {
        if (!switches.Events)
        {
            return;
        }

        var events = Events ?? throw new InvalidOperationException("The events' channel is not set.");
        // Awaited: with tracked confirms the task ends when the broker confirmed the event (as MassTransit's publish).
        await events.BasicPublishAsync(_eventExchanges[which], string.Empty, mandatory: false, EventProperties, _events[which], CancellationToken.None);
        Interlocked.Increment(ref _eventsConfirmed);
    }
}
